"""Benchmarks of the routes kernel: all-pairs best paths on synthetic graphs and on the CAIDA 2016 graph.

    python -m pytest benchmarks/test_bench_routes.py --benchmark-enable --benchmark-json=results/bench_routes.json

``extra_info`` records the stored columns (transit rows × destination columns, and their bytes) and the process's
peak resident memory after the rounds. Under CI the suite runs with ``--benchmark-disable`` (each body once, as a
plain test that also checks the answer's shape). The target: all pairs of the 2016 graph in ≤ 10 s
(median of 3) and ≤ 8 GB.
"""

from __future__ import annotations

import resource

import numpy as np
import pytest

from sim import routes, synthetic_topology
from sim.routes.route_class import RouteClass

SIZES = [1_000, 10_000]


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n // 1000}k")
def synthetic(request):
    return synthetic_topology(request.param, seed=0)


def run_routes(benchmark, topo, rounds: int, **kwargs):
    result = benchmark.pedantic(routes, args=(topo,), kwargs=kwargs, rounds=rounds, warmup_rounds=0)
    stored = result.key.nbytes
    benchmark.extra_info.update(
        n_ases=topo.n_ases,
        n_transit=len(result.plan.transit),
        n_columns=len(result.anchors),
        stored_bytes=stored,
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )
    return result


def assert_origins_in_place(result):
    """Each transit destination's own entry is its origin route: the columns line up with their ASes."""
    transit_cols = np.flatnonzero(result.plan.row_of[result.anchors] >= 0)
    rows = result.plan.row_of[result.anchors[transit_cols]]
    hop, length, cls = result.keys.decode(result.key[rows, transit_cols])
    assert np.all(cls == RouteClass.ORIGIN) and np.all(length == 0)
    assert np.array_equal(hop, result.anchors[transit_cols])


@pytest.mark.benchmark(group="routes synthetic all-pairs")
def test_routes_synthetic(benchmark, synthetic):
    result = run_routes(benchmark, synthetic, rounds=3)
    assert_origins_in_place(result)


@pytest.mark.benchmark(group="routes CAIDA 2016 all-pairs")
def test_routes_real_all_pairs(benchmark, real_topology):
    result = run_routes(benchmark, real_topology, rounds=3)
    assert (len(result.plan.transit), len(result.anchors)) == (8422, 25889)
    assert_origins_in_place(result)
