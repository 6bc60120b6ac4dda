"""A reachability plan made once per topology and reused by every call that only takes things away.

Planning (levels, pruned edges, stub classes) costs a third of an all-pairs call on the 2016 graph, and a model
run changes only which links are cut, which ASes are gone and which transit is forbidden. Removing links or ASes
never invalidates the plan of the whole topology:

- **levels**: a processing order of the full c2p graph stays an order of any of its subgraphs; a c2p cycle that a
  removal breaks leaves members sharing a level, still closed by the fixpoint inside the level;
- **transit rows**: an AS that has lost all its customers keeps its row (its up row is then its own bit), and an
  AS that is gone keeps a row that nothing reaches and that holds no source bit;
- **pruned edges**: an edge is dropped while *any* of its justifications (two links, see
  :func:`sim.reach.plan.redundant_edges`) is still present; every justification of the full graph is kept, so
  an edge comes back exactly when all of its own are cut;
- **stub classes**: stubs whose incoming edges all keep their fate stay in their class (a new representative when
  the old one left); the others are grouped again among themselves.

Specialising the plan to one call's removals is a few gathers over the links (:meth:`ReachPlan.restrict`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import weakref
from collections import OrderedDict

import numpy as np

from sim.data.topology import Topology
from sim.reach.plan import Cover, Edges, Plan, classes_of, group_stubs, make_plan, redundant_edges, stub_classes


@dataclasses.dataclass(frozen=True, eq=False)
class _Variant:
    """The whole topology's plan for one pruning mode, with what restricting it needs."""

    plan: Plan
    down_all: Edges  # every down edge, with link ids (the plan's down edges are the kept ones)
    peer_all: Edges
    down_kept: np.ndarray  # (len(down_all),) bool: kept in the whole topology's plan
    peer_kept: np.ndarray
    down_cover: Cover | None  # None: nothing is pruned
    peer_cover: Cover | None
    class_of: np.ndarray  # (n,) int64: stub class of each stub of the whole topology, -1 for other ASes


def topology_fingerprint(topo: Topology) -> str:
    """A digest of what a plan depends on: the links (ids and ends) and the ASes' country slots."""
    h = hashlib.blake2b(digest_size=16)
    for arr in (topo.provider, topo.customer, topo.peer_a, topo.peer_b, topo.country_slot):
        h.update(np.ascontiguousarray(arr).view(np.uint8))
        h.update(np.int64(len(arr)).tobytes())
    return h.hexdigest()


def _variant(plan: Plan, down_all: Edges, peer_all: Edges, down_cover, peer_cover) -> _Variant:
    down_kept = np.ones(len(down_all), bool) if down_cover is None else ~down_cover.covered(len(down_all))
    peer_kept = np.ones(len(peer_all), bool) if peer_cover is None else ~peer_cover.covered(len(peer_all))
    class_of = np.full(plan.n, -1, np.int64)
    class_of[plan.classes.members] = plan.classes.member_class
    return _Variant(plan, down_all, peer_all, down_kept, peer_kept, down_cover, peer_cover, class_of)


