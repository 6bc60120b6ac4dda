"""Reachability kept up to date across the steps of a run: after a step that cuts or restores a few links, only the
pairs that can have changed are recomputed, exactly; a large change falls back to a full pass.

Which pairs can change? A valley-free path uses a customer→provider link ``c → p`` either going up (then its
source lies in ``c``'s customer cone) or going down (then its destination does); it uses a peer link ``a — b``
going up to ``a`` (source in ``a``'s cone) and down from ``b`` (destination in ``b``'s cone). So every pair whose
answer changes has its source or its destination in the set ``A`` of ASes below the changed links: the customer
cones of their lower ends in the graph *before* the change. A path lost used a cut link, which was there before; a
path gained uses a restored link, and below the first restored link it crosses only links that were there before.
Without transit restrictions reachability is symmetric, so the rows of ``A`` give its columns too: the
reachability rows of ``A`` before and after the change are computed (two calls from ``|A|`` sources), and their
differences update the pair total, the per-destination counts and the country × country counts. The ``reach_any``
sets are recomputed in one pass with one bit per set (symmetry again).

A step that changes nothing (links, transit restrictions, exempt ASes) returns the previous result, whatever the
sources. A step whose restrictions and sources an earlier call answered (this run's or another run's on the same
topology: the runs of a sweep worker, see :class:`ResultMemo`) takes that answer. Everything else — sampled
sources, transit restrictions, removed ASes that change, ``A`` larger than ``max_affected_frac`` of the ASes — is
a full call with the reused plan.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np

from sim.arrays import expand_ranges, unique_sorted
from sim.data.topology import Topology
from sim.reach.api import ReachResult, Restrictions, reachability
from sim.reach.checks import check_forbid, check_mask
from sim.reach.reuse import ReachPlan, digest, plan_reachability
from sim.reach.whatif import reach_sets

CHUNK = 2048  # affected sources per kernel call: bounds the (sources × ASes) boolean matrices to ~110 MB on 2016


def below(topo: Topology, seeds: np.ndarray, link_ok: np.ndarray) -> np.ndarray:
    """(n_ases,) bool: the ``seeds`` and every AS below one of them by provider→customer links present in
    ``link_ok`` (the union of their customer cones). Frontier by frontier, O(depth) vectorized steps."""
    cust = topo.customers
    inside = np.zeros(topo.n_ases, bool)
    inside[seeds] = True
    frontier = np.flatnonzero(inside)
    while len(frontier):
        counts = cust.indptr[frontier + 1] - cust.indptr[frontier]
        at = expand_ranges(cust.indptr[frontier], counts)
        nxt = cust.nbr[at][link_ok[cust.link[at]]]
        nxt = nxt[~inside[nxt]]
        inside[nxt] = True
        frontier = unique_sorted(nxt)
    return inside


class ResultMemo:
    """Answers of :class:`IncrementalReach` by what determines them (sources, restrictions), shared by the trackers
    of one topology: the runs of a sweep worker on a shared topology often ask the same question (two mechanisms
    that cut the same links by a step). Holds the most recently used answers, at most ``max_bytes`` of arrays.

    The key covers every argument of the call but the topology and plan, which a memo is made for: keep one memo
    per topology (a :class:`sim.model.world.World` holds one).
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._held: OrderedDict[bytes, tuple[ReachResult, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> ReachResult | None:
        with self._lock:
            hit = self._held.get(key)
            if hit is None:
                return None
            self._held.move_to_end(key)
            return hit[0]

    def put(self, key: bytes, result: ReachResult) -> None:
        """Keep ``result`` under ``key``; its arrays become read-only (the runs that take it share them)."""
        for a in _arrays(result):
            a.flags.writeable = False
        size = sum(a.nbytes for a in _arrays(result))
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._held:
                return
            self._held[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, freed) = self._held.popitem(last=False)
                self._bytes -= freed

    def __len__(self) -> int:
        return len(self._held)


def _arrays(r: ReachResult) -> list[np.ndarray]:
    arrays = [r.source_idx, r.dest_counts, r.source_counts, r.country_pairs, r.matrix, *r.reach_any.values()]
    arrays += [getattr(r.restrictions, f.name) for f in dataclasses.fields(r.restrictions)]
    return [a for a in arrays if isinstance(a, np.ndarray)]


class IncrementalReach:
    """Reachability of one run's successive steps (module doc).

    Parameters
    ----------
    topology : Topology
    sources : iterable of ASNs, optional
        Fixed for the run; default all ASes (exact all-pairs, the only case updated incrementally).
    sampled, per_source : bool
        As in :func:`sim.reachability`.
    reach_any : mapping of name → (n_ases,) bool, optional
        As in :func:`sim.reachability`.
    plan : ReachPlan, optional
        The topology's plan, reused by every call (made here when not given).
    max_affected_frac : float
        Above this share of the ASes below the changed links, a step is a full pass. The default (0.5%, 280 ASes
        on the 2016 graph) is about where two calls from the affected sources and the ``reach_any`` pass cost as
        much as one full call there.
    memo : ResultMemo, optional
        Answers shared with the other trackers of ``topology`` (the same results, fewer calls).

    Notes
    -----
    An incremental step costs two kernel calls from the ``|A|`` affected sources (with their boolean rows, in
    chunks of ``CHUNK``) and one pass with a bit per ``reach_any`` set, instead of one call from every AS.
    Results are identical to :func:`sim.reachability` with the same arguments (an all-pairs ``source_counts``
    equals ``dest_counts`` by symmetry).
    """

    def __init__(
        self,
        topology: Topology,
        sources=None,
        *,
        sampled: bool = False,
        per_source: bool | None = None,
        reach_any=None,
        plan: ReachPlan | None = None,
        max_affected_frac: float = 0.005,
        memo: ResultMemo | None = None,
    ):
        if not 0.0 <= max_affected_frac <= 1.0:
            raise ValueError(f"max_affected_frac must be in [0, 1], got {max_affected_frac!r}")
        self.topology = topology
        self.sources = None if sources is None else list(sources)
        self.sampled, self.per_source = sampled, per_source
        self.reach_any = dict(reach_any or {})
        self.plan = plan_reachability(topology) if plan is None else plan
        self.plan.check(topology)
        self.max_affected_frac = max_affected_frac
        self.memo = memo
        self._asked = digest(  # what every call asks besides its restrictions
            None if self.sources is None else np.asarray(self.sources, np.int64),
            sampled,
            per_source,
            *(x for name in sorted(self.reach_any) for x in (name, np.asarray(self.reach_any[name], bool))),
        )
        self.last: ReachResult | None = None
        self.n_full = self.n_incremental = self.n_unchanged = self.n_memo = 0  # how the steps were answered

    def update(self, removed_links=None, forbid_transit=None, transit_exempt=None) -> ReachResult:
        """Reachability with ``removed_links`` cut (arguments as in :func:`sim.reachability`)."""
        topo = self.topology
        removed = check_mask("removed_links", removed_links, topo.n_links)
        removed = np.zeros(topo.n_links, bool) if removed is None else removed.copy()
        forbid = check_forbid(forbid_transit, len(topo.country_codes))
        forbid = forbid if forbid is not None and forbid.any() else None
        exempt = check_mask("transit_exempt", transit_exempt, topo.n_ases)
        last = self.last
        if last is not None and self._same(last.restrictions, removed, forbid, exempt):
            self.n_unchanged += 1
            return last
        key = digest(self._asked, removed, forbid, exempt) if self.memo is not None else None
        result = self.memo.get(key) if key is not None else None
        if result is not None:
            self.n_memo += 1
            self.last = result
            return result
        if last is not None and self.sources is None and forbid is None and last.restrictions.forbid_transit is None:
            result = self._incremental(last, removed)
        if result is None:
            self.n_full += 1
            result = reachability(
                topo,
                self.sources,
                removed_links=removed,
                forbid_transit=forbid,
                transit_exempt=exempt,
                reach_any=self.reach_any,
                per_source=self.per_source,
                sampled=self.sampled,
                plan=self.plan,
            )
        else:
            self.n_incremental += 1
        self.last = result = dataclasses.replace(result, restrictions=Restrictions(removed, None, forbid, exempt))
        if key is not None:
            self.memo.put(key, result)
        return result

    @staticmethod
    def _same(r: Restrictions, removed, forbid, exempt) -> bool:
        def equal(a, b):
            return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))

        return (
            np.array_equal(r.removed_links, removed)
            and equal(r.forbid_transit, forbid)
            and equal(r.transit_exempt, exempt)
        )

    def _incremental(self, last: ReachResult, removed: np.ndarray) -> ReachResult | None:
        topo = self.topology
        old = last.restrictions.removed_links
        changed = np.flatnonzero(old != removed)
        c2p, p2p = changed[changed < topo.n_p2c], changed[changed >= topo.n_p2c] - topo.n_p2c
        seeds = np.concatenate([topo.customer[c2p], topo.peer_a[p2p], topo.peer_b[p2p]])
        affected = np.flatnonzero(below(topo, seeds, ~old))
        if len(affected) > self.max_affected_frac * topo.n_ases:
            return None
        in_a = np.zeros(topo.n_ases, bool)
        in_a[affected] = True
        slot = topo.country_slot
        total, dest, pairs = last.n_pairs(), last.dest_counts.copy(), last.country_pairs.copy()
        for c0 in range(0, len(affected), CHUNK):
            a_idx = affected[c0 : c0 + CHUNK]
            asns = topo.asns[a_idx].tolist()
            before, after = (
                reachability(topo, asns, removed_links=cut, keep_matrix=True, plan=self.plan).matrix
                for cut in (old, removed)
            )
            row, x = np.nonzero(before != after)
            v = np.where(after[row, x], 1, -1).astype(np.int64)
            a = a_idx[row]
            # the pair (a, x), and by symmetry (x, a) when x is outside A (inside, its own row counts it)
            out = ~in_a[x]
            total += int(v.sum() + v[out].sum())
            np.add.at(dest, x, v)
            np.add.at(dest, a[out], v[out])
            np.add.at(pairs, (slot[a], slot[x]), v)
            np.add.at(pairs, (slot[x[out]], slot[a[out]]), v[out])
        reached = reach_sets(topo, self.reach_any, removed_links=removed, plan=self.plan)
        return dataclasses.replace(
            last,
            dest_counts=dest,
            source_counts=None if last.source_counts is None else dest.copy(),
            country_pairs=pairs,
            _n_pairs=total,
            reach_any={name: hit[last.source_idx] for name, hit in reached.items()},
        )
