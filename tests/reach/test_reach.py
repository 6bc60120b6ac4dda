"""The reachability kernel against the reference: exact agreement of every reduction, on random graphs with
c2p cycles and every restriction, across source blocks, and on the real 2016 graph."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.data.topology import Topology
from sim.experiments.baselines import scipy_reach_counts
from sim.reach import plan as reach_plan
from sim.reach.api import reachability
from sim.reach.reference import reference_reach_sets
from tests.reach.reference_checks import assert_matches_reference
from tests.strategies import restrictions, topologies, topologies_with_restrictions

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
N_PAIRS_2016 = 3_083_229_408


def check_against_reference(topo, restr, sources=None, **kwargs):
    r = reachability(topo, sources, **restr._asdict(), keep_matrix=True, per_source=True, **kwargs)
    assert_matches_reference(r, topo, restr, sources)
    return r


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@PROPERTY
@given(case=topologies_with_restrictions(max_ases=14))
def test_kernel_matches_reference_with_every_restriction(case, backend):
    topo, restr = case
    check_against_reference(topo, restr, backend=backend)


@PROPERTY
@given(st.data())
def test_kernel_matches_reference_for_a_subset_of_sources(data):
    topo = data.draw(topologies(max_ases=12, min_ases=2))
    restr = data.draw(restrictions(topo))
    sources = data.draw(st.lists(st.sampled_from(topo.asns.tolist()), min_size=1, max_size=topo.n_ases))
    check_against_reference(topo, restr, sources)


def random_topology(n: int, seed: int, n_countries: int = 4) -> Topology:
    """A larger random graph (c2p cycles likely) with several source words: blocks are exercised."""
    rng = np.random.default_rng(seed)
    pairs = rng.permutation(np.array(np.triu_indices(n, 1)).T)[: 3 * n]
    pairs = np.where(rng.random((len(pairs), 1)) < 0.5, pairs, pairs[:, ::-1])
    n_p2c = 2 * n
    return Topology.from_links(
        np.arange(1, n + 1),
        pairs[:n_p2c],
        pairs[n_p2c:],
        country_codes=tuple(f"X{c}" for c in "ABCDEFGH"[:n_countries]),
        country=rng.integers(-1, n_countries, n),
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_blocks_of_sources_give_the_same_answer(seed):
    topo = random_topology(300, seed)
    rng = np.random.default_rng(seed)
    forbid = rng.random((4, 4)) < 0.3
    removed = rng.random(topo.n_links) < 0.1
    whole = reachability(topo, removed_links=removed, forbid_transit=forbid, per_source=True, keep_matrix=True)
    held = topo.n_ases * topo.n_ases + 3 * 64 * 5 * (4 + 1)  # the kept boolean matrix, the transit masks
    tiny_budget = (64 << 20) + 8 * 3 * topo.n_ases + 8 * topo.n_ases * 10 + held  # forces one word per block
    blocks = reachability(
        topo,
        removed_links=removed,
        forbid_transit=forbid,
        per_source=True,
        keep_matrix=True,
        memory_budget=tiny_budget,
        backend="numpy",  # the numpy kernel's blocks (the compiled kernel's tiles: test_compiled.py)
    )
    for name in ("dest_counts", "country_pairs", "source_counts", "matrix"):
        assert np.array_equal(getattr(whole, name), getattr(blocks, name)), name
    # and the whole thing is right
    sample = topo.asns[rng.choice(topo.n_ases, 25, replace=False)].tolist()
    expected = reference_reach_sets(topo, sample, removed_links=removed, forbid_transit=forbid)
    for asn in sample:
        assert frozenset(whole.reachable_from(asn).tolist()) == expected[asn]


def test_stub_classes_stay_exact_when_hashes_collide(monkeypatch):
    # all-equal hash weights make every stub with the same degrees collide; verification must split them
    monkeypatch.setattr(reach_plan, "_hash_weights", lambda n: np.ones((2, n), np.uint64))
    topo = random_topology(200, 3)
    exact = reference_reach_sets(topo)
    r = reachability(topo, keep_matrix=True)
    got = {int(topo.asns[i]): frozenset(topo.asns[r.matrix[k]].tolist()) for k, i in enumerate(r.source_idx)}
    assert got == exact


@PROPERTY
@given(st.data())
def test_removing_links_never_increases_any_reach_set(data):
    topo = data.draw(topologies(max_ases=14))
    first = data.draw(restrictions(topo)).removed_links
    first = np.zeros(topo.n_links, bool) if first is None else first
    extra = data.draw(st.lists(st.booleans(), min_size=topo.n_links, max_size=topo.n_links))
    more = first | np.array(extra, dtype=bool)
    a = reachability(topo, removed_links=first, keep_matrix=True).matrix
    b = reachability(topo, removed_links=more, keep_matrix=True).matrix
    assert not np.any(b & ~a)


@PROPERTY
@given(topologies(max_ases=14))
def test_unrestricted_reach_is_symmetric(topo):
    m = reachability(topo, keep_matrix=True).matrix
    assert np.array_equal(m, m.T)


def test_arguments_are_checked_and_named():
    topo = random_topology(30, 0)
    with pytest.raises(ValueError, match="removed_links"):
        reachability(topo, removed_links=np.zeros(3, bool))
    with pytest.raises(TypeError, match="removed_ases"):
        reachability(topo, removed_ases=np.zeros(topo.n_ases, int))
    with pytest.raises(ValueError, match=r"forbid_transit must have shape \(4, 4\)"):
        reachability(topo, forbid_transit=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="n_sample"):
        reachability(topo, n_sample=0)
    with pytest.raises(ValueError, match="either sources or n_sample"):
        reachability(topo, [1], n_sample=3)
    with pytest.raises(KeyError, match="999"):
        reachability(topo, [999])
    with pytest.raises(TypeError, match="forbid_transit must be a boolean matrix"):
        reachability(topo, forbid_transit=np.zeros((4, 4), int))


@pytest.mark.parametrize("seed", [0, 1])
def test_sampled_sources_estimate_the_exact_fraction_within_their_error(seed):
    topo = random_topology(300, seed)
    whole = reachability(topo)
    assert not whole.sampled and whole.reach_frac_stderr() == 0  # exact: no error
    exact = whole.reach_frac()
    r = reachability(topo, n_sample=100, rng=seed)
    assert r.sampled and r.n_sources == 100 and r.matrix is None
    err = r.reach_frac_stderr()
    assert 0 < err < 0.1
    assert abs(r.reach_frac() - exact) <= 4 * err  # four standard errors, for two fixed seeds
    again = reachability(topo, n_sample=100, rng=np.random.default_rng(seed))  # a generator or its seed
    assert np.array_equal(again.source_idx, r.source_idx) and again.n_pairs() == r.n_pairs()
    # a source outside the sample is answered by a run of its own
    outside = int(topo.asns[np.setdiff1d(np.arange(topo.n_ases), r.source_idx)[0]])
    assert frozenset(r.reachable_from(outside).tolist()) == reference_reach_sets(topo, [outside])[outside]


def test_memory_budget_refused_before_allocating():
    topo = random_topology(100, 0)
    with pytest.raises(MemoryError, match=r"needs about .* GiB .* over the memory_budget of 0.01 GiB"):
        reachability(topo, memory_budget=int(0.01 * 2**30), backend="numpy")
    with pytest.raises(MemoryError, match="drop keep_matrix"):
        reachability(topo, keep_matrix=True, memory_budget=(64 << 20) + 100, backend="numpy")


# -- the real 2016 graph -------------------------------------------------------------------------------------


def test_real_2016_all_pairs(real_topology):
    r = reachability(real_topology)
    assert r.n_pairs() == N_PAIRS_2016
    assert r.country_pairs.sum() == N_PAIRS_2016 and r.dest_counts.sum() == N_PAIRS_2016
    # symmetric relation: what reaches d equals what d reaches, so dest counts match scipy's per-source counts
    rng = np.random.default_rng(0)
    sample = rng.choice(real_topology.n_ases, 20, replace=False)
    assert np.array_equal(r.dest_counts[sample] + 1, scipy_reach_counts(real_topology, sample))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_2016_sampled_estimate_within_its_error(real_topology, seed):
    n = real_topology.n_ases
    exact = N_PAIRS_2016 / (n * (n - 1))
    r = reachability(real_topology, n_sample=1024, rng=seed)
    assert r.sampled and r.n_sources == 1024
    err = r.reach_frac_stderr()
    assert 0 < err < 0.01
    assert abs(r.reach_frac() - exact) <= 3 * err  # three standard errors
    asn = int(real_topology.asns[r.source_idx[0]])
    assert len(r.reachable_from(asn)) == r.source_counts[0] + 1


def test_real_2016_transit_restriction_and_removed_links_agree_with_scipy(real_topology):
    topo = real_topology
    rng = np.random.default_rng(7)
    removed = rng.random(topo.n_links) < 0.05
    sample = np.sort(rng.choice(topo.n_ases, 16, replace=False))
    r = reachability(topo, topo.asns[sample].tolist(), removed_links=removed)
    assert np.array_equal(r.source_counts + 1, scipy_reach_counts(topo, sample, removed_links=removed))
    us, cn = topo.country_index("US"), topo.country_index("CN")
    forbid = np.zeros((len(topo.country_codes),) * 2, bool)
    forbid[cn, us] = True  # Chinese sources may not cross US networks
    chinese = topo.asns[topo.country == cn]
    sources = np.random.default_rng(3).choice(chinese, 64, replace=False).tolist()
    restricted = reachability(topo, sources, forbid_transit=forbid)
    free = reachability(topo, sources)
    assert restricted.n_pairs() < free.n_pairs()
    assert np.all(restricted.source_counts <= free.source_counts)
    expected = reference_reach_sets(topo, sources[:2], forbid_transit=forbid)
    for asn in sources[:2]:
        assert frozenset(restricted.reachable_from(asn).tolist()) == expected[asn]


def test_threads_do_not_change_the_answer():
    from sim import synthetic_topology

    topo = synthetic_topology(5000, seed=4)  # 79 source words: split in blocks across threads
    rng = np.random.default_rng(4)
    removed = rng.random(topo.n_links) < 0.05
    one = reachability(topo, removed_links=removed, n_threads=1, per_source=True)
    two = reachability(topo, removed_links=removed, n_threads=2, per_source=True)
    assert one.n_pairs() == two.n_pairs()
    for name in ("dest_counts", "country_pairs", "source_counts"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    with pytest.raises(ValueError, match="n_threads"):
        reachability(topo, n_threads=0)


@PROPERTY
@given(st.data())
def test_transit_exempt_and_reach_any_match_the_reference(data):
    topo, restr = data.draw(topologies_with_restrictions(max_ases=12, allow_none=False))
    exempt = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_ases, max_size=topo.n_ases)), bool)
    target = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_ases, max_size=topo.n_ases)), bool)
    expected = reference_reach_sets(topo, **restr._asdict(), transit_exempt=exempt)
    r = reachability(topo, **restr._asdict(), transit_exempt=exempt, keep_matrix=True, reach_any={"target": target})
    got = {int(topo.asns[i]): frozenset(topo.asns[r.matrix[k]].tolist()) for k, i in enumerate(r.source_idx)}
    assert got == expected
    targets = set(topo.asns[target].tolist())
    want = [bool(expected[int(a)] & targets) for a in topo.asns[r.source_idx]]
    assert r.reach_any["target"].tolist() == want


@PROPERTY
@given(topologies(max_ases=14))
def test_customer_cone_sizes_match_networkx_descendants(topo):
    import networkx as nx

    from sim.reach.cones import customer_cone_sizes

    g = nx.DiGraph()
    g.add_nodes_from(range(topo.n_ases))
    g.add_edges_from(zip(topo.provider.tolist(), topo.customer.tolist(), strict=True))
    expected = [len(nx.descendants(g, v) | {v}) for v in range(topo.n_ases)]
    assert customer_cone_sizes(topo).tolist() == expected


def test_customer_cone_sizes_across_blocks():
    from sim.reach.cones import customer_cone_sizes

    topo = random_topology(300, 5)
    tiny = (64 << 20) + 8 * 3 * topo.n_ases
    assert np.array_equal(customer_cone_sizes(topo), customer_cone_sizes(topo, memory_budget=tiny))


@PROPERTY
@given(topologies(max_ases=14), st.data())
def test_weighted_customer_cones_sum_the_weights_of_networkx_descendants(topo, data):
    import networkx as nx

    from sim.reach.cones import customer_cone_sizes

    weights = np.array(data.draw(st.lists(st.integers(0, 50), min_size=topo.n_ases, max_size=topo.n_ases)), float)
    g = nx.DiGraph()
    g.add_nodes_from(range(topo.n_ases))
    g.add_edges_from(zip(topo.provider.tolist(), topo.customer.tolist(), strict=True))
    expected = [weights[list(nx.descendants(g, v) | {v})].sum() for v in range(topo.n_ases)]
    assert customer_cone_sizes(topo, weights=weights).tolist() == expected


def test_weighted_customer_cones_across_blocks_and_unit_weights_give_the_sizes():
    from sim.reach.cones import customer_cone_sizes

    topo = random_topology(300, 5)
    tiny = (64 << 20) + 8 * 3 * topo.n_ases
    w = np.random.default_rng(1).integers(0, 9, topo.n_ases).astype(float)
    blocked = customer_cone_sizes(topo, weights=w, memory_budget=tiny)
    assert np.array_equal(customer_cone_sizes(topo, weights=w), blocked)
    assert np.array_equal(customer_cone_sizes(topo, weights=np.ones(topo.n_ases)), customer_cone_sizes(topo))
    with pytest.raises(ValueError, match="weights"):
        customer_cone_sizes(topo, weights=np.ones(3))
