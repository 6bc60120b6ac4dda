"""Batched what-if removals against one reachability call per removed AS: random graphs with c2p cycles, removed
links and ASes, candidates anywhere (targets, asked ASes, already removed, repeated), blocks of scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import plan_reachability
from sim.reach import whatif
from sim.reach.api import reachability
from sim.reach.whatif import reach_any_without
from tests.strategies import hub_topologies, topologies

WHATIF = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_at_a_time(topo, targets, ases, candidates, removed_links, removed_ases):
    """The slow way: one reachability call (full matrix) per scenario."""
    base = np.zeros(topo.n_ases, bool) if removed_ases is None else removed_ases
    rows = []
    for x in [None, *candidates]:
        gone = base.copy()
        if x is not None:
            gone[x] = True
        r = reachability(topo, removed_links=removed_links, removed_ases=gone, keep_matrix=True)
        rows.append(r.matrix[:, targets].any(axis=1)[ases])  # all sources: row i is AS i
    return np.array(rows).reshape(1 + len(candidates), len(ases))


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
def test_many_scenarios_in_blocks_of_words(monkeypatch, budget_words):
    from sim import synthetic_topology

    topo = synthetic_topology(400, seed=5)
    rng = np.random.default_rng(5)
    targets = topo.country == 0
    ases = np.flatnonzero(topo.country == 1)
    candidates = rng.choice(topo.n_ases, 150, replace=False)  # 151 scenarios: 3 words, or blocks of 1-2 words
    removed = rng.random(topo.n_links) < 0.05
    budget = 3 * 8 * topo.n_ases * budget_words
    plan = plan_reachability(topo)
    got = reach_any_without(topo, targets, ases, candidates, removed, plan=plan, memory_budget=budget)
    assert np.array_equal(got, reach_any_without(topo, targets, ases, candidates, removed, plan=plan))
    sample = np.r_[0, 1 + rng.choice(len(candidates), 12, replace=False)]
    expected = one_at_a_time(topo, targets, ases, candidates[sample[1:] - 1], removed, None)
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
