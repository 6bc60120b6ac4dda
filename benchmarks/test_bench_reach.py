"""Benchmarks of the reachability kernel beside the baselines, measured in the same run.

    python -m pytest benchmarks --benchmark-enable --benchmark-json=results/bench_reach.json
    python -m benchmarks.ratios results/bench_reach.json

Baselines search from a sample of sources (a fixed seed) on a graph built beforehand; ``extra_info["scale"]``
(all sources / sampled sources) extrapolates their time to the whole question. Under CI the suite runs with
``--benchmark-disable`` (each body once, as a plain test that also checks the answers agree).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import reachability, synthetic_topology
from sim.experiments.baselines import networkx_reach_counts, networkx_state_graph, scipy_reach_counts, scipy_state_graph

N_PAIRS_2016 = 3_083_229_408
SIZES = [1_000, 10_000, 100_000]


def sample(n: int, k: int) -> np.ndarray:
    return np.sort(np.random.default_rng(0).choice(n, min(k, n), replace=False))


def _size_param(n: int):
    """100k ASes is an integration-size run; the smaller sizes stay in the fast tier."""
    return pytest.param(n, marks=pytest.mark.integration) if n >= 100_000 else n


@pytest.fixture(scope="module", params=[_size_param(n) for n in SIZES], ids=lambda n: f"{n // 1000}k")
def synthetic(request):
    return synthetic_topology(request.param, seed=0)


@pytest.fixture(scope="module")
def real(real_topology):
    return real_topology


def run_kernel(benchmark, topo, **kwargs):
    result = benchmark.pedantic(reachability, args=(topo,), kwargs=kwargs, rounds=5, warmup_rounds=1)
    benchmark.extra_info.update(n_ases=topo.n_ases, scale=1.0, n_pairs=result.n_pairs())
    return result


def run_baseline(benchmark, topo, k, build, count, rounds):
    """Time ``count`` from ``k`` sampled sources on a graph built beforehand; record the extrapolation."""
    graph = build(topo)
    src = sample(topo.n_ases, k)
    counts = benchmark.pedantic(count, args=(topo, src), kwargs={"graph": graph}, rounds=rounds)
    benchmark.extra_info.update(n_ases=topo.n_ases, n_sampled=len(src), scale=topo.n_ases / len(src))
    return src, counts


def run_scipy(benchmark, topo, k):
    return run_baseline(benchmark, topo, k, scipy_state_graph, scipy_reach_counts, rounds=3)


def run_networkx(benchmark, topo, k):
    return run_baseline(benchmark, topo, k, networkx_state_graph, networkx_reach_counts, rounds=1)


@pytest.mark.benchmark(group="synthetic all-pairs")
def test_kernel_synthetic(benchmark, synthetic):
    r = run_kernel(benchmark, synthetic)
    assert 0 < r.n_pairs() <= synthetic.n_ases * (synthetic.n_ases - 1)


@pytest.mark.benchmark(group="synthetic all-pairs")
def test_scipy_synthetic(benchmark, synthetic):
    src, counts = run_scipy(benchmark, synthetic, 200)
    exact = reachability(synthetic, synthetic.asns[src].tolist())
    assert np.array_equal(counts - 1, exact.source_counts)


@pytest.mark.benchmark(group="synthetic all-pairs")
def test_networkx_synthetic(benchmark, synthetic):
    if synthetic.n_ases > 10_000:
        pytest.skip("the 100k networkx baseline is test_networkx_synthetic_100k, marked slow")
    src, counts = run_networkx(benchmark, synthetic, 10)
    assert np.array_equal(counts, scipy_reach_counts(synthetic, src))


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.benchmark(group="synthetic all-pairs")
def test_networkx_synthetic_100k(benchmark):
    topo = synthetic_topology(100_000, seed=0)  # building its networkx state graph takes a while
    src, counts = run_networkx(benchmark, topo, 3)
    assert np.array_equal(counts, scipy_reach_counts(topo, src))


@pytest.mark.benchmark(group="CAIDA 2016 all-pairs")
def test_kernel_real_all_pairs(benchmark, real):
    assert run_kernel(benchmark, real).n_pairs() == N_PAIRS_2016


@pytest.mark.benchmark(group="CAIDA 2016 all-pairs")
def test_scipy_real(benchmark, real):
    src, counts = run_scipy(benchmark, real, 200)
    assert counts.min() >= 1


@pytest.mark.slow
@pytest.mark.benchmark(group="CAIDA 2016 all-pairs")
def test_networkx_real(benchmark, real):
    src, counts = run_networkx(benchmark, real, 5)
    assert np.array_equal(counts, scipy_reach_counts(real, src))


@pytest.mark.benchmark(group="CAIDA 2016 1,024 sampled sources")
def test_kernel_real_sampled(benchmark, real):
    r = run_kernel(benchmark, real, n_sample=1024, rng=0)
    n = real.n_ases
    assert abs(r.reach_frac() - N_PAIRS_2016 / (n * (n - 1))) <= 4 * r.reach_frac_stderr()


@pytest.mark.benchmark(group="CAIDA 2016 1,024 sampled sources")
def test_scipy_real_sampled(benchmark, real):
    src, _ = run_scipy(benchmark, real, 200)
    benchmark.extra_info["scale"] = 1024 / len(src)
