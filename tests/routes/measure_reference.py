"""The path measures counted pair by pair from the reference routes: walk every chosen path, count what it
crosses. Slow and obviously right; the ground truth of sim.routes' measures."""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.routes.measures import destination_weights
from sim.routes.reference import reference_routes


def reference_exposure(topo, destinations=None, removed_links=None, removed_ases=None):
    """``(pairs, via)``: ``{(A, B): (paths, crossing a third country)}`` and ``{(A, B, X): paths crossing X}``
    over every source and the given destinations, ASes of unknown country left out as ends."""
    code = [topo.country_codes[c] if c >= 0 else None for c in topo.country.tolist()]
    cc_of = dict(zip(topo.asns.tolist(), code, strict=True))
    pairs: dict = {}
    via: Counter = Counter()
    for dst in topo.asns.tolist() if destinations is None else destinations:
        tree = reference_routes(topo, dst, removed_links, removed_ases)
        b = cc_of[dst]
        for src in tree:
            a = cc_of[src]
            if src == dst or a is None or b is None:
                continue
            path = [src]
            while path[-1] != dst:
                path.append(tree[path[-1]].next_hop)
            crossed = {cc_of[h] for h in path[1:-1]} - {a, b, None}
            n, third = pairs.get((a, b), (0, 0))
            pairs[(a, b)] = (n + 1, third + bool(crossed))
            for x in crossed:
                via[(a, b, x)] += 1
    return pairs, dict(via)


def reference_measures(topo, destinations=None, removed_links=None, removed_ases=None):
    """``(load, dependence, lengths)``: ``{asn: pairs}`` of intermediates, ``{cc: {asn: share}}``, and
    ``{length: pairs}`` over every source and the given destinations (default all)."""
    code = {i: (topo.country_codes[c] if c >= 0 else None) for i, c in enumerate(topo.country.tolist())}
    weight = dict(zip(topo.asns.tolist(), destination_weights(topo).tolist(), strict=True))
    cc_of = {int(a): code[i] for i, a in enumerate(topo.asns.tolist())}
    load, lengths = Counter(), Counter()
    num: dict[str, Counter] = {}
    den: Counter = Counter()
    for dst in topo.asns.tolist() if destinations is None else destinations:
        tree = reference_routes(topo, dst, removed_links, removed_ases)
        cc = cc_of[dst]
        for src, route in tree.items():
            if src == dst:
                continue
            path = [src]
            while path[-1] != dst:
                path.append(tree[path[-1]].next_hop)
            assert len(path) == route.length + 1
            lengths[route.length] += 1
            for hop in path[1:-1]:
                load[hop] += 1
            if cc is not None and cc_of[src] != cc:
                den[cc] += weight[dst]
                for hop in path[1:-1]:
                    num.setdefault(cc, Counter())[hop] += weight[dst]
    dependence = {cc: {a: v / den[cc] for a, v in c.items()} for cc, c in num.items()}
    return dict(load), dependence, dict(lengths)


def measured(r, topo):
    """The same three from a :class:`RoutesResult` computed with ``measures=True``."""
    load = dict(zip(r.transit_load()["asn"].tolist(), r.transit_load()["pairs"].tolist(), strict=True))
    dependence = {}
    for cc in topo.country_codes:
        dep = r.country_dependence(cc)
        if len(dep):
            dependence[cc] = dict(zip(dep["asn"].tolist(), dep["share"].tolist(), strict=True))
    pl = r.path_lengths()
    return load, dependence, dict(zip(pl["length"].tolist(), pl["pairs"].tolist(), strict=True))


def assert_measures_match(r, topo, destinations=None, removed_links=None, removed_ases=None) -> None:
    load, dependence, lengths = measured(r, topo)
    ref_load, ref_dep, ref_lengths = reference_measures(topo, destinations, removed_links, removed_ases)
    assert lengths == ref_lengths
    assert load == ref_load
    assert dependence.keys() == ref_dep.keys()
    for cc, shares in ref_dep.items():
        assert dependence[cc].keys() == shares.keys(), cc
        for asn, share in shares.items():
            assert np.isclose(dependence[cc][asn], share, rtol=1e-9, atol=1e-12), (cc, asn)
    assert_concentration_matches(r, ref_dep)


def assert_concentration_matches(r, ref_dep) -> None:
    """``dependence_concentration()``: each country's squared shares summed, and its top share and AS (one of
    those with the largest share: equal shares computed in two orders may differ in the last bit), from the
    reference's shares."""
    conc = r.dependence_concentration()
    assert set(ref_dep) <= set(conc["country"])
    assert (conc["paths"] > 0).all()
    for cc, hhi, top, top_asn in conc[["country", "hhi", "top_share", "top_asn"]].itertuples(index=False):
        shares = ref_dep.get(cc, {})
        assert np.isclose(hhi, sum(v * v for v in shares.values()), rtol=1e-9, atol=1e-12), cc
        best = max(shares.values(), default=0.0)
        assert np.isclose(top, best, rtol=1e-9, atol=1e-12), cc
        tied = [a for a, v in shares.items() if np.isclose(v, best, rtol=1e-9, atol=1e-12)]
        assert top_asn in tied if shares else top_asn == -1, cc


def assert_exposure_matches(r, topo, destinations=None, removed_links=None, removed_ases=None) -> None:
    pairs, via = reference_exposure(topo, destinations, removed_links, removed_ases)
    got = r.exposure()
    assert {
        (a, b): (n, c) for a, b, n, c in got[["source", "destination", "paths", "crossing"]].itertuples(index=False)
    } == pairs
    got = r.exposure(via=True)
    assert {
        (a, b, x): n for a, b, x, n in got[["source", "destination", "via", "paths"]].itertuples(index=False)
    } == via


def reference_stretch(topo, destinations=None, removed_links=None, removed_ases=None):
    """``(change, lost)``: ``{length now - length before: pairs}`` over the ordered pairs with a route both before
    (no removals) and after the removals, and the pairs with a route before and none after."""
    change: Counter = Counter()
    lost = 0
    for dst in topo.asns.tolist() if destinations is None else destinations:
        before = reference_routes(topo, dst)
        after = reference_routes(topo, dst, removed_links, removed_ases)
        for src, route in before.items():
            if src == dst:
                continue
            if src in after:
                change[after[src].length - route.length] += 1
            else:
                lost += 1
    return dict(change), lost


def assert_stretch_matches(r, topo, destinations=None, removed_links=None, removed_ases=None) -> None:
    change, lost = reference_stretch(topo, destinations, removed_links, removed_ases)
    got = r.stretch()
    assert dict(zip(got["change"].tolist(), got["pairs"].tolist(), strict=True)) == change
    assert r.lost_routes() == lost