class ReachPlan:
    """The plan of one topology for :func:`sim.reachability`, reusable across removals (module doc).

    Make one with :func:`plan_reachability`. It holds two variants: pruned (calls without transit restrictions)
    and unpruned (with them, where every AS filters the bits it forwards and no edge is redundant). Made with
    ``prune=False`` it holds the unpruned one only, without stub classes for the whole topology (each stub its own
    row; a restricted plan still groups the stubs whose edges changed), and answers every call with it (the same
    results): the search for redundant edges is most of the planning and grouping the stubs most of the rest, and
    each pays only over several calls.

    Attributes
    ----------
    topology : Topology
        The topology it was made for.
    fingerprint : str
        :func:`topology_fingerprint` of it: a plan is accepted for another ``Topology`` object with the same links
        and countries.
    """

    def __init__(self, topology: Topology, prune: bool = True):
        if not isinstance(topology, Topology):
            raise TypeError(f"topology must be a Topology, got {type(topology).__name__}")
        self.topology = topology
        self.fingerprint = topology_fingerprint(topology)
        self._ends = topology.link_endpoints()
        full = make_plan(topology, None, None, prune=False, group=prune)
        unpruned = _variant(full, full.down, full.peer, None, None)
        self._recent: OrderedDict[tuple, Plan] = OrderedDict()  # the last restrictions made (a step asks again)
        self._lock = threading.Lock()
        if not prune:
            self._variants = {True: unpruned, False: unpruned}
            return
        by_cust, down_cover, peer_cover = redundant_edges(
            full.n,
            full.down,
            full.peer,
            full.alive & ~full.stub,
            full.down_levels.level,
            full.up_levels.level,
            exhaustive=True,  # every justification: an edge must come back only when all of its own are cut
        )
        down = by_cust.select(~down_cover.covered(len(by_cust)))
        peer = full.peer.select(~peer_cover.covered(len(full.peer)))
        classes = stub_classes(full.n, full.stub, topology.country_slot, down, peer)
        pruned = dataclasses.replace(full, down=down, peer=peer, classes=classes)
        self._variants = {True: _variant(pruned, by_cust, full.peer, down_cover, peer_cover), False: unpruned}

    def __repr__(self) -> str:
        p = self._variants[True].plan
        return (
            f"ReachPlan({self.topology.name or 'topology'!r}: {p.n:,} ASes, {len(p.transit):,} transit rows, "
            f"{len(p.classes.rep):,} stub classes)"
        )

    def check(self, topology: Topology) -> None:
        """Raise ``ValueError`` unless this plan was made for ``topology`` (the same links and countries)."""
        if topology is self.topology:
            return
        if topology.n_ases != self.topology.n_ases or topology.n_links != self.topology.n_links:
            raise ValueError(
                f"plan was made for another topology ({self.topology.n_ases:,} ASes, {self.topology.n_links:,} "
                f"links), not this one ({topology.n_ases:,} ASes, {topology.n_links:,} links): "
                "make one with sim.plan_reachability(topology)"
            )
        if topology_fingerprint(topology) != self.fingerprint:
            raise ValueError(
                "plan was made for another topology (same size, other links or countries): "
                "make one with sim.plan_reachability(topology)"
            )

    def restrict(self, removed_links: np.ndarray | None, removed_ases: np.ndarray | None, prune: bool) -> Plan:
        """The plan of one call: the whole topology's, minus the removed links and ASes (checked masks or None).

        Complexity: O(n_links + n_justifications) vectorized work, plus regrouping the stubs whose incoming
        edges changed.
        """
        v = self._variants[bool(prune)]
        if removed_links is None and removed_ases is None:
            return v.plan
        key = (id(v), digest(removed_links, removed_ases))
        with self._lock:
            made = self._recent.get(key)
        if made is None:
            made = self._restrict(v, removed_links, removed_ases)
        with self._lock:
            self._recent[key] = made
            self._recent.move_to_end(key)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return made

    def _restrict(self, v: _Variant, removed_links, removed_ases) -> Plan:
        topo = self.topology
        alive = np.ones(topo.n_ases, bool) if removed_ases is None else ~removed_ases
        link_ok = np.ones(topo.n_links, bool) if removed_links is None else ~removed_links
        link_ok &= alive[self._ends[:, 0]] & alive[self._ends[:, 1]]
        if link_ok.all() and alive.all():
            return v.plan
        base = v.plan
        keep = []
        for edges, cover in ((v.down_all, v.down_cover), (v.peer_all, v.peer_cover)):
            ok = link_ok[edges.link]
            if cover is not None:
                ok &= ~cover.covered(len(edges), link_ok)
            keep.append(ok)
        down, peer = v.down_all.select(keep[0]), v.peer_all.select(keep[1])
        stub = base.stub & alive
        changed = np.zeros(topo.n_ases, bool)
        changed[v.down_all.dst[keep[0] != v.down_kept]] = True
        changed[v.peer_all.dst[keep[1] != v.peer_kept]] = True
        classes = self._classes(v, stub, changed & stub, down, peer)
        return dataclasses.replace(
            base,
            alive=alive,
            stub=stub,
            up=base.up.select(link_ok[base.up.link]),
            down=down,
            peer=peer,
            classes=classes,
        )

    def _classes(self, v: _Variant, stub: np.ndarray, changed: np.ndarray, down: Edges, peer: Edges):
        """Stub classes after removals: unchanged stubs stay with their class, the changed ones regroup."""
        n = len(stub)
        stay = np.flatnonzero(stub & ~changed)  # ascending: the first member of each class becomes its rep
        cls = v.class_of[stay]
        first = np.full(len(v.plan.classes.rep), n, np.int64)
        np.minimum.at(first, cls, stay)
        rep_of = np.full(n, -1, np.int64)
        rep_of[stay] = first[cls]
        if changed.any():
            moved = np.flatnonzero(changed)
            rep_of[moved] = group_stubs(n, changed, self.topology.country_slot, down, peer)[moved]
        stubs = np.flatnonzero(stub)
        return classes_of(stubs, rep_of[stubs], self.topology.country_slot)


RECENT = 4  # restricted plans kept per ReachPlan


def digest(*parts) -> bytes:
    """One key for arrays (bool masks packed) and plain values (None included): the caches of restricted plans
    and of reachability answers (:class:`sim.reach.incremental.ResultMemo`)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        if isinstance(part, np.ndarray):
            data = np.packbits(part) if part.dtype == bool else np.ascontiguousarray(part)
            h.update(repr((part.dtype.str, part.shape)).encode())
            h.update(data.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.digest()


def plan_reachability(topology: Topology, prune: bool = True) -> ReachPlan:
    """Plan reachability on ``topology`` once, for every later call that removes links or ASes or restricts
    transit: ``sim.reachability(topology, ..., plan=plan)``.

    Parameters
    ----------
    topology : Topology
    prune : bool
        Search the redundant edges once, for calls without transit restrictions (their kernel then skips them):
        about 0.3 s on the 2016 graph, repaid over a few dozen calls from a few hundred sources. ``False`` plans
        in about 0.03 s, without the whole topology's stub classes either (each stub its own row: about 5 ms more
        a call from 1,024 sources, 35 ms from all), for a topology asked about a few times (a model's world after
        links are bought).

    Returns
    -------
    ReachPlan
        Valid for ``topology`` and any ``Topology`` with the same links and countries; not for one with links
        added (plan again: new links can change the levels).

    Raises
    ------
    TypeError
        ``topology`` is not a :class:`~sim.data.topology.Topology`.

    Notes
    -----
    Costs about one unpruned plan plus the search for redundant edges (about 0.5 s on the 2016 graph); each call
    that reuses it then pays only :meth:`ReachPlan.restrict`, O(n_links) gathers. Results are identical to a
    freshly planned call.
    """
    return ReachPlan(topology, prune)


_SHARED: weakref.WeakKeyDictionary[Topology, ReachPlan] = weakref.WeakKeyDictionary()


def shared_plan(topology: Topology) -> ReachPlan:
    """The plan of this topology object, made on first request and kept while the object lives: the runs of a
    sweep worker and the case studies of one experiment, which share a cached topology, plan it once."""
    if topology not in _SHARED:
        _SHARED[topology] = plan_reachability(topology)
    return _SHARED[topology]
