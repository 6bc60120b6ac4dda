"""The routes kernel against BGPy 13 on sampled origins of the real 2016 graph: 0 differences in next hop,
length and class. Slow (BGPy takes seconds per origin); skipped where ``bgpy-pkg`` is not installed, since it
lives in an environment of its own (see :mod:`benchmarks.bgpy_routes`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

from benchmarks.bgpy_routes import compare, sample_origins
from sim.routes.api import routes
from tests.routes.cases import CASES
from tests.strategies import hub_topologies, topologies


def test_bgpy_agrees_on_the_hand_drawn_cases():
    pytest.importorskip("bgpy")
    from benchmarks.bgpy_routes import bgpy_engine, bgpy_routes, kernel_routes

    for case in CASES:
        topo = case.topology()
        if case.removed_links or case.removed_ases or topo.p2c_cycles():
            continue  # BGPy has no removals here, and no graph with a customer→provider cycle
        assert bgpy_routes(bgpy_engine(topo), case.dst) == kernel_routes(routes(topo), case.dst) == case.expected


@pytest.mark.slow
def test_bgpy_agrees_on_sampled_origins_of_the_real_graph(real_topology):
    pytest.importorskip("bgpy")
    origins = sample_origins(routes(real_topology, []), 12, seed=0)
    result = routes(real_topology, origins)
    diffs, _ = compare(result, origins)
    assert {o: len(d) for o, d in diffs.items()} == dict.fromkeys(origins, 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies(max_ases=12, with_cycles=False))
def test_bgpy_agrees_on_random_acyclic_graphs(topo):
    pytest.importorskip("bgpy")
    from benchmarks.bgpy_routes import bgpy_engine, bgpy_routes, kernel_routes

    engine, result = bgpy_engine(topo), routes(topo)
    for dst in topo.asns.tolist():
        assert bgpy_routes(engine, dst) == kernel_routes(result, dst)


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(hub_topologies(min_ases=40, max_ases=80))
def test_bgpy_agrees_on_hub_graphs(topo):
    """Hubs with many customers, multi-homed edge ASes, stub classes and single-homed stubs: every destination."""
    pytest.importorskip("bgpy")
    from benchmarks.bgpy_routes import bgpy_engine, bgpy_routes, kernel_routes

    assume(not topo.p2c_cycles())  # BGPy cannot build a graph with a customer→provider cycle
    engine, result = bgpy_engine(topo), routes(topo)
    for dst in topo.asns.tolist():
        assert bgpy_routes(engine, dst) == kernel_routes(result, dst)
