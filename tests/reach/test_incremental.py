"""Incremental steps against a full recompute: random sequences of cuts and restorations (and sometimes transit
restrictions) on random graphs, with the incremental path forced, the fallback forced, and chunks of one source."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import synthetic_topology
from sim.reach import incremental
from sim.reach.api import reachability
from sim.reach.incremental import IncrementalReach, below
from sim.reach.whatif import reach_sets
from tests.reach.test_kernel_branches import masks
from tests.strategies import hub_topologies, topologies

STEPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same_counts(got, want):
    assert got.n_pairs() == want.n_pairs()
    for name in ("dest_counts", "source_counts", "country_pairs", "source_idx"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert got.reach_any.keys() == want.reach_any.keys()
    for name in want.reach_any:
        assert np.array_equal(got.reach_any[name], want.reach_any[name]), name


@STEPS
@given(st.data())
def test_random_cuts_and_restorations_equal_a_full_recompute(data):
    topo = data.draw(st.one_of(hub_topologies(min_ases=20, max_ases=60), topologies(max_ases=14)))
    reach_any = {"core": masks(data, topo.n_ases), "other": masks(data, topo.n_ases)}
    frac = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    chunk = data.draw(st.sampled_from([1, 3, incremental.CHUNK]))
    tracker = IncrementalReach(topo, reach_any=reach_any, max_affected_frac=frac)
    removed = np.zeros(topo.n_links, bool)
    n_codes = len(topo.country_codes)
    with mock.patch.object(incremental, "CHUNK", chunk):
        for _ in range(data.draw(st.integers(2, 6))):
            if topo.n_links:
                flip = data.draw(st.lists(st.integers(0, topo.n_links - 1), max_size=4))
                removed[flip] = ~removed[flip]  # cuts and restorations
            forbid = None
            if n_codes and data.draw(st.integers(0, 4)) == 0:
                forbid = np.random.default_rng(data.draw(st.integers(0, 99))).random((n_codes, n_codes)) < 0.5
            got = tracker.update(removed, forbid_transit=forbid)
            want = reachability(topo, removed_links=removed, forbid_transit=forbid, reach_any=reach_any)
            assert_same_counts(got, want)


def test_small_changes_go_incremental_and_large_ones_fall_back():
    topo = synthetic_topology(3000, seed=2)
    tracker = IncrementalReach(topo, reach_any={"tier1": topo.tier1}, max_affected_frac=0.05)
    rng = np.random.default_rng(2)
    removed = np.zeros(topo.n_links, bool)
    stub_links = np.flatnonzero(topo.is_stub()[topo.customer])  # links of stubs: tiny cones
    for step in range(6):
        if step == 3:
            removed |= rng.random(topo.n_links) < 0.2  # large: a full pass
        else:
            flip = rng.choice(stub_links, 5, replace=False)
            removed[flip] = ~removed[flip]
        got = tracker.update(removed)
        assert_same_counts(got, reachability(topo, removed_links=removed, reach_any={"tier1": topo.tier1}))
    assert tracker.update(removed.copy()) is got  # nothing changed: the previous result
    assert tracker.n_unchanged == 1 and tracker.n_incremental >= 4 and tracker.n_full == 2


def test_sampled_sources_reuse_the_previous_result_only_when_nothing_changed():
    topo = synthetic_topology(500, seed=1)
    sources = topo.asns[:40].tolist()
    tracker = IncrementalReach(topo, sources, sampled=True)
    removed = np.zeros(topo.n_links, bool)
    first = tracker.update(removed)
    assert tracker.update(removed) is first
    removed[:3] = True
    second = tracker.update(removed)
    assert second is not first and tracker.n_full == 2
    assert_same_counts(second, reachability(topo, sources, removed_links=removed, per_source=True, sampled=True))
    with pytest.raises(ValueError, match="max_affected_frac"):
        IncrementalReach(topo, max_affected_frac=2.0)


@STEPS
@given(topologies(max_ases=14), st.data())
def test_reach_sets_and_cones_match_the_kernel(topo, data):
    removed = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_links, max_size=topo.n_links)), bool)
    sets = {"a": masks(data, topo.n_ases), "b": masks(data, topo.n_ases)}
    removed_ases = masks(data, topo.n_ases) if data.draw(st.booleans()) else None
    want = reachability(topo, removed_links=removed, removed_ases=removed_ases, reach_any=sets, backend="numpy")
    for backend in ("numpy", "numba"):
        got = reach_sets(topo, sets, removed_links=removed, removed_ases=removed_ases, backend=backend)
        assert all(np.array_equal(got[k], want.reach_any[k]) for k in sets), backend
    seeds = np.flatnonzero(masks(data, topo.n_ases))
    got_below = below(topo, seeds, ~removed)  # the seeds' customer cones
    assert got_below.tolist() == [any(_is_up(topo, v, s, removed) for s in seeds) for v in range(topo.n_ases)]


def _is_up(topo, v, s, removed) -> bool:
    """Whether ``s`` is reached from ``v`` by customer→provider hops only (a plain BFS on the present c2p links)."""
    alive = ~removed[: topo.n_p2c]
    seen, frontier = {v}, [v]
    while frontier:
        nxt = []
        for u in frontier:
            for k in np.flatnonzero((topo.customer == u) & alive):
                p = int(topo.provider[k])
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        frontier = nxt
    return s in seen
