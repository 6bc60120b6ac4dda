"""Single-link chokepoints of a country: a hand-drawn world with known answers, and the batched counts against one
:func:`foreign_reach` call per cut link on a synthetic Internet."""

from __future__ import annotations

import numpy as np

import sim
from sim.experiments import link_chokepoints as lc
from sim.experiments.cases import foreign_reach
from tests.worlds import world

#   XA: 1 (transit) -> 2, 3 (stubs); 10 (XA) -> 11 (XB); 7 (XA) buys from 8 (no country), which buys from 4.
#   XB: 4 -> 5; 1 -- 4 peers; 6 (XB) is a provider of 3.
LINKS = dict(
    p2c=[(1, 2), (1, 3), (4, 5), (6, 3), (10, 11), (8, 7), (4, 8)],
    p2p=[(1, 4)],
    country={1: "XA", 2: "XA", 3: "XA", 7: "XA", 10: "XA", 4: "XB", 5: "XB", 6: "XB", 11: "XB"},
)


def link_between(topo, a: int, b: int) -> int:
    ends = np.sort(topo.asns[topo.link_endpoints()], axis=1)
    return int(np.flatnonzero((ends == sorted((a, b))).all(axis=1))[0])


def test_border_links_have_exactly_one_end_in_the_country():
    topo = world(**LINKS)
    xa = topo.country_index("XA")
    expected = {link_between(topo, *pair) for pair in ((1, 4), (6, 3), (10, 11), (8, 7))}  # 8 has no country
    assert set(lc.border_links(topo, xa).tolist()) == expected
    removed = np.zeros(topo.n_links, bool)
    removed[link_between(topo, 1, 4)] = True
    assert set(lc.border_links(topo, xa, removed).tolist()) == expected - {link_between(topo, 1, 4)}


def test_border_links_ranked_in_a_hand_drawn_world():
    topo = world(**LINKS)
    xa = topo.country_index("XA")
    df = lc.rank_border_links(topo, xa)
    assert list(df.columns) == lc.COLUMNS
    # the peering cuts off 1 and its customer 2 (1 -> 3 -> 6 is a valley); 7's only way out is its provider 8 (no
    # country); 10's is its foreign customer 11; cutting 6 -- 3 cuts no one off (3 still goes up to 1, across to 4)
    assert df[["asn", "neighbour_asn", "neighbour_country", "neighbour_role", "newly_cut_off"]].values.tolist() == [
        [1, 4, "XB", "peer", 2],
        [7, 8, "??", "provider", 1],
        [10, 11, "XB", "customer", 1],
        [3, 6, "XB", "provider", 0],
    ]
    assert df["cut_off_if_cut"].tolist() == [2 / 5, 1 / 5, 1 / 5, 0]
    removed = np.zeros(topo.n_links, bool)
    removed[link_between(topo, 1, 4)] = True  # 1 and 2 are cut off already; now 6 -- 3 is 3's last way out
    df = lc.rank_border_links(topo, xa, removed)
    assert df[["asn", "neighbour_asn", "neighbour_role"]].values.tolist() == [
        [3, 6, "provider"],
        [7, 8, "provider"],
        [10, 11, "customer"],
    ]
    assert df["cut_off_if_cut"].tolist() == [3 / 5] * 3  # those already cut off count, as in cut_off_if_failed
    xb = lc.rank_border_links(topo, topo.country_index("XB"))  # 6 only reaches down to 3, 11 up to 10
    assert xb[["asn", "neighbour_asn", "neighbour_role", "newly_cut_off"]].values.tolist() == [
        [6, 3, "customer", 1],
        [11, 10, "provider", 1],
        [4, 1, "peer", 0],  # 4 still reaches 7 down through 8
        [4, 8, "customer", 0],  # 8 has no country: a border link of XB too
    ]


def test_newly_cut_off_equals_one_foreign_reach_call_per_cut_link(monkeypatch):
    monkeypatch.setattr(lc, "LINK_CHUNK", 7)  # several batched passes
    topo = sim.synthetic_topology(600, seed=4)
    rng = np.random.default_rng(4)
    removed = rng.random(topo.n_links) < 0.1
    country = int(np.argmax(topo.ases_per_country()))
    links = lc.border_links(topo, country, removed)
    cut_now, newly = lc.newly_cut_off(topo, country, links, removed)
    before = foreign_reach(topo, country, removed) == 0
    assert np.array_equal(cut_now, before)
    for k in [*rng.choice(len(links), 8, replace=False), *np.flatnonzero(newly)[:4]]:
        after = foreign_reach(topo, country, removed | (np.arange(topo.n_links) == links[k])) == 0
        assert newly[k] == (after & ~before).sum(), int(links[k])
