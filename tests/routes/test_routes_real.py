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


def _walked_measures(r, topo, dsts):
    """Transit load, dependence numerators and denominators, and path lengths from each destination's full
    tree (``routes_to``, checked against the reference elsewhere), by subtree sizes over all ASes."""
    from sim.routes.measures import destination_weights

    slot, weight = topo.country_slot, destination_weights(topo)
    load = np.zeros(topo.n_ases)
    num = np.zeros((topo.n_slots, topo.n_ases))
    den = np.zeros(topo.n_slots)
    lengths = np.zeros(64)
    for d in dsts:
        hop, length, cls = r.routes_to(d)
        di = int(topo.asn_to_idx(d)[0])
        src = (cls != RouteClass.NONE) & (np.arange(topo.n_ases) != di)
        foreign = src & (slot != slot[di])
        size, fsize = src.astype(np.float64), foreign.astype(np.float64)
        for depth in range(int(length.max()), 1, -1):
            at = np.flatnonzero(src & (length == depth))
            np.add.at(size, hop[at], size[at])
            np.add.at(fsize, hop[at], fsize[at])
        inter = src & (length >= 1)
        load[inter] += size[inter] - 1
        num[slot[di], inter] += weight[di] * (fsize[inter] - foreign[inter])
        den[slot[di]] += weight[di] * foreign.sum()
        lengths += np.bincount(length[src], minlength=64)[:64]
    return load, num, den, lengths


def test_real_2016_measures_equal_the_walked_trees(real_topology):
    """Transit load, country dependence and path lengths over sampled destinations of every kind (transit, stub
    class, branch) equal the sums over their full trees."""
    topo = real_topology
    rng = np.random.default_rng(1)
    plan_kind = routes(topo, [int(topo.asns[0])]).plan.kind
    sample = np.concatenate([rng.choice(np.flatnonzero(plan_kind == k), 8, replace=False) for k in (1, 2, 3)])
    dsts = topo.asns[np.sort(sample)].tolist()
    r = routes(topo, dsts, measures=True)
    load, num, den, lengths = _walked_measures(r, topo, dsts)
    got = r.transit_load()
    expected = np.zeros(topo.n_ases)
    expected[topo.asn_to_idx(got["asn"].to_numpy())] = got["pairs"].to_numpy()
    assert np.array_equal(expected, load)
    pl = r.path_lengths()
    assert np.array_equal(pl["pairs"].to_numpy(), lengths[pl["length"].to_numpy()])
    assert lengths.sum() == pl["pairs"].sum()
    for s in np.unique(topo.country_slot[sample]):
        if s == len(topo.country_codes):
            continue
        dep = r.country_dependence(topo.country_codes[s])
        share = np.zeros(topo.n_ases)
        share[topo.asn_to_idx(dep["asn"].to_numpy())] = dep["share"].to_numpy()
        assert np.allclose(share, num[s] / den[s], rtol=1e-9, atol=1e-12)
