"""The routes kernel on the real 2016 graph: route holders equal reachability for every destination, and the
trees of a sample of destinations of every kind agree with the reference's stable-state rules."""

from __future__ import annotations

import numpy as np

from sim.reach.api import reachability
from sim.routes.api import routes
from sim.routes.plan import DestKind
from sim.routes.route_class import RouteClass

BLOCK = 4096  # destinations whose holders are built at once: 4,096 × 55,809 booleans


def test_real_2016_route_holders_are_the_reachable_ases(real_topology):
    """For every destination, as many ASes hold a route to it as reachability finds reaching it, and every AS
    holds routes to as many destinations as it reaches; for 2,048 sampled destinations, the very sets.

    Comparing the sets of all 55,809 destinations takes minutes, most of it unpacking reachability's matrix (done
    when the kernel was written: equal for every destination); the counts of every destination and every source
    pin the rest."""
    topo = real_topology
    r = routes(topo)
    assert len(r.plan.transit) == 8422 and len(r.anchors) == 25889
    reach = reachability(topo, per_source=True)  # valley-free paths are symmetric: reaching d = reached from d
    per_dst, per_src = np.zeros(topo.n_ases, np.int64), np.zeros(topo.n_ases, np.int64)
    for b0 in range(0, topo.n_ases, BLOCK):
        holders = r.holders(topo.asns[b0 : b0 + BLOCK])
        per_dst[b0 : b0 + BLOCK] = holders.sum(axis=1)
        per_src += holders.sum(axis=0)
    assert np.array_equal(per_dst, reach.dest_counts + 1)  # the counts leave out s = d
    assert np.array_equal(per_src, reach.source_counts + 1)
    sample = np.sort(np.random.default_rng(0).choice(topo.n_ases, 2048, replace=False))
    exact = reachability(topo, topo.asns[sample].tolist(), keep_matrix=True)
    assert np.array_equal(r.holders(topo.asns[sample]), exact.matrix)


def test_real_2016_trees_of_every_kind_are_consistent(real_topology):
    """For sampled destinations of each kind: one row per holder, next hops are neighbours of the right
    relationship, lengths grow by one along next hops, and paths end at the destination."""
    topo = real_topology
    rng = np.random.default_rng(0)
    plan_kind = routes(topo, [int(topo.asns[0])]).plan.kind
    sample = np.concatenate([rng.choice(np.flatnonzero(plan_kind == k), 5, replace=False) for k in (1, 2, 3)])
    r = routes(topo, topo.asns[sample].tolist())
    rel = {}
    for p, c in zip(topo.asns[topo.provider].tolist(), topo.asns[topo.customer].tolist(), strict=True):
        rel[(p, c)], rel[(c, p)] = RouteClass.CUSTOMER, RouteClass.PROVIDER
    for a, b in zip(topo.asns[topo.peer_a].tolist(), topo.asns[topo.peer_b].tolist(), strict=True):
        rel[(a, b)] = rel[(b, a)] = RouteClass.PEER
    for d, kind in zip(topo.asns[sample].tolist(), plan_kind[sample].tolist(), strict=True):
        tree = r.tree(d).set_index("asn")
        assert kind in (DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH)
        assert set(tree.index) == set(topo.asns[r.holders([d])[0]].tolist())
        others = tree.drop(index=d)
        length_of_next = tree["length"].reindex(others["next_hop"]).to_numpy()
        assert np.array_equal(others["length"].to_numpy(), length_of_next + 1)
        got = [RouteClass[c.upper()] for c in others["route_class"]]
        assert got == [rel[(a, h)] for a, h in zip(others.index, others["next_hop"], strict=True)]
        far = int(tree["length"].idxmax())
        assert r.path(far, d)[-1] == d and len(r.path(far, d)) == tree.loc[far, "length"] + 1
