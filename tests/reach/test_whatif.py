"""Batched what-if removals against one reachability call per removed AS or cut link: random graphs with c2p cycles,
removed links and ASes, candidates anywhere (targets, asked ASes, already removed, repeated; peer links, c2p links,
links of c2p cycles), blocks of scenarios, a hand-drawn graph with known answers and the 2016 graph."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import plan_reachability
from sim.data.topology import Topology
from sim.reach import whatif
from sim.reach.api import reachability
from sim.reach.whatif import reach_any_without, reach_any_without_links
from tests.strategies import COUNTRY_CODES, hub_topologies, topologies

WHATIF = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reach_rows(topo, targets, ases, scenarios) -> np.ndarray:
    """The slow way: one reachability call (full matrix) per ``(removed_links, removed_ases)`` scenario."""
    rows = []
    for removed_links, removed_ases in scenarios:
        r = reachability(topo, removed_links=removed_links, removed_ases=removed_ases, keep_matrix=True)
        rows.append(r.matrix[:, targets].any(axis=1)[ases])  # all sources: row i is AS i
    return np.array(rows).reshape(len(scenarios), len(ases))


def one_at_a_time(topo, targets, ases, candidates, removed_links, removed_ases):
    """One call per candidate AS removed on top of ``removed_ases`` (and one with none)."""
    base = np.zeros(topo.n_ases, bool) if removed_ases is None else removed_ases
    gone = [base | (np.arange(topo.n_ases) == x) for x in candidates]
    return reach_rows(topo, targets, ases, [(removed_links, g) for g in [base, *gone]])


def one_cut_at_a_time(topo, targets, ases, links, removed_links, removed_ases):
    """One call per candidate link cut on top of ``removed_links`` (and one with none)."""
    base = np.zeros(topo.n_links, bool) if removed_links is None else removed_links
    cut = [base | (np.arange(topo.n_links) == x) for x in links]
    return reach_rows(topo, targets, ases, [(c, removed_ases) for c in [base, *cut]])


@WHATIF
@given(st.data())
def test_batched_removals_equal_one_removal_at_a_time(data):
    topo = data.draw(st.one_of(topologies(max_ases=14), hub_topologies(min_ases=20, max_ases=50)))
    n = topo.n_ases
    idx = st.integers(0, n - 1)
    targets = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    ases = np.array(data.draw(st.lists(idx, max_size=n)), np.int64)
    candidates = np.array(data.draw(st.lists(idx, max_size=8)), np.int64)
    removed_links = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_links, max_size=topo.n_links)), bool)
    removed_links &= data.draw(st.booleans())  # often none
    removed_ases = None
    if data.draw(st.booleans()):
        removed_ases = np.isin(np.arange(n), data.draw(st.lists(idx, max_size=3)))
    got = reach_any_without(topo, targets, ases, candidates, removed_links, removed_ases)
    assert got.shape == (1 + len(candidates), len(ases))
    assert np.array_equal(got, one_at_a_time(topo, targets, ases, candidates, removed_links, removed_ases))


@pytest.mark.parametrize("budget_words", [1, 2])
@pytest.mark.parametrize("removing", ["ases", "links"])
def test_many_scenarios_in_blocks_of_words(removing, budget_words):
    from sim import synthetic_topology

    topo = synthetic_topology(400, seed=5)
    batched, slow, n = {
        "ases": (reach_any_without, one_at_a_time, topo.n_ases),
        "links": (reach_any_without_links, one_cut_at_a_time, topo.n_links),
    }[removing]
    rng = np.random.default_rng(5)
    targets = topo.country == 0
    ases = np.flatnonzero(topo.country == 1)
    candidates = rng.choice(n, 150, replace=False)  # 151 scenarios: 3 words, or blocks of 1-2 words
    removed = rng.random(topo.n_links) < 0.05
    budget = 3 * 8 * topo.n_ases * budget_words
    plan = plan_reachability(topo)
    got = batched(topo, targets, ases, candidates, removed, plan=plan, memory_budget=budget)
    assert np.array_equal(got, batched(topo, targets, ases, candidates, removed, plan=plan))
    sample = np.r_[0, 1 + rng.choice(len(candidates), 12, replace=False)]
    expected = slow(topo, targets, ases, candidates[sample[1:] - 1], removed, None)
    assert np.array_equal(got[sample], expected)


def test_arguments_are_checked_and_named():
    from sim import synthetic_topology

    topo = synthetic_topology(100, seed=1)
    targets = topo.country == 0
    with pytest.raises(TypeError, match="targets"):
        reach_any_without(topo, None, [0], [1])
    with pytest.raises(ValueError, match="candidates holds an index"):
        reach_any_without(topo, targets, [0], [topo.n_ases])
    with pytest.raises(TypeError, match="ases must be AS indices"):
        reach_any_without(topo, targets, np.ones(3, bool), [1])
    with pytest.raises(ValueError, match="plan was made for another topology"):
        reach_any_without(topo, targets, [0], [1], plan=plan_reachability(synthetic_topology(101, seed=1)))
    assert reach_any_without(topo, targets, [], []).shape == (1, 0)
    assert whatif.reach_any_without is reach_any_without


def draw_link_case(data):
    """(topo, targets, ases, candidate links, removed_links, removed_ases, memory_budget) for the link what-if."""
    topo = data.draw(st.one_of(topologies(max_ases=14), hub_topologies(min_ases=20, max_ases=40)))
    n, m = topo.n_ases, topo.n_links
    targets = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    ases = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=n)), np.int64)
    link = st.integers(0, max(m - 1, 0))
    if m and m <= 100 and data.draw(st.booleans()):  # every link, one twice: peer, c2p and c2p-cycle links alike
        candidates = [*data.draw(st.permutations(range(m))), data.draw(link)]
    else:
        candidates = data.draw(st.lists(link, max_size=8)) if m else []
    removed_links = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), bool)
    removed_links &= data.draw(st.booleans())  # often none
    if removed_links.any():
        candidates.append(int(np.flatnonzero(removed_links)[0]))  # a link already cut
    removed_ases = None
    if data.draw(st.booleans()):
        removed_ases = np.isin(np.arange(n), data.draw(st.lists(st.integers(0, n - 1), max_size=3)))
    budget = data.draw(st.sampled_from([None, 1]))  # 1 byte: one word (64 scenarios) a block
    return topo, targets, ases, np.array(candidates, np.int64), removed_links, removed_ases, budget


@WHATIF
@given(st.data())
def test_batched_link_cuts_equal_one_cut_at_a_time(data):
    topo, targets, ases, links, removed_links, removed_ases, budget = draw_link_case(data)
    got = reach_any_without_links(topo, targets, ases, links, removed_links, removed_ases, memory_budget=budget)
    assert got.shape == (1 + len(links), len(ases))
    assert np.array_equal(got, one_cut_at_a_time(topo, targets, ases, links, removed_links, removed_ases))


def hand_drawn() -> Topology:
    """XA: 1 buys from 2, which peers with foreign 10; 3 buys from 2 and from foreign 11; 4 → 5 → 6 → 4 is a c2p
    cycle (each buys from the next) whose way out is 6 buying from foreign 12. XB: 10, 11, 12."""
    asns = np.array([1, 2, 3, 4, 5, 6, 10, 11, 12])
    i = {asn: k for k, asn in enumerate(asns.tolist())}
    p2c = [(i[p], i[c]) for p, c in ((2, 1), (2, 3), (11, 3), (5, 4), (6, 5), (4, 6), (12, 6))]
    country = np.array([0] * 6 + [1] * 3, np.int16)
    return Topology.from_links(asns, p2c, [(i[2], i[10])], country_codes=COUNTRY_CODES[:2], country=country)


@pytest.mark.parametrize(
    "cut, cut_off",
    [
        ((1, 2), {1}),
        ((2, 10), {1, 2}),  # 2 → 3 → 11 would be a valley
        ((3, 11), set()),  # 3 → 2 → 10 is up then across
        ((5, 6), {4, 5}),  # 4 → 6 → 12 would be a valley
        ((4, 6), set()),
        ((6, 12), {4, 5, 6}),
    ],
)
def test_hand_drawn_link_cuts(cut, cut_off):
    topo = hand_drawn()
    ends = topo.asns[topo.link_endpoints()]
    link = int(np.flatnonzero((np.sort(ends, axis=1) == sorted(cut)).all(axis=1))[0])
    own = np.flatnonzero(topo.country == 0)
    got = reach_any_without_links(topo, topo.country == 1, own, [link, link])
    assert got[0].all()
    assert set(topo.asns[own[~got[1]]].tolist()) == cut_off
    assert np.array_equal(got[1], got[2])


def test_link_arguments_are_checked_and_named():
    from sim import synthetic_topology

    topo = synthetic_topology(100, seed=1)
    targets = topo.country == 0
    with pytest.raises(ValueError, match="candidate_links holds an index outside"):
        reach_any_without_links(topo, targets, [0], [topo.n_links])
    with pytest.raises(ValueError, match="candidate_links holds an index outside"):
        reach_any_without_links(topo, targets, [0], [-1])
    for bad in ([1.0], [True], ["3"]):
        with pytest.raises(TypeError, match="candidate_links must be link ids"):
            reach_any_without_links(topo, targets, [0], bad)
    with pytest.raises(TypeError, match="targets"):
        reach_any_without_links(topo, None, [0], [1])
    with pytest.raises(ValueError, match="removed_links must have shape"):
        reach_any_without_links(topo, targets, [0], [1], removed_links=np.zeros(topo.n_links + 1, bool))
    with pytest.raises(TypeError, match="plan must be a ReachPlan"):
        reach_any_without_links(topo, targets, [0], [1], plan="plan")
    assert reach_any_without_links(topo, targets, [], []).shape == (1, 0)
    assert whatif.reach_any_without_links is reach_any_without_links


def test_real_2016_sampled_border_links(real_topology):
    """Russia's border links (exactly one end in RU) all in one pass; a few sampled, among them a peer link and links
    whose cut alone cuts some of RU's ASes off, each against one call from those ASes and a sample of RU's others."""
    topo = real_topology
    ru = topo.country_index("RU")
    own = np.flatnonzero(topo.country == ru)
    foreign = (topo.country != ru) & (topo.country >= 0)
    ends = topo.country[topo.link_endpoints()]
    border = np.flatnonzero((ends[:, 0] == ru) ^ (ends[:, 1] == ru))
    plan = plan_reachability(topo)
    every = reach_any_without_links(topo, foreign, own, border, plan=plan)
    newly = ~every[1:] & every[0]
    rng = np.random.default_rng(3)
    critical = rng.choice(np.flatnonzero(newly.any(axis=1)), 3, replace=False)
    peer = np.flatnonzero(border >= topo.n_p2c)[:1]
    pick = np.r_[critical, peer, rng.choice(len(border), 3, replace=False)]
    asked = np.flatnonzero(newly[pick].any(axis=0) | (rng.random(len(own)) < 0.01))  # positions in own
    got = reach_any_without_links(topo, foreign, own[asked], border[pick], plan=plan)
    assert np.array_equal(got, every[np.r_[0, 1 + pick]][:, asked])
    sources = topo.asns[own[asked]].tolist()
    for row, link in zip(got, [None, *border[pick]], strict=True):
        cut = np.arange(topo.n_links) == link
        r = reachability(topo, sources, removed_links=cut, keep_matrix=True, plan=plan)
        assert np.array_equal(row, r.matrix[:, foreign].any(axis=1)), link
    assert (~got[1:4] & got[0]).any(axis=1).all()
