"""Per-AS address space and inferred-country flags: read from the AS→country file, carried by the topology,
printed by ``fragsim-data info``, and drawn for the synthetic Internet from a stream of its own."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from sim import Topology, load_topology
from sim.cli.data import main as data_cli
from sim.data.caida import TopologyFormatError
from sim.data.synthetic import IXP, STUB, T1, T2, T3, _layout, synthetic_topology
from tests.cli_output import one_error
from tests.worlds import world

RELS = "1|2|0\n1|3|-1\n3|5|-1\n2|4|-1\n"


def blocks(topo) -> dict[int, int]:
    return dict(zip(topo.asns.tolist(), topo.address_space.tolist(), strict=True))


def test_the_prefixes_column_gives_each_as_its_address_space(write_file):
    geo = write_file("geo.csv.gz", "asn,country,prefixes,name\n1,US,16,a\n2,FR,,b\n3,,7,c\n99,JP,5,z\n", "gz")
    topo = load_topology(write_file("r.txt", RELS), geo)
    # 2: empty cell, no data; 3: address space without a country; 4, 5: not in the file
    assert blocks(topo) == {1: 16, 2: 0, 3: 7, 4: 0, 5: 0}
    assert topo.address_space.dtype == np.int64
    s = topo.summary()
    assert (s["n_with_address_space"], s["address_space_blocks"]) == (2, 23)


def test_a_file_without_prefixes_or_an_as_org_file_gives_no_address_space(write_file):
    topo = load_topology(write_file("r.txt", RELS), write_file("geo.csv", "asn,country\n1,US\n"))
    assert not topo.address_space.any()


@pytest.mark.parametrize(("value", "line"), [("x", 3), ("-4", 3), ("1.5", 3), ("1e3", 3), ("²", 3)])
def test_a_bad_prefixes_value_names_file_and_line(write_file, value, line):
    geo = write_file("geo.csv", f"asn,country,prefixes\n1,US,3\n2,FR,{value}\n")
    with pytest.raises(TopologyFormatError) as err:
        load_topology(write_file("r.txt", RELS), geo)
    assert f"{geo}:{line}: column 'prefixes': {value!r} is not a count of /24 blocks" in str(err.value)


def test_new_fields_default_and_survive_copies():
    topo = world(p2c=[(1, 2), (1, 3)], country={1: "XA", 2: "XA"})
    assert topo.address_space.tolist() == [0, 0, 0] and topo.country_inferred.tolist() == [False] * 3
    topo = topo.replace(address_space=np.array([5, 0, 2]), country_inferred=np.array([False, True, False]))
    moved = topo.replace(name="renamed")
    assert moved.address_space.tolist() == [5, 0, 2] and moved.country_inferred.tolist() == [False, True, False]
    built = Topology.from_links(
        topo.asns,
        np.stack([topo.provider, topo.customer], axis=1),
        np.zeros((0, 2)),
        country_codes=topo.country_codes,
        country=topo.country,
        address_space=[5, 0, 2],
        country_inferred=[False, True, False],
    )
    assert built.address_space.dtype == np.int64 and built.country_inferred.dtype == bool
    s = built.summary()
    assert (s["n_country_inferred"], s["n_with_address_space"], s["address_space_blocks"]) == (1, 2, 7)
    g = built.to_networkx()
    assert g.nodes[1]["address_space"] == 5 and g.nodes[2]["country_inferred"] is True


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"address_space": np.array([1, 2])}, "address_space has length 2"),
        ({"address_space": np.array([1, -1, 0])}, "negative count"),
        ({"country_inferred": np.array([False, False, True])}, "country is unknown"),
    ],
)
def test_bad_per_as_fields_are_refused(changes, needle):
    topo = world(p2c=[(1, 2), (1, 3)], country={1: "XA", 2: "XA"})
    with pytest.raises(ValueError, match=needle):
        topo.replace(**changes)


# -- fragsim-data info ------------------------------------------------------------------------------------------

AS_ORG = """# format:aut|changed|aut_name|org_id|opaque_id|source
3|20160101|THREE|ORG-B|x|RIPE
# format:org_id|changed|org_name|country|source
ORG-B|20160101|Org B|DE|RIPE
"""


def info(capsys, *args) -> dict:
    assert data_cli(["info", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_info_prints_where_countries_came_from_and_the_address_space(write_file, capsys):
    rels = write_file("r.txt", RELS)
    geo = write_file("geo.csv", "asn,country,prefixes\n1,US,3\n2,FR,1\n")
    org = write_file("org.txt", AS_ORG)
    out = info(capsys, "--topology", rels, "--as-country", geo, "--as-org", org)
    counts = ("n_country_from_file", "n_country_from_as_org", "n_country_inferred", "n_country_unknown")
    assert [out[k] for k in counts] == [2, 1, 2, 0]
    assert out["address_space_frac"] == pytest.approx(2 / 5) and out["address_space_blocks"] == 4
    assert set(out["files"]) == {"as_rel", "as_country", "as_org"}
    out = info(capsys, "--topology", rels, "--as-country", geo, "--as-org", org, "--no-infer-countries")
    assert [out[k] for k in counts] == [2, 1, 0, 2]
    text_rc = data_cli(["info", "--topology", str(rels), "--as-country", str(geo), "--no-infer-countries"])
    assert text_rc == 0 and "n_country_unknown" in capsys.readouterr().out


def test_cli_info_with_a_missing_as_org_file_is_one_clear_error(write_file, capsys):
    rc = data_cli(["info", "--topology", str(write_file("r.txt", RELS)), "--as-org", "nowhere.txt"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == "" and "nowhere.txt" in one_error(captured.err, "fragsim-data")


# -- the synthetic Internet ---------------------------------------------------------------------------------------

# sha256 of every array the generator made before it drew address space (computed on the commit before it),
# so adding the new stream is proven not to move any existing output
DIGESTS_BEFORE = {
    (10_000, 0): "383c346ac3a86f252dac9fe743fbfa6146e27c573febfbd1fa1f4963a23562d4",
    (2_000, 7): "46bb084b6a0e0da4bfdddd2c4cd3e90c1478def8194642baa2738ce42530f2a8",
    (500, 123): "9fd0a309cfaaab1d502274c1028f215a3138a95bc727782417c783ca34e20d51",
}
ARRAYS = ("asns", "provider", "customer", "peer_a", "peer_b", "country", "owner", "operating", "tier1", "ixp")


def digest(topo) -> str:
    h = hashlib.sha256()
    for name in ARRAYS:
        arr = np.ascontiguousarray(getattr(topo, name))
        h.update(name.encode())
        h.update(arr.dtype.str.encode())
        h.update(arr.tobytes())
    h.update("|".join(topo.country_codes).encode())
    return h.hexdigest()


@pytest.mark.parametrize(("n_ases", "seed"), list(DIGESTS_BEFORE))
def test_address_space_leaves_every_other_synthetic_array_as_it_was(n_ases, seed):
    assert digest(synthetic_topology(n_ases, seed=seed)) == DIGESTS_BEFORE[(n_ases, seed)]


def test_synthetic_address_space_is_seeded():
    a, b = synthetic_topology(2_000, seed=7), synthetic_topology(2_000, seed=7)
    np.testing.assert_array_equal(a.address_space, b.address_space)
    assert not np.array_equal(a.address_space, synthetic_topology(2_000, seed=8).address_space)
    assert not a.country_inferred.any()  # every synthetic AS is located


def test_synthetic_address_space_is_heavy_tailed_and_larger_up_the_hierarchy():
    n = 20_000
    topo = synthetic_topology(n, seed=0)
    tier = _layout(n, 17, 0.03, 0.13, round(n / 2000))  # the generator's defaults at this size
    np.testing.assert_array_equal(tier == T1, topo.tier1)
    np.testing.assert_array_equal(tier == IXP, topo.ixp)
    space = topo.address_space
    assert (space[tier == IXP] == 0).all() and (space[tier != IXP] >= 1).all()
    medians = [np.median(space[tier == t]) for t in (T1, T2, T3, STUB)]
    assert medians == sorted(medians, reverse=True) and medians[-1] < medians[1] / 10
    stubs = space[tier == STUB]
    assert stubs.max() >= 50 * np.median(stubs)  # a long tail, as in the real table (stub p99 ≈ 170 × median)
