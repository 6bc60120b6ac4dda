"""Benchmarks of plan reuse and batched what-if removals (of ASes, of links) on the 2016 graph, with the memory-traffic
floor printed beside the all-pairs time (:mod:`benchmarks.floor`).

    python -m pytest benchmarks/test_bench_plan.py --benchmark-enable -m "slow or not slow" -s

Under CI (``--benchmark-disable``) each body runs once as a plain test that checks its answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.floor import copy_bandwidth, floor_seconds
from sim import plan_reachability, reachability
from sim.experiments.cases import cut_off_without, foreign_reach
from sim.experiments.link_chokepoints import border_links, newly_cut_off

N_PAIRS_2016 = 3_083_229_408


@pytest.fixture(scope="module")
def real(real_topology):
    return real_topology


@pytest.fixture(scope="module")
def plan(real):
    return plan_reachability(real)


@pytest.mark.benchmark(group="CAIDA 2016 plan reuse")
def test_plan_once_real(benchmark, real):
    plan = benchmark.pedantic(plan_reachability, args=(real,), rounds=3, warmup_rounds=0)
    assert plan.check(real) is None


@pytest.mark.benchmark(group="CAIDA 2016 plan reuse")
def test_reused_all_pairs_real(benchmark, real, plan, capsys):
    result = benchmark.pedantic(reachability, args=(real,), kwargs={"plan": plan}, rounds=5, warmup_rounds=1)
    assert result.n_pairs() == N_PAIRS_2016
    bandwidth = copy_bandwidth()
    moved, floor = floor_seconds(plan.restrict(None, None, True), real.n_ases, bandwidth)
    median = benchmark.stats.stats.median if benchmark.stats else float("nan")
    benchmark.extra_info.update(
        n_ases=real.n_ases, rows_bytes=moved, copy_bandwidth=bandwidth, floor_seconds=floor, scale=1.0
    )
    with capsys.disabled():
        print(
            f"\n  all pairs, reused plan: median {median:.3f} s; rows moved {moved / 1e9:.2f} GB at "
            f"{bandwidth / 1e9:.1f} GB/s copy bandwidth: floor {floor:.3f} s ({median / floor:.1f}× the floor)"
        )


@pytest.mark.benchmark(group="CAIDA 2016 plan reuse")
def test_reused_sampled_with_cuts_real(benchmark, real, plan):
    removed = np.random.default_rng(1).random(real.n_links) < 0.02
    kwargs = {"removed_links": removed, "n_sample": 1024, "rng": 0, "plan": plan}
    r = benchmark.pedantic(reachability, args=(real,), kwargs=kwargs, rounds=5, warmup_rounds=1)
    fresh = reachability(real, removed_links=removed, n_sample=1024, rng=0)
    assert r.n_pairs() == fresh.n_pairs() and np.array_equal(r.country_pairs, fresh.country_pairs)


def _border_candidates(topo, country: int, k: int) -> np.ndarray:
    ends = topo.link_endpoints()
    cross = (topo.country[ends[:, 0]] == country) ^ (topo.country[ends[:, 1]] == country)
    ases, n = np.unique(ends[cross].ravel(), return_counts=True)
    return ases[np.argsort(-n, kind="stable")][:k]


@pytest.mark.benchmark(group="CAIDA 2016 chokepoints (RU, 16 candidates)")
def test_whatif_batched_real(benchmark, real, plan):
    ru = real.country_index("RU")
    candidates = _border_candidates(real, ru, 16)
    cut = benchmark.pedantic(cut_off_without, args=(real, ru, candidates), kwargs={"plan": plan}, rounds=3)
    gone = np.isin(np.arange(real.n_ases), candidates[:1])
    assert np.array_equal(cut[1], foreign_reach(real, ru, removed_ases=gone) == 0)
    benchmark.extra_info.update(n_candidates=len(candidates), scale=1.0)


@pytest.mark.slow
@pytest.mark.benchmark(group="CAIDA 2016 chokepoints (RU, 16 candidates)")
def test_whatif_one_at_a_time_real(benchmark, real):
    ru = real.country_index("RU")
    candidates = _border_candidates(real, ru, 16)
    gone = np.isin(np.arange(real.n_ases), candidates[:1])
    counts = benchmark.pedantic(foreign_reach, args=(real, ru), kwargs={"removed_ases": gone}, rounds=1)
    benchmark.extra_info.update(n_candidates=1, scale=float(len(candidates)))  # one candidate, ×16
    assert counts.shape == (int((real.country == ru).sum()),)


@pytest.mark.benchmark(group="CAIDA 2016 single-link chokepoints (RU)")
def test_whatif_links_batched_real(benchmark, real, plan):
    ru = real.country_index("RU")
    links = np.sort(np.random.default_rng(0).choice(border_links(real, ru), 16, replace=False))
    _, newly = benchmark.pedantic(newly_cut_off, args=(real, ru, links), kwargs={"plan": plan}, rounds=3)
    before = foreign_reach(real, ru) == 0
    after = foreign_reach(real, ru, removed_links=np.arange(real.n_links) == links[0]) == 0
    assert newly[0] == (after & ~before).sum()
    benchmark.extra_info.update(n_candidates=len(links), scale=1.0)


@pytest.mark.benchmark(group="CAIDA 2016 single-link chokepoints (RU)")
def test_whatif_every_border_link_real(benchmark, real, plan):
    ru = real.country_index("RU")
    links = border_links(real, ru)
    _, newly = benchmark.pedantic(newly_cut_off, args=(real, ru, links), kwargs={"plan": plan}, rounds=3)
    sample = np.sort(np.random.default_rng(0).choice(links, 16, replace=False))
    assert np.array_equal(newly[np.searchsorted(links, sample)], newly_cut_off(real, ru, sample, plan=plan)[1])
    benchmark.extra_info.update(n_candidates=len(links), scale=1.0)
