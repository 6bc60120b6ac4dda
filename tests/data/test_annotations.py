"""Annotation loaders (AS→country CSV and as-org2info, state-owned CSV) and the real 2016 facts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim import load_topology
from sim.cli.data import main as data_cli
from sim.data.caida import TopologyFormatError
from sim.data.countries import to_alpha2
from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED

RELS = "1|2|0\n1|3|-1\n2|4|-1\n3|5|-1\n"

AS_ORG = """# format:aut|changed|aut_name|org_id|opaque_id|source
1|20160101|ONE|ORG-A|x|ARIN
3|20160101|THREE|ORG-B|x|RIPE
77|20160101|ABSENT|ORG-A|x|ARIN
# format:org_id|changed|org_name|country|source
ORG-A|20160101|Org A|us|ARIN
ORG-B|20160101|Org B|DE|RIPE
"""


def test_country_csv_and_state_owned_annotate_and_count(write_file):
    rels = write_file("r.txt", RELS)
    geo = write_file("geo.csv.gz", "asn,country,prefixes,name\n1,US,3,a\n2,FR,1,b\n99,JP,1,z\n", "gz")
    so = write_file("so.csv", "asn,ownership_cc,target_cc,target_country_name\n2,FR,,\n3,CN,Maldives,MV\n4,RU,,\n")
    topo = load_topology(rels, geo, so, infer_countries=False)
    code = {
        asn: (topo.country_codes[c] if c >= 0 else None)
        for asn, c in zip(topo.asns.tolist(), topo.country, strict=True)
    }
    assert code == {1: "US", 2: "FR", 3: None, 4: None, 5: None}  # missing ASes kept, unknown
    owner = {int(a): topo.country_codes[o] for a, o in zip(topo.asns, topo.owner, strict=True) if o >= 0}
    assert owner == {2: "FR", 3: "CN", 4: "RU"}
    assert topo.country_codes[topo.operating[topo.asn_to_idx(3)[0]]] == "MV"  # name resolved to its code
    geo_report, so_report = topo.provenance["annotation_reports"]
    assert (geo_report.n_rows, geo_report.n_matched, geo_report.n_missing, geo_report.n_unmatched) == (3, 2, 3, 1)
    assert (so_report.n_matched, so_report.n_unmatched) == (3, 0)
    assert topo.n_countries == 2  # owners' countries are not locations
    assert set(topo.provenance["files"]) == {"as_rel", "as_country", "state_owned"}


def test_as_org2info_gives_organisation_country(write_file):
    topo = load_topology(write_file("r.txt", RELS), write_file("o.txt.gz", AS_ORG, "gz"), infer_countries=False)
    located = {int(a): topo.country_codes[c] for a, c in zip(topo.asns, topo.country, strict=True) if c >= 0}
    assert located == {1: "US", 3: "DE"}


@pytest.mark.parametrize(
    "name, text, line, needle",
    [
        ("geo.csv", "asn,country\n1,US\nx1,FR\n", 3, "'x1' is not an AS number"),
        ("geo.csv", "asn,country\n1,US\n2,Atlantis\n", 3, "'Atlantis' is not an ISO 3166-1 alpha-2 country code"),
        ("geo.csv", "as,cc\n1,US\n", 1, "missing column(s) ['asn', 'country']"),
        ("org.txt", "# format:aut|changed|aut_name|org_id|opaque_id|source\n1|2|3\n", 2, "expected 6 fields"),
    ],
)
def test_bad_country_file_names_file_and_line(write_file, name, text, line, needle):
    rels = write_file("r.txt", RELS)
    path = write_file(name, text)
    with pytest.raises(TopologyFormatError) as err:
        load_topology(rels, path)
    assert f"{path}:{line}:" in str(err.value) and needle in str(err.value)


def test_bad_state_owned_names_line(write_file):
    so = write_file("so.csv", "asn,ownership_cc\n1,US\n2,\n")
    with pytest.raises(TopologyFormatError, match=r"so.csv:3: column 'ownership_cc'"):
        load_topology(write_file("r.txt", RELS), state_owned=so)


@pytest.mark.parametrize(
    "value, code",
    [
        ("fr", "FR"),
        ("Maldives", "MV"),
        ("Korea, Rep.", "KR"),
        ("Congo, Dem. Rep.", "CD"),
        ("Diego Garcia", "IO"),
        ("Gambia, The", "GM"),
        ("Atlantis", None),
    ],
)
def test_country_names_resolve(value, code):
    assert to_alpha2(value) == code


def test_cli_info_json_real_2016(capsys, real_topology):
    rc = data_cli(
        [
            "info",
            "--topology",
            str(AS_REL_2016),
            "--as-country",
            str(AS_COUNTRY),
            "--state-owned",
            str(STATE_OWNED),
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    info = json.loads(out)  # exactly one JSON object
    expected = {
        "n_ases": 55809,
        "n_p2c": 110479,
        "n_p2p": 128585,
        "n_tier1": 17,
        "n_country_from_file": 49174,
        "n_country_from_as_org": 0,
        "n_with_address_space": 49174,  # the table gives every AS it lists a prefix count
        "n_countries": 196,  # FM and MO have ASes only once state-owned operators are located at home
        "n_state_owned": 630,
        "n_p2c_cycles": 0,
        "n_stubs": 47387,
        "max_degree": 5936,
    }
    assert {k: info[k] for k in expected} == expected
    assert info["n_with_country"] == 49174 + info["n_country_inferred"]
    assert info["n_country_inferred"] + info["n_country_unknown"] == 55809 - 49174
    assert info["files"]["as_rel"]["sha256"] == ("fbcabfbf8a4c0cd3e7f5f774bd177cf977229bbbaf56180c6c76bc63bd98805a")
    # the country facts: of the 196 countries where an AS is located, 30 are too small for the 1:110m outlines
    # and reported by code
    missing = set(info["countries_without_facts"])
    assert info["n_countries_with_facts"] == 166 and len(missing) == 30
    assert {"SG", "MT", "BH", "MO"} <= missing


def test_cli_info_bad_file_is_one_clear_error(capsys, write_file):
    path = write_file("bad.txt", "1|2|0\n1|2|9\n")
    rc = data_cli(["info", "--topology", str(path), "--json"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    assert f"{path}:2: unknown relationship code '9'" in captured.err


def neighbours(topo, idx: int) -> np.ndarray:
    return np.concatenate(
        [adj.nbr[adj.indptr[idx] : adj.indptr[idx + 1]] for adj in (topo.providers, topo.customers, topo.peers)]
    )


def test_real_2016_inference_lies_between_the_per_as_rule_and_a_looser_one(real_topology):
    """The 2016 graph with the 2018 table: the inferred ASes are at least those whose every neighbour the file
    locates in one country, at most those a looser rule (agreement of the located neighbours only, repeated)
    would locate; each bound computed here, AS by AS."""
    topo = real_topology
    file_country = np.where(topo.country_inferred, -1, topo.country)  # no as-org file: the rest came from the file
    at_home = (file_country < 0) & (topo.owner >= 0) & (topo.operating < 0)  # a state's operator, not abroad
    file_country[at_home] = topo.owner[at_home]  # located at home before inference
    unlocated = np.flatnonzero(file_country < 0)
    per_as = {}
    for i in unlocated.tolist():
        seen = set(file_country[neighbours(topo, i)].tolist())
        if len(seen) == 1 and -1 not in seen:
            per_as[i] = seen.pop()
    loose, country = set(), file_country.copy()
    while True:
        new = {}
        for i in unlocated.tolist():
            if country[i] < 0:
                seen = set(country[neighbours(topo, i)].tolist()) - {-1}
                if len(seen) == 1:
                    new[i] = seen.pop()
        if not new:
            break
        for i, c in new.items():
            country[i] = c
        loose |= set(new)
    inferred = set(np.flatnonzero(topo.country_inferred & ~at_home).tolist())
    assert set(per_as) <= inferred <= loose
    assert all(topo.country[i] == c for i, c in per_as.items())
    assert len(inferred) == topo.provenance["country_sources"].n_inferred
    assert len(per_as) > len(unlocated) / 2  # most unlocated ASes sit behind providers of one country
    ir = topo.country_codes.index("IR")
    behind_iran = {i for i in unlocated.tolist() if (file_country[neighbours(topo, i)] == ir).any()}
    only_iran = {i for i in behind_iran if per_as.get(i) == ir}
    assert only_iran and all(topo.country[i] == ir for i in only_iran)
