"""Countries inferred from neighbours: hand-drawn worlds with known answers, the vectorised rule against a plain
networkx reference on random graphs, and the order of the sources when files are loaded."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings

from sim import load_topology
from sim.data.inference import infer_countries
from sim.data.topology import UNKNOWN
from tests.strategies import topologies
from tests.worlds import world


def located(topo, country=None) -> dict[int, str | None]:
    country = topo.country if country is None else country
    return {int(a): (topo.country_codes[c] if c >= 0 else None) for a, c in zip(topo.asns, country, strict=True)}


def inferred_asns(topo, mask=None) -> set[int]:
    return set(topo.asns[topo.country_inferred if mask is None else mask].tolist())


def test_a_stub_whose_providers_are_all_in_one_country_gets_it():
    topo = world(p2c=[(1, 9), (2, 9), (1, 3)], p2p=[(1, 2)], country={1: "XA", 2: "XA", 3: "XB"})
    country, inferred = infer_countries(topo)
    assert located(topo, country)[9] == "XA"
    assert inferred_asns(topo, inferred) == {9}
    assert located(topo, country)[3] == "XB"  # a known country is never changed, even against its neighbours


def test_an_as_with_neighbours_in_two_countries_stays_unknown():
    topo = world(p2c=[(1, 9), (2, 9)], country={1: "XA", 2: "XB"})
    country, inferred = infer_countries(topo)
    assert country[topo.asn_to_idx(9)[0]] == UNKNOWN and not inferred.any()


def test_peers_and_customers_count_as_neighbours_too():
    topo = world(p2c=[(1, 9), (9, 3)], p2p=[(9, 4)], country={1: "XA", 3: "XA", 4: "XB"})
    country, _ = infer_countries(topo)
    assert located(topo, country)[9] is None  # its peer is in XB
    topo = world(p2c=[(1, 9), (9, 3)], p2p=[(9, 4)], country={1: "XA", 3: "XA", 4: "XA"})
    assert located(topo, infer_countries(topo)[0])[9] == "XA"


def test_an_unknown_neighbour_that_reaches_another_country_keeps_both_unknown():
    # 9's located neighbour is in XA, but its unknown neighbour 8 also touches XB: nothing says where 9 is
    topo = world(p2c=[(1, 9), (9, 8), (2, 8)], country={1: "XA", 2: "XB"})
    country, inferred = infer_countries(topo)
    assert located(topo, country)[9] is None and located(topo, country)[8] is None
    assert not inferred.any()


def test_a_chain_of_unknown_ases_inside_one_country_resolves():
    # 1 (XA) → 7 → 8 → 9, and 8 also peers with 2 (XA): every link leaving the chain lands in XA
    topo = world(p2c=[(1, 7), (7, 8), (8, 9)], p2p=[(8, 2)], country={1: "XA", 2: "XA"})
    country, inferred = infer_countries(topo)
    assert {a: located(topo, country)[a] for a in (7, 8, 9)} == {7: "XA", 8: "XA", 9: "XA"}
    assert inferred_asns(topo, inferred) == {7, 8, 9}


def test_an_island_of_unknown_ases_with_no_located_neighbour_stays_unknown():
    topo = world(p2c=[(7, 8), (1, 2)], country={1: "XA", 2: "XA"})
    country, inferred = infer_countries(topo)
    assert located(topo, country)[7] is None and located(topo, country)[8] is None and not inferred.any()


def test_nothing_to_infer_returns_the_countries_unchanged():
    topo = world(p2c=[(1, 2)], country={1: "XA", 2: "XB"})
    country, inferred = infer_countries(topo)
    np.testing.assert_array_equal(country, topo.country)
    assert country is not topo.country and not inferred.any()


def reference_inference(topo) -> dict[int, str | None]:
    """The rule read plainly: each cluster of linked unknown ASes (networkx components) gets the one country of
    all its located neighbours, if there is exactly one."""
    g = nx.Graph()
    g.add_nodes_from(range(topo.n_ases))
    g.add_edges_from(topo.link_endpoints().tolist())
    unknown = [i for i in range(topo.n_ases) if topo.country[i] < 0]
    out = {int(a): (topo.country_codes[c] if c >= 0 else None) for a, c in zip(topo.asns, topo.country, strict=True)}
    for cluster in nx.connected_components(g.subgraph(unknown)):
        seen = {int(topo.country[j]) for i in cluster for j in g.neighbors(i) if topo.country[j] >= 0}
        if len(seen) == 1:
            (only,) = seen
            for i in cluster:
                out[int(topo.asns[i])] = topo.country_codes[only]
    return out


@settings(max_examples=200, deadline=None)
@given(topologies(max_ases=14, n_countries=3))
def test_vectorised_inference_matches_the_plain_reference(topo):
    country, inferred = infer_countries(topo)
    assert located(topo, country) == reference_inference(topo)
    np.testing.assert_array_equal(inferred, (topo.country < 0) & (country >= 0))
    np.testing.assert_array_equal(country[topo.country >= 0], topo.country[topo.country >= 0])


# -- loading: the order of the sources --------------------------------------------------------------------------

RELS = "1|2|0\n1|3|-1\n3|5|-1\n2|4|-1\n"  # 1 peers with 2; 1 → 3 → 5; 2 → 4

AS_ORG = """# format:aut|changed|aut_name|org_id|opaque_id|source
1|20160101|ONE|ORG-B|x|RIPE
3|20160101|THREE|ORG-B|x|RIPE
# format:org_id|changed|org_name|country|source
ORG-B|20160101|Org B|DE|RIPE
"""


def test_loading_infers_by_default_and_reports_each_source(write_file):
    geo = write_file("geo.csv", "asn,country\n1,US\n2,FR\n")
    topo = load_topology(write_file("r.txt", RELS), geo)
    assert located(topo) == {1: "US", 2: "FR", 3: "US", 4: "FR", 5: "US"}
    assert inferred_asns(topo) == {3, 4, 5}
    src = topo.provenance["country_sources"]
    assert (src.n_from_file, src.n_from_as_org, src.n_inferred, src.n_unknown) == (2, 0, 3, 0)
    assert topo.provenance["infer_countries"] is True


def test_opting_out_keeps_unknown_countries_unknown(write_file):
    geo = write_file("geo.csv", "asn,country\n1,US\n2,FR\n")
    topo = load_topology(write_file("r.txt", RELS), geo, infer_countries=False)
    assert located(topo) == {1: "US", 2: "FR", 3: None, 4: None, 5: None}
    assert not topo.country_inferred.any()
    src = topo.provenance["country_sources"]
    assert (src.n_from_file, src.n_inferred, src.n_unknown) == (2, 0, 3)


def test_as_org_fills_before_inference_and_never_overrides_the_file(write_file, caplog):
    geo = write_file("geo.csv", "asn,country\n1,US\n2,FR\n")
    org = write_file("org.txt", AS_ORG)
    with caplog.at_level("INFO", logger="sim.data.annotations"):
        topo = load_topology(write_file("r.txt", RELS), geo, as_org=org)
    # 1 stays US (the file wins over as-org's DE); 3 is DE from as-org; 5, behind 3 only, is inferred DE
    assert located(topo) == {1: "US", 2: "FR", 3: "DE", 4: "FR", 5: "DE"}
    assert inferred_asns(topo) == {4, 5}
    src = topo.provenance["country_sources"]
    assert (src.n_from_file, src.n_from_as_org, src.n_inferred, src.n_unknown) == (2, 1, 2, 0)
    assert [r.path for r in topo.provenance["annotation_reports"]] == [str(geo), str(org)]
    assert set(topo.provenance["files"]) == {"as_rel", "as_country", "as_org"}
    sources = "1 from as-org2info, 0 from their owner state, 2 inferred from neighbours, 0 preset, 0 unknown"
    assert sources in caplog.text


def test_the_counts_of_the_sources_add_up_to_every_as(write_file):
    rels = write_file("r.txt", RELS + "6|7|-1\n8|7|-1\n")  # 7 between two unknown providers: an island
    topo = load_topology(rels, write_file("geo.csv", "asn,country\n1,US\n2,FR\n"), as_org=write_file("o", AS_ORG))
    src = topo.provenance["country_sources"]
    assert src.n_from_file + src.n_from_as_org + src.n_inferred + src.n_unknown + src.n_preset == topo.n_ases
    assert src.n_unknown == 3 and located(topo)[7] is None
