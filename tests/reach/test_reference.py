"""Valley-free reachability on hand-drawn graphs (the reference and the kernel), and the timing baselines.

Drawings: ``A > B`` means A is B's provider (c2p link B→A), ``A = B`` a peer link. ASNs are multiples of 10 so
that no ASN equals its own index. Every expected set below was worked out by hand.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.data.topology import Topology
from sim.experiments.baselines import networkx_reach_counts, scipy_reach_counts
from sim.reach.api import reachability
from sim.reach.reference import reference_n_pairs, reference_reach_sets
from tests.strategies import restrictions, topologies, topologies_with_restrictions

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(p2c=(), p2p=(), extra_asns=(), country=None, codes=()):
    """A topology from links given by ASN: ``p2c`` rows are ``(provider, customer)``; ``country`` maps ASN → code."""
    asns = sorted({a for row in [*p2c, *p2p] for a in row} | set(extra_asns))
    index = {asn: i for i, asn in enumerate(asns)}
    country = country or {}
    return Topology.from_links(
        np.array(asns),
        np.array([(index[p], index[c]) for p, c in p2c], dtype=np.int32).reshape(-1, 2),
        np.array([(index[a], index[b]) for a, b in p2p], dtype=np.int32).reshape(-1, 2),
        country_codes=codes,
        country=np.array([codes.index(country[a]) if a in country else -1 for a in asns]),
    )


def links_between(topo, *pairs):
    """Mask over link ids of the links joining the given ASN pairs (either orientation)."""
    ends = topo.asns[topo.link_endpoints()]
    wanted = {frozenset(p) for p in pairs}
    return np.array([frozenset(row.tolist()) in wanted for row in ends], dtype=bool)


def kernel_reach_sets(topo, sources=None, removed_links=None, removed_ases=None, forbid_transit=None):
    """The fast kernel's answer in the reference's format (ASN -> frozenset of ASNs)."""
    r = reachability(topo, sources, removed_links, removed_ases, forbid_transit, keep_matrix=True)
    return {int(topo.asns[i]): frozenset(topo.asns[r.matrix[k]].tolist()) for k, i in enumerate(r.source_idx)}


@pytest.fixture(params=["reference", "kernel"])
def reach_sets(request):
    """Every hand-drawn case holds for the reference and for the kernel."""
    return reference_reach_sets if request.param == "reference" else kernel_reach_sets


def n_pairs(topo, sources=None, **restrictions):
    """Pair counts agree between the two implementations, so one helper checks both."""
    expected = reference_n_pairs(topo, sources, **restrictions)
    assert reachability(topo, sources, **restrictions).n_pairs() == expected
    return expected


def sets(**by_source):
    return {int(k[1:]): frozenset(v) for k, v in by_source.items()}


# 10 = 20 = 30 = 40 (a peer chain), 20 > 50
PEER_CHAIN = dict(p2c=[(20, 50)], p2p=[(10, 20), (20, 30), (30, 40)])
# 10 > 30 < 20 > 40, 30 = 50
VALLEY = dict(p2c=[(10, 30), (20, 30), (20, 40)], p2p=[(30, 50)])
# 20 > 10, 20 = 30, 30 > 40 > 50, 30 = 60
UP_PEER_DOWN = dict(p2c=[(20, 10), (30, 40), (40, 50)], p2p=[(20, 30), (30, 60)])
# 10 > 20 > 40, 10 > 30 > 50, 10 = 60 = 70
UP_UP_DOWN = dict(p2c=[(10, 20), (10, 30), (20, 40), (30, 50)], p2p=[(10, 60), (60, 70)])
# c2p cycle 10 < 20 < 30 < 10 (10 is 20's customer, ...), 10 > 40, 20 > 50, 30 > 60, 50 = 70
CYCLE = dict(p2c=[(20, 10), (30, 20), (10, 30), (10, 40), (20, 50), (30, 60)], p2p=[(50, 70)])
HAND_DRAWN = [PEER_CHAIN, VALLEY, UP_PEER_DOWN, UP_UP_DOWN, CYCLE]


def test_only_one_peer_hop(reach_sets):
    # 10 -> 20 -> 30 would cross two peer links; 10 -> 20 -> 50 is peer then down.
    assert reach_sets(build(**PEER_CHAIN)) == sets(
        s10={10, 20, 50}, s20={10, 20, 30, 50}, s30={20, 30, 40, 50}, s40={30, 40}, s50={10, 20, 30, 50}
    )


def test_no_valleys(reach_sets):
    # 10 -> 30 -> 20 goes down then up; 10 -> 30 -> 50 goes down then across; 50 -> 30 -> 10 across then up.
    assert reach_sets(build(**VALLEY)) == sets(
        s10={10, 30}, s20={20, 30, 40}, s30={10, 20, 30, 40, 50}, s40={20, 30, 40}, s50={30, 50}
    )


def test_up_peer_down_allowed_but_not_a_second_peer_hop(reach_sets):
    everyone = {10, 20, 30, 40, 50, 60}
    assert reach_sets(build(**UP_PEER_DOWN)) == sets(
        s10=everyone - {60}, s20=everyone - {60}, s30=everyone, s40=everyone, s50=everyone, s60={30, 40, 50, 60}
    )


def test_up_up_peer_and_up_up_down_allowed(reach_sets):
    # 40 -> 20 -> 10 -> 30 -> 50 (up, up, down, down); 40 -> 20 -> 10 -> 60 (up, up, peer); 70 needs two peer hops.
    core = {10, 20, 30, 40, 50, 60}
    assert reach_sets(build(**UP_UP_DOWN)) == sets(
        s10=core, s20=core, s30=core, s40=core, s50=core, s60=core | {70}, s70={60, 70}
    )


def test_customer_provider_cycle_members_reach_each_other_and_their_customers(reach_sets):
    # Only 50 can take the peer link to 70: everyone else arrives at 50 going down.
    cone = {10, 20, 30, 40, 50, 60}
    assert reach_sets(build(**CYCLE)) == sets(
        s10=cone, s20=cone, s30=cone, s40=cone, s50=cone | {70}, s60=cone, s70={50, 70}
    )


def test_removed_links_cannot_be_used(reach_sets):
    topo = build(**UP_UP_DOWN)
    cut = links_between(topo, (10, 30))
    assert cut.sum() == 1
    left = {10, 20, 40, 60}
    assert reach_sets(topo, removed_links=cut) == sets(
        s10=left, s20=left, s30={30, 50}, s40=left, s50={30, 50}, s60=left | {70}, s70={60, 70}
    )
    cut_peer = links_between(topo, (60, 70))
    assert reach_sets(topo, [60, 70], removed_links=cut_peer) == sets(s60={10, 20, 30, 40, 50, 60}, s70={70})
    everything = np.ones(topo.n_links, dtype=bool)
    assert reach_sets(topo, removed_links=everything) == {asn: frozenset({asn}) for asn in topo.asns}


def test_removed_ases_reach_nothing_and_are_not_reached_or_traversed(reach_sets):
    topo = build(**UP_PEER_DOWN)
    gone = topo.mask_of([30])
    expected = sets(s10={10, 20}, s20={10, 20}, s30=set(), s40={40, 50}, s50={40, 50}, s60={60})
    assert reach_sets(topo, removed_ases=gone) == expected
    assert n_pairs(topo, removed_ases=gone) == 4


FORBID_CODES = ("XA", "XB")
# 30 > 20 > 10 and 30 > 40 > 50; countries 10 XA, 20 XB, 30 unknown, 40 XB, 50 XA
FORBID_LINE = dict(
    p2c=[(20, 10), (30, 20), (30, 40), (40, 50)], country={10: "XA", 20: "XB", 40: "XB", 50: "XA"}, codes=FORBID_CODES
)


def test_forbidden_intermediates_are_blocked_but_endpoints_are_not(reach_sets):
    topo = build(**FORBID_LINE)
    xa_may_not_cross_xb = np.array([[False, True], [False, False]])
    everyone = {10, 20, 30, 40, 50}
    # 10 and 50 still reach the XB ASes 20 and 40 as destinations; XB and unknown sources are unrestricted.
    assert reach_sets(topo, forbid_transit=xa_may_not_cross_xb) == sets(
        s10={10, 20}, s20=everyone, s30=everyone, s40=everyone, s50={40, 50}
    )


def test_only_unknown_country_ases_carry_transit_when_everything_is_forbidden(reach_sets):
    topo = build(**FORBID_LINE)
    all_forbidden = np.ones((2, 2), dtype=bool)
    # 20 (XB) is a fine source even though XB -> XB is forbidden; 30 (unknown) carries its traffic;
    # the source 30 has no known country and is never restricted.
    assert reach_sets(topo, forbid_transit=all_forbidden) == sets(
        s10={10, 20}, s20={10, 20, 30, 40}, s30={10, 20, 30, 40, 50}, s40={20, 30, 40, 50}, s50={40, 50}
    )


def test_forbidden_intermediate_is_avoided_through_another_path(reach_sets):
    # 10 (XA) has providers 20 (XB) and 60 (unknown), both customers of 30; 30 > 40 (XB).
    topo = build(
        p2c=[(20, 10), (60, 10), (30, 20), (30, 60), (30, 40)],
        country={10: "XA", 20: "XB", 40: "XB"},
        codes=FORBID_CODES,
    )
    forbid = np.array([[False, True], [False, False]])
    assert reach_sets(topo, [10], forbid_transit=forbid) == sets(s10={10, 20, 30, 40, 60})


def test_sources_subset_and_n_pairs(reach_sets):
    topo = build(**PEER_CHAIN)
    assert reach_sets(topo, [40, 10]) == sets(s10={10, 20, 50}, s40={30, 40})
    assert n_pairs(topo, [40, 10]) == 2 + 1
    assert n_pairs(topo) == 2 + 3 + 3 + 1 + 3
    assert reach_sets(topo, []) == {}
    assert n_pairs(topo, removed_ases=topo.mask_of([20])) == 2  # only 30 = 40 is left


def test_bad_arguments_are_named():
    topo = build(**PEER_CHAIN)
    with pytest.raises(ValueError, match="removed_links"):
        reference_reach_sets(topo, removed_links=np.zeros(topo.n_links + 1, dtype=bool))
    with pytest.raises(TypeError, match="removed_ases"):
        reference_reach_sets(topo, removed_ases=np.zeros(topo.n_ases, dtype=int))
    with pytest.raises(ValueError, match="forbid_transit"):
        reference_reach_sets(topo, forbid_transit=np.zeros((2, 2), dtype=bool))
    with pytest.raises(KeyError):
        reference_reach_sets(topo, [99])


# -- baselines -----------------------------------------------------------------------------------------------


def reference_counts(topo, removed_links=None):
    reach = reference_reach_sets(topo, removed_links=removed_links)
    return np.array([len(reach[asn]) for asn in topo.asns.tolist()])


def random_topology(n_ases: int, n_p2c: int, n_p2p: int, seed: int) -> Topology:
    """Random links (c2p cycles likely), one link at most per AS pair."""
    rng = np.random.default_rng(seed)
    pairs = rng.permutation(np.array(np.triu_indices(n_ases, 1)).T)[: n_p2c + n_p2p]
    pairs = np.where(rng.random((len(pairs), 1)) < 0.5, pairs, pairs[:, ::-1])
    return Topology.from_links(np.arange(1, n_ases + 1) * 10, pairs[:n_p2c], pairs[n_p2c:])


@pytest.mark.parametrize("links", HAND_DRAWN)
@pytest.mark.parametrize("baseline", [scipy_reach_counts, networkx_reach_counts])
def test_baselines_agree_with_reference_on_hand_drawn(links, baseline):
    topo = build(**links)
    every = np.arange(topo.n_ases)
    np.testing.assert_array_equal(baseline(topo, every), reference_counts(topo))
    first_link = np.arange(topo.n_links) == 0
    np.testing.assert_array_equal(baseline(topo, every, first_link), reference_counts(topo, first_link))


@pytest.mark.parametrize("baseline", [scipy_reach_counts, networkx_reach_counts])
def test_baselines_agree_with_reference_on_a_random_graph(baseline):
    topo = random_topology(60, 90, 40, seed=0)
    assert topo.p2c_cycles(), "the random graph should exercise c2p cycles"
    every = np.arange(topo.n_ases)
    expected = reference_counts(topo)
    assert 1 < np.median(expected) and expected.max() < topo.n_ases  # neither trivial nor complete
    np.testing.assert_array_equal(baseline(topo, every), expected)
    np.testing.assert_array_equal(baseline(topo, every[::-7]), expected[::-7])


# -- properties on random small graphs ----------------------------------------------------------------------


def brute_force_reach(topo, source, removed_links, removed_ases, forbid_transit):
    """Indices reached by enumerating simple paths and checking their hop sequence against ``u*p?d*``."""
    hops = {v: [] for v in range(topo.n_ases)}
    for link, (a, b) in enumerate(topo.link_endpoints().tolist()):
        if removed_links[link]:
            continue
        if link < topo.n_p2c:  # a is b's provider
            hops[b].append((a, "u"))
            hops[a].append((b, "d"))
        else:
            hops[a].append((b, "p"))
            hops[b].append((a, "p"))
    src_country = topo.country[source]

    def forbidden(v):
        return src_country >= 0 and topo.country[v] >= 0 and forbid_transit[src_country, topo.country[v]]

    reached = set()

    def extend(path, kinds):
        reached.add(path[-1])
        if len(path) > 1 and forbidden(path[-1]):
            return
        for nbr, kind in hops[path[-1]]:
            if nbr not in path and not removed_ases[nbr] and re.fullmatch("u*p?d*", kinds + kind):
                extend(path + [nbr], kinds + kind)

    if not removed_ases[source]:
        extend([source], "")
    return reached


@PROPERTY
@given(topologies_with_restrictions(allow_none=False, max_ases=8))
def test_reference_matches_simple_path_enumeration(case):
    topo, restr = case
    reach = reference_reach_sets(topo, **restr._asdict())
    for source in range(topo.n_ases):
        expected = brute_force_reach(topo, source, *restr)
        assert reach[int(topo.asns[source])] == frozenset(topo.asns[sorted(expected)].tolist())


@PROPERTY
@given(topologies_with_restrictions())
def test_reach_is_symmetric_without_transit_restrictions(case):
    topo, restr = case
    reach = reference_reach_sets(topo, removed_links=restr.removed_links, removed_ases=restr.removed_ases)
    for s, reached in reach.items():
        for d in reached:
            assert s in reach[d]


@PROPERTY
@given(st.data())
def test_removing_more_links_never_increases_reach(data):
    topo = data.draw(topologies())
    restr = data.draw(restrictions(topo, allow_none=False))
    more = restr.removed_links | data.draw(restrictions(topo, allow_none=False)).removed_links
    before = reference_reach_sets(topo, **restr._asdict())
    after = reference_reach_sets(topo, **restr._replace(removed_links=more)._asdict())
    assert all(after[asn] <= before[asn] for asn in before)


@PROPERTY
@given(st.booleans().flatmap(lambda with_cycles: topologies_with_restrictions(with_cycles=with_cycles)))
def test_baselines_agree_with_reference_on_random_acyclic_and_cyclic_graphs(case):
    topo, restr = case
    expected = reference_counts(topo, restr.removed_links)
    every = np.arange(topo.n_ases)
    np.testing.assert_array_equal(scipy_reach_counts(topo, every, restr.removed_links), expected)
    np.testing.assert_array_equal(networkx_reach_counts(topo, every, restr.removed_links), expected)
