"""The compiled reachability kernel (sim.reach.jit) against the reference and the numpy kernel.

On graphs of a few dozen ASes the default tile (512 sources) and class chunk (256 classes) hold everything at once,
so these tests force both small (``compiled.TILE_WORDS``, ``compiled.CLASS_CHUNK`` are read at call time): several
tiles on several threads, split words where countries meet, chunks of one class.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import MemoryBudgetError, synthetic_topology
from sim.backend import REACH_ENV
from sim.reach import api, compiled
from sim.reach.api import reachability
from tests.reach.reference_checks import assert_matches_reference, assert_same, masks
from tests.strategies import hub_topologies, restrictions, topologies_with_restrictions

FORCED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("prune_min_words", [0, api.PRUNE_MIN_WORDS])  # a fresh plan pruned and grouped, or not
@FORCED
@given(case=topologies_with_restrictions(max_ases=14), chunk=st.integers(1, 3))
def test_small_graphs_with_chunks_of_a_few_classes_match_the_reference(case, chunk, prune_min_words):
    topo, restr = case
    with (
        mock.patch.object(compiled, "CLASS_CHUNK", chunk),
        mock.patch.object(api, "PRUNE_MIN_WORDS", prune_min_words),
    ):
        r = reachability(topo, **restr._asdict(), keep_matrix=True, per_source=True, backend="numba")
    assert_matches_reference(r, topo, restr)


@settings(FORCED, max_examples=30)
@given(st.data())
def test_several_tiles_on_several_threads_match_the_reference_and_numpy(data):
    """One word per tile: every tile boundary, and words split between countries, on two threads."""
    topo = data.draw(hub_topologies(min_ases=65, max_ases=160))
    restr = data.draw(restrictions(topo))
    exempt = masks(data, topo.n_ases) if data.draw(st.booleans()) else None
    sources = topo.asns[sorted(data.draw(st.sets(st.integers(0, topo.n_ases - 1), min_size=65)))].tolist()
    reach_any = {"target": masks(data, topo.n_ases), "none": np.zeros(topo.n_ases, bool)}
    kwargs = dict(**restr._asdict(), transit_exempt=exempt, reach_any=reach_any, keep_matrix=True, per_source=True)
    with (
        mock.patch.object(compiled, "TILE_WORDS", 1),
        mock.patch.object(compiled, "CLASS_CHUNK", data.draw(st.integers(1, 4))),
        mock.patch.object(api, "PRUNE_MIN_WORDS", data.draw(st.sampled_from([0, api.PRUNE_MIN_WORDS]))),
    ):
        r = reachability(topo, sources, n_threads=2, backend="numba", **kwargs)
    assert_matches_reference(r, topo, restr, sources, transit_exempt=exempt, reach_any=reach_any)
    assert_same(r, reachability(topo, sources, backend="numpy", **kwargs))
    lean = reachability(topo, sources, **restr._asdict(), transit_exempt=exempt, per_source=False, backend="numba")
    assert lean.source_counts is None and lean.matrix is None and lean.n_pairs() == r.n_pairs()
    assert np.array_equal(lean.dest_counts, r.dest_counts) and np.array_equal(lean.country_pairs, r.country_pairs)


@pytest.mark.parametrize("seed", [0, 1])
def test_sampled_sources_with_cuts_equal_numpy_on_a_synthetic_internet(seed):
    topo = synthetic_topology(4000, seed=seed)
    rng = np.random.default_rng(seed)
    forbid = rng.random((len(topo.country_codes),) * 2) < 0.05 if seed else None
    kwargs = dict(removed_links=rng.random(topo.n_links) < 0.03, forbid_transit=forbid, n_sample=1500, rng=seed)
    a = reachability(topo, backend="numba", n_threads=2, **kwargs)
    b = reachability(topo, backend="numpy", **kwargs)
    assert a.n_pairs() == b.n_pairs() and a.sampled and b.sampled
    for name in ("source_idx", "dest_counts", "source_counts", "country_pairs"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_backend_chosen_by_argument_or_environment(monkeypatch):
    topo = synthetic_topology(200, seed=0)
    calls = []
    real_run = compiled.run
    monkeypatch.setattr(compiled, "run", lambda *a: calls.append(1) or real_run(*a))
    monkeypatch.setenv(REACH_ENV, "numpy")
    numpy_answer = reachability(topo)
    assert calls == []
    assert reachability(topo, backend="numba").n_pairs() == numpy_answer.n_pairs() and calls == [1]
    monkeypatch.setenv(REACH_ENV, "numba")
    reachability(topo)
    assert calls == [1, 1]
    with pytest.raises(ValueError, match="backend must be one of 'numpy', 'numba'.*got 'fortran'"):
        reachability(topo, backend="fortran")


def test_memory_budget_refused_before_allocating():
    topo = synthetic_topology(2000, seed=0)
    with pytest.raises(MemoryBudgetError, match=r"one tile of 512 sources .* over the memory_budget of 0\.00 GiB"):
        reachability(topo, backend="numba", memory_budget=100_000)
    with pytest.raises(MemoryBudgetError, match="drop keep_matrix"):
        reachability(topo, backend="numba", keep_matrix=True, memory_budget=4 << 20)
    # a budget that fits runs, with the same answer
    fits = reachability(topo, backend="numba", n_threads=2, memory_budget=2 << 20)
    assert fits.n_pairs() == reachability(topo, backend="numpy").n_pairs()


@pytest.mark.parametrize("tile_words", [1, 8])
def test_customer_cones_equal_numpy_counted_and_weighted(tile_words):
    from sim.reach.cones import customer_cone_sizes

    topo = synthetic_topology(3000, seed=5)
    rng = np.random.default_rng(5)
    removed = rng.random(topo.n_links) < 0.05
    space = rng.integers(0, 5000, topo.n_ases).astype(float)  # whole numbers: summed exactly in integers
    with mock.patch.object(compiled, "TILE_WORDS", tile_words):
        for weights in (None, space, space + 0.25):  # the last falls back to numpy's float sums
            got = customer_cone_sizes(topo, removed, weights=weights, backend="numba", n_threads=2)
            want = customer_cone_sizes(topo, removed, weights=weights, backend="numpy")
            assert got.dtype == want.dtype and np.array_equal(got, want)
