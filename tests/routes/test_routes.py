"""The routes kernel: hand-drawn trees, the reference on random graphs (c2p cycles, removals, ties), stub
compression, the agreement of route holders with reachability, argument checks and the memory guard."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.data.topology import Topology
from sim.reach.api import reachability
from sim.routes.api import routes
from sim.routes.plan import DestKind
from tests.routes.cases import CASES, Case
from tests.routes.checks import as_dict, assert_matches_reference
from tests.strategies import hub_topologies, topologies, topologies_with_restrictions

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BACKENDS = pytest.mark.parametrize("backend", ["numpy", "numba"])  # the numpy kernel and its compiled twin


@BACKENDS
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_kernel_gives_the_hand_drawn_routes(case: Case, backend):
    topo = case.topology()
    r = routes(topo, **case.masks(topo), backend=backend)
    assert as_dict(r.tree(case.dst)) == case.expected
    src = max(case.expected, key=lambda a: case.expected[a][1])
    path = r.path(src, case.dst)
    assert len(path) == case.expected[src][1] + 1 and path[0] == src and path[-1] == case.dst


def test_tree_columns_and_types():
    case = CASES[0]
    tree = routes(case.topology()).tree(case.dst)
    assert list(tree.columns) == ["asn", "next_hop", "length", "route_class"]
    assert list(tree["route_class"].cat.categories) == ["origin", "customer", "peer", "provider"]
    assert tree["asn"].is_monotonic_increasing
    origin = tree[tree["route_class"] == "origin"]
    assert origin[["asn", "next_hop", "length"]].values.tolist() == [[case.dst, case.dst, 0]]


@BACKENDS
@PROPERTY
@given(topologies_with_restrictions(max_ases=12))
def test_kernel_matches_reference_with_removals(backend, case):
    topo, restr = case
    r = routes(topo, removed_links=restr.removed_links, removed_ases=restr.removed_ases, backend=backend)
    assert_matches_reference(r, topo, restr.removed_links, restr.removed_ases)


@BACKENDS
@settings(PROPERTY, max_examples=40)
@given(hub_topologies(min_ases=20, max_ases=45))
def test_kernel_matches_reference_on_hub_graphs_with_many_ties(backend, topo):
    assert_matches_reference(routes(topo, backend=backend), topo)


@settings(PROPERTY, max_examples=40)  # each destination not asked for is a routes() call of its own
@given(st.data())
def test_a_subset_of_destinations_gives_the_same_trees(data):
    topo = data.draw(topologies(max_ases=12, min_ases=2))
    chosen = data.draw(st.lists(st.sampled_from(topo.asns.tolist()), min_size=1, max_size=4))
    some, every = routes(topo, chosen), routes(topo)
    assert len(some.anchors) <= len(set(chosen))
    for dst in topo.asns.tolist():  # destinations not asked for are computed when asked
        assert as_dict(some.tree(dst)) == as_dict(every.tree(dst))


def stub_compression_topology() -> Topology:
    """Two transit ASes 1, 2 (peers) with stubs: 10, 11 share providers {1, 2} (one class), 12 and 13 are
    single-homed on 1 without peers (branches), 14 peers with 10 and buys from 2, 15 is alone."""
    asns = np.array([1, 2, 10, 11, 12, 13, 14, 15])
    i = {a: k for k, a in enumerate(asns.tolist())}
    p2c = [(1, 10), (2, 10), (1, 11), (2, 11), (1, 12), (1, 13), (2, 14)]
    p2p = [(1, 2), (10, 14), (11, 14)]
    return Topology.from_links(asns, np.array([(i[a], i[b]) for a, b in p2c]), np.array([(i[a], i[b]) for a, b in p2p]))


def test_stub_destinations_share_columns_and_match_the_reference():
    topo = stub_compression_topology()
    r = routes(topo)
    kind = dict(zip(topo.asns.tolist(), r.plan.kind.tolist(), strict=True))
    assert [kind[a] for a in (1, 2, 10, 11, 12, 13, 14, 15)] == [
        DestKind.TRANSIT,
        DestKind.TRANSIT,
        DestKind.CLASS,
        DestKind.CLASS,
        DestKind.BRANCH,
        DestKind.BRANCH,
        DestKind.CLASS,
        DestKind.ALONE,
    ]
    assert topo.asns[r.anchors].tolist() == [1, 2, 10, 14]  # 11 is served by 10's column, 12 and 13 by 1's
    assert_matches_reference(r, topo)
    holders = r.holders(topo.asns)
    for k, dst in enumerate(topo.asns.tolist()):
        assert set(topo.asns[holders[k]].tolist()) == set(r.tree(dst)["asn"].tolist())
    assert np.array_equal(routes(topo, [11]).holders([11, 12]), holders[[3, 4]])  # columns computed on demand
    assert r.path(14, 11) == [14, 11] and r.path(12, 11) == [12, 1, 11] and r.path(15, 1) == []


@BACKENDS
@settings(PROPERTY, max_examples=60)
@given(topologies_with_restrictions(max_ases=14))
def test_route_holders_are_the_reachable_ases(backend, case):
    topo, restr = case
    r = routes(topo, removed_links=restr.removed_links, removed_ases=restr.removed_ases, backend=backend)
    reach = reachability(topo, removed_links=restr.removed_links, removed_ases=restr.removed_ases, keep_matrix=True)
    holders = r.holders(topo.asns)
    for k, dst in enumerate(topo.asns.tolist()):
        # valley-free paths are symmetric: the ASes reaching dst are the ASes dst reaches
        assert set(r.tree(dst)["asn"].tolist()) == set(topo.asns[reach.matrix[k]].tolist())
    assert np.array_equal(holders, reach.matrix)


def test_arguments_are_checked_and_named():
    topo = CASES[0].topology()
    with pytest.raises(TypeError, match="topology"):
        routes("not a topology")
    with pytest.raises(TypeError, match="removed_links"):
        routes(topo, removed_links=np.zeros(topo.n_links, int))
    with pytest.raises(ValueError, match="removed_ases"):
        routes(topo, removed_ases=np.zeros(topo.n_ases + 1, bool))
    with pytest.raises(TypeError, match="destinations"):
        routes(topo, destinations=10)
    with pytest.raises(TypeError, match="destinations"):
        routes(topo, destinations=["10"])
    with pytest.raises(KeyError, match="12345"):
        routes(topo, destinations=[12345])
    with pytest.raises(ValueError, match="memory_budget"):
        routes(topo, memory_budget=0)
    with pytest.raises(ValueError, match="n_threads"):
        routes(topo, n_threads=0)
    r = routes(topo)
    with pytest.raises(ValueError, match="distinct"):
        r.holders([10, 10])
    with pytest.raises(KeyError, match="999"):
        r.tree(999)
    with pytest.raises(KeyError, match="999"):
        r.path(999, 10)


def test_memory_budget_refused_before_allocating():
    from sim.routes import api

    topo = CASES[0].topology()
    with pytest.raises(MemoryError, match="memory_budget"):
        routes(topo, memory_budget=api.SCRATCH_BYTES)


def test_public_names():
    import sim

    topo = CASES[0].topology()
    r = sim.routes(topo, [10])  # the package is callable as its function
    assert isinstance(r, sim.RoutesResult) and r.path(50, 10) == [50, 20, 10]
    assert sim.routes.routes is sim.routes.api.routes and sim.RouteClass.PEER.label == "peer"


def test_no_destinations_is_an_empty_question_with_its_plan():
    topo = CASES[0].topology()
    r = routes(topo, [])
    assert r.key.shape == (len(r.plan.transit), 0) and len(r.destinations) == 0
    assert as_dict(r.tree(10)) == CASES[0].expected  # computed when asked for


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_internet_route_holders_and_sampled_trees(seed):
    """A 3,000-AS synthetic Internet with links and ASes removed: holders equal reachability for every
    destination; a few trees of each destination kind equal the reference's."""
    from sim.data.synthetic import synthetic_topology

    topo = synthetic_topology(3000, seed=seed)
    rng = np.random.default_rng(seed)
    removed_links, removed_ases = rng.random(topo.n_links) < 0.05, rng.random(topo.n_ases) < 0.01
    r = routes(topo, removed_links=removed_links, removed_ases=removed_ases)
    reach = reachability(topo, removed_links=removed_links, removed_ases=removed_ases, keep_matrix=True)
    assert np.array_equal(r.holders(topo.asns), reach.matrix)
    kinds = [DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH, DestKind.REMOVED]
    sample = [int(topo.asns[rng.choice(np.flatnonzero(r.plan.kind == k))]) for k in kinds]
    assert_matches_reference(r, topo, removed_links, removed_ases, destinations=sample)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_compiled_kernel_equals_the_numpy_kernel_over_many_tiles(seed):
    """Hundreds of destination columns: tiles of 16 that mix transit and stub destinations, several per block,
    with links and ASes removed (the frontier's bookkeeping is reset between tiles): the same keys word for word."""
    from sim import synthetic_topology

    topo = synthetic_topology(600, seed=seed)
    rng = np.random.default_rng(seed)
    masks = {"removed_links": rng.random(topo.n_links) < 0.05, "removed_ases": rng.random(topo.n_ases) < 0.02}
    compiled, numpy = routes(topo, **masks, backend="numba"), routes(topo, **masks, backend="numpy")
    stub = compiled.plan.row_of[compiled.anchors] < 0
    assert len(compiled.anchors) > 4 * 16 and stub.any() and (~stub).any()
    assert np.array_equal(compiled.anchors, numpy.anchors) and np.array_equal(compiled.key, numpy.key)
