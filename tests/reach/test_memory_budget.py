"""The reachability kernel holds to its memory budget: a request that cannot fit is refused before anything large
is allocated, and one that fits stays within the budget, kept matrix included."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from sim import MemoryBudgetError, reachability, synthetic_topology
from sim.memory import ENV_VAR


def peak_bytes(call) -> tuple[object, int]:
    """The call's result and the peak of the memory traced while it ran (numpy's arrays included)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_kept_matrix_over_budget_refused_before_allocating():
    # the case: 20,000 ASes, every source, 256 MiB; the unpacking alone took 6.3 GB before
    topo = synthetic_topology(20_000, seed=0)
    budget = 256 << 20

    def ask():
        with pytest.raises(MemoryBudgetError) as err:
            reachability(topo, keep_matrix=True, memory_budget=budget)
        return err.value

    err, peak = peak_bytes(ask)
    assert "the kept matrix" in str(err) and "over the memory_budget of 0.25 GiB" in str(err)
    assert "needs about 0.4" in str(err)  # 0.05 GiB of bit rows, 0.37 of booleans, a block
    assert peak < budget // 2


def test_kept_matrix_within_budget_stays_within_it():
    topo = synthetic_topology(4_000, seed=1)
    budget = 128 << 20
    result, peak = peak_bytes(lambda: reachability(topo, keep_matrix=True, memory_budget=budget))
    assert peak <= budget
    # unpacked by chunks, the matrix is still the whole answer: each row counts what its source reaches
    assert result.matrix.shape == (4_000, 4_000)
    assert np.array_equal(result.matrix.sum(axis=1) - 1, result.source_counts)
    assert np.array_equal(result.matrix.sum(axis=0) - 1, result.dest_counts)


def test_kept_matrix_chunked_unpacking_matches_the_unchunked(monkeypatch):
    import sim.reach.api as api

    topo = synthetic_topology(300, seed=2)
    sources = topo.asns[::7].tolist()
    whole = reachability(topo, sources, keep_matrix=True)
    monkeypatch.setattr(api, "SCRATCH_BYTES", 1)  # one AS per chunk
    chunked = reachability(topo, sources, keep_matrix=True, memory_budget=1 << 30)
    assert np.array_equal(whole.matrix, chunked.matrix)


@pytest.mark.parametrize(
    "backend, budget, shown",
    [("numpy", "16MiB", "0.02"), ("numba", "256KiB", "0.00")],  # below the scratch / the flat plan and one tile
)
def test_default_budget_follows_the_process_budget(monkeypatch, backend, budget, shown):
    topo = synthetic_topology(2_000, seed=0)
    monkeypatch.setenv(ENV_VAR, budget)
    with pytest.raises(MemoryBudgetError, match=f"over the memory_budget of {shown} GiB"):
        reachability(topo, backend=backend)


@pytest.mark.parametrize("budget, error", [(0, ValueError), (-5, ValueError), (1.5e9, TypeError), ("4G", TypeError)])
def test_bad_budget_named(budget, error):
    topo = synthetic_topology(100, seed=0)
    with pytest.raises(error, match="memory_budget"):
        reachability(topo, memory_budget=budget)
