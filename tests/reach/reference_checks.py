"""Checks shared by the reachability tests: a kernel result against the networkx reference."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from sim.data.topology import Topology
from sim.reach.reference import reference_reach_sets
from tests.strategies import Restrictions


def expected_reductions(topo: Topology, reach: dict[int, frozenset]):
    """Every reduction, computed the slow way from reference reach sets."""
    n_slots = len(topo.country_codes) + 1
    slot = {int(a): (c if c >= 0 else n_slots - 1) for a, c in zip(topo.asns, topo.country, strict=True)}
    dest = dict.fromkeys(slot, 0)
    pairs = np.zeros((n_slots, n_slots), np.int64)
    for s, ds in reach.items():
        for d in ds - {s}:
            dest[d] += 1
            pairs[slot[s], slot[d]] += 1
    per_source = [len(reach[int(topo.asns[i])] - {int(topo.asns[i])}) for i in sorted(topo.asn_to_idx(list(reach)))]
    return sum(dest.values()), np.array([dest[int(a)] for a in topo.asns]), pairs, np.array(per_source)


def assert_matches_reference(r, topo, restr: Restrictions, sources=None, transit_exempt=None, reach_any=None):
    """Reach sets and every reduction of ``r`` equal the reference's."""
    expected = reference_reach_sets(topo, sources, **restr._asdict(), transit_exempt=transit_exempt)
    got = {int(topo.asns[i]): frozenset(topo.asns[r.matrix[k]].tolist()) for k, i in enumerate(r.source_idx)}
    assert got == expected
    n_pairs, dest, pairs, per_source = expected_reductions(topo, expected)
    assert r.n_pairs() == n_pairs
    assert np.array_equal(r.dest_counts, dest)
    assert np.array_equal(r.country_pairs, pairs)
    assert np.array_equal(r.source_counts, per_source)
    for name, in_set in (reach_any or {}).items():
        targets = set(topo.asns[in_set].tolist())
        assert r.reach_any[name].tolist() == [bool(expected[int(a)] & targets) for a in topo.asns[r.source_idx]]


REDUCTIONS = ("source_idx", "dest_counts", "source_counts", "country_pairs", "matrix")


def assert_same(a, b):
    """Two reachability results agree on every reduction and every ``reach_any`` set."""
    assert a.n_pairs() == b.n_pairs()
    for name in REDUCTIONS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.reach_any.keys() == b.reach_any.keys()
    for name in a.reach_any:
        assert np.array_equal(a.reach_any[name], b.reach_any[name]), name


def masks(data, n: int) -> np.ndarray:
    """A drawn boolean mask over ``n`` ASes (``data``: hypothesis ``st.data()``)."""
    return np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
