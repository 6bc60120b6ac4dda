"""The CAIDA AS-relationship loader: formats, compression, header roles and every bad-input outcome."""

from __future__ import annotations

import numpy as np
import pytest

from sim.data.caida import TopologyFormatError, read_as_rel, topology_from_as_rel

SERIAL1 = """# input clique: 1 2
# IXP ASes: 9
1|2|0
1|3|-1
2|4|-1
3|5|-1
4|5|0
9|3|0
"""

SERIAL2 = "\n".join(line + "|bgp" if not line.startswith("#") and line else line for line in SERIAL1.splitlines())


@pytest.mark.parametrize("compress", [None, "bz2", "gz"])
@pytest.mark.parametrize("text", [SERIAL1, SERIAL2], ids=["serial-1", "serial-2"])
def test_formats_and_compression_detected(write_file, text, compress):
    # the name says nothing: detection must come from the bytes and the lines
    path = write_file("rels.dat", text, compress)
    topo, report = topology_from_as_rel(path)
    assert report.format == ("serial-2" if text is SERIAL2 else "serial-1")
    assert topo.asns.tolist() == [1, 2, 3, 4, 5, 9]
    assert (topo.n_p2c, topo.n_p2p) == (3, 3)
    ends = set(zip(topo.asns[topo.provider].tolist(), topo.asns[topo.customer].tolist(), strict=True))
    assert ends == {(1, 3), (2, 4), (3, 5)}
    assert topo.asns[topo.tier1].tolist() == [1, 2]
    assert topo.asns[topo.ixp].tolist() == [9]


def test_csr_adjacency_lists_neighbours_and_links(write_file):
    topo, _ = topology_from_as_rel(write_file("r.txt", SERIAL1))
    i3 = topo.asn_to_idx(3)[0]
    prov = topo.providers
    got = topo.asns[prov.nbr[prov.indptr[i3] : prov.indptr[i3 + 1]]].tolist()
    assert got == [1]
    cust = topo.customers
    assert topo.asns[cust.nbr[cust.indptr[i3] : cust.indptr[i3 + 1]]].tolist() == [5]
    peers = topo.peers
    pl = peers.link[peers.indptr[i3] : peers.indptr[i3 + 1]]
    assert all(lid >= topo.n_p2c for lid in pl)  # peer links are numbered after c2p links
    assert topo.is_stub().sum() == 3  # 4, 5 and 9 have no customers... and 2's customer is 4
    assert set(topo.asns[topo.is_stub()].tolist()) == {4, 5, 9}


@pytest.mark.parametrize(
    "bad_line, needle",
    [
        ("1|2", "expected 3 '|'-separated fields"),
        ("1|x|-1", "'x' is not an AS number"),
        ("1|7|2", "unknown relationship code '2'"),
        ("1|7|-1|bgp", "expected 3 '|'-separated fields"),
    ],
)
def test_malformed_line_names_file_and_line(write_file, bad_line, needle):
    text = "# c\n1|2|0\n1|3|-1\n" + bad_line + "\n2|4|-1\n"
    path = write_file("bad.txt", text)
    with pytest.raises(TopologyFormatError) as err:
        read_as_rel(path)
    assert f"{path}:4:" in str(err.value)
    assert needle in str(err.value)
    assert err.value.line_no == 4


def test_empty_file_is_an_error(write_file):
    path = write_file("empty.txt", "# only comments\n")
    with pytest.raises(TopologyFormatError, match="no AS-relationship lines"):
        read_as_rel(path)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        read_as_rel(tmp_path / "nope.txt")


PROBLEMS = """1|2|-1
3|3|0
1|2|-1
2|1|-1
1|2|0
2|4|0
4|2|0
4|5|-1
"""


def test_problems_resolved_and_reported_nothing_else_lost(write_file):
    topo, report = topology_from_as_rel(write_file("p.txt", PROBLEMS))
    assert report.self_loops == [(2, 3)]
    assert report.duplicates == [(3, 1), (7, 6)]  # 4|2|0 repeats 2|4|0: peers are unordered
    assert report.conflicts == [(4, 1), (5, 1)]  # first listing (line 1: 1 provides 2) wins
    # every other link is kept, exactly once, as first listed
    assert (topo.n_p2c, topo.n_p2p) == (2, 1)
    ends = set(zip(topo.asns[topo.provider].tolist(), topo.asns[topo.customer].tolist(), strict=True))
    assert ends == {(1, 2), (4, 5)}
    assert 3 not in topo.asns.tolist()  # AS3 only had a self-loop


@pytest.mark.parametrize("line_no, text", [(2, "1|2|-1\n3|3|0\n"), (2, "1|2|-1\n1|2|-1\n"), (2, "1|2|-1\n2|1|-1\n")])
def test_strict_mode_rejects_with_line(write_file, line_no, text):
    path = write_file("s.txt", text)
    with pytest.raises(TopologyFormatError, match=f"{path}:{line_no}:.*strict"):
        read_as_rel(path, strict=True)


def test_p2c_cycles_detected_not_fatal(write_file):
    # 1 provides 2, 2 provides 3, 3 provides 1: a cycle; 4 hangs below
    topo, _ = topology_from_as_rel(write_file("c.txt", "1|2|-1\n2|3|-1\n3|1|-1\n3|4|-1\n5|6|-1\n6|7|-1\n7|5|-1\n"))
    cycles = topo.p2c_cycles()
    assert [c.tolist() for c in cycles] == [[1, 2, 3], [5, 6, 7]]
    assert topo.summary()["n_p2c_cycles"] == 2


def test_networkx_export_has_both_directions(write_file):
    topo, _ = topology_from_as_rel(write_file("r.txt", SERIAL1))
    g = topo.to_networkx()
    assert g.edges[1, 3]["rel"] == "p2c" and g.edges[3, 1]["rel"] == "c2p"
    assert g.edges[1, 2]["rel"] == "p2p" and g.edges[2, 1]["rel"] == "p2p"
    assert g.number_of_edges() == 2 * 6
    assert g.nodes[1]["tier1"] is True


def test_asn_to_idx_rejects_unknown(write_file):
    topo, _ = topology_from_as_rel(write_file("r.txt", SERIAL1))
    assert topo.asn_to_idx([9, 1]).tolist() == [5, 0]
    with pytest.raises(KeyError, match="777"):
        topo.asn_to_idx([1, 777])
    assert np.array_equal(topo.idx_to_asn([0, 5]), [1, 9])
