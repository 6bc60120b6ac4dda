"""Preparation for the routes kernel: the effective graph after removals, the processing order of its transit ASes,
and how each destination's routes follow from a computed column. Index arithmetic only (no per-AS Python loops).

Only **transit** ASes (alive, with an alive customer) hold rows in the kernel. A stub never carries a route for
anyone (it exports its peer and provider routes to customers, and has none), so:

- **as a source**, a stub's route is a function of its providers' and peers' rows, computed when a tree is asked for;
- **as a destination**, a stub needs no column of its own: a *branch* stub (one provider, no peer) has the routes of
  its provider one hop longer; stubs with the same providers and peers (a *class*) share one column, the
  representative's, in which a next hop equal to the representative means the destination itself.

So columns exist for transit destinations and for class representatives only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sim.data.topology import Topology
from sim.reach.plan import Edges, Levels, levels, stub_classes


class DestKind(IntEnum):
    """How a destination's routes are obtained."""

    REMOVED = 0  #: gone: nobody has a route to it
    TRANSIT = 1  #: its own column
    CLASS = 2  #: its stub class representative's column, the representative read as the destination
    BRANCH = 3  #: its only provider's column, one hop longer; no peers
    ALONE = 4  #: an alive stub without providers and peers: only itself


@dataclass(frozen=True)
class RoutePlan:
    """The effective graph of one routes question, in kernel order."""

    n: int
    alive: np.ndarray  # (n,) bool
    stub: np.ndarray  # (n,) bool: alive, no alive customer
    transit: np.ndarray  # (n_transit,) AS indices, ascending: row i of the kernel's arrays
    row_of: np.ndarray  # (n,) int64: transit row of an AS, -1 for stubs and removed ASes
    up: Edges  # customer → provider, both transit
    peer: Edges  # peer → peer (both directions), both transit
    down: Edges  # provider → customer, both transit
    up_levels: Levels
    down_levels: Levels
    stub_prov: Edges  # provider → stub (alive links)
    stub_peer: Edges  # peer → stub (alive links; the peer may be a stub)
    kind: np.ndarray  # (n,) int8 DestKind of each AS as a destination
    anchor: np.ndarray  # (n,) int64: the AS whose column serves it (itself, its representative, its provider), -1
    max_length: int  # an upper bound on the AS hops of any route


def _length_bound(n_alive: int, up: Levels, down: Levels) -> int:
    """Hops of a valley-free simple path: a stub at each end, the transit ASes up and down (one per level, more
    inside a customer→provider cycle), one peer hop."""
    in_cycles = int(up.in_cycle.sum())  # a cycle's members share a level, and a path may cross them all
    return int(min(max(n_alive - 1, 0), up.n_levels + down.n_levels + 2 * in_cycles + 1))


def make_plan(topo: Topology, removed_links: np.ndarray | None, removed_ases: np.ndarray | None) -> RoutePlan:
    n = topo.n_ases
    alive = np.ones(n, bool) if removed_ases is None else ~removed_ases
    link_ok = np.ones(topo.n_links, bool) if removed_links is None else ~removed_links
    ends = topo.link_endpoints()
    link_ok &= alive[ends[:, 0]] & alive[ends[:, 1]]
    c2p_ok, p2p_ok = link_ok[: topo.n_p2c], link_ok[topo.n_p2c :]
    prov, cust = topo.provider[c2p_ok].astype(np.int64), topo.customer[c2p_ok].astype(np.int64)
    pa, pb = topo.peer_a[p2p_ok].astype(np.int64), topo.peer_b[p2p_ok].astype(np.int64)
    has_customer = np.zeros(n, bool)
    has_customer[prov] = True
    stub = alive & ~has_customer
    transit = np.flatnonzero(alive & has_customer)
    row_of = np.full(n, -1, np.int64)
    row_of[transit] = np.arange(len(transit))

    down_all = Edges(prov, cust)
    peer_all = Edges(np.concatenate([pa, pb]), np.concatenate([pb, pa]))
    down = down_all.select(has_customer[down_all.dst])
    up = Edges(down.dst, down.src)
    peer = peer_all.select(has_customer[peer_all.src] & has_customer[peer_all.dst])
    up_levels = levels(n, transit, up)
    down_levels = levels(n, transit, down)
    stub_prov = down_all.select(stub[down_all.dst])
    stub_peer = peer_all.select(stub[peer_all.dst])

    n_prov = np.bincount(stub_prov.dst, minlength=n)
    n_peer = np.bincount(stub_peer.dst, minlength=n)
    kind = np.full(n, DestKind.REMOVED, np.int8)
    anchor = np.full(n, -1, np.int64)
    kind[transit], anchor[transit] = DestKind.TRANSIT, transit
    branch = stub & (n_prov == 1) & (n_peer == 0)
    kind[branch] = DestKind.BRANCH
    anchor[stub_prov.dst[branch[stub_prov.dst]]] = stub_prov.src[branch[stub_prov.dst]]
    alone = stub & (n_prov == 0) & (n_peer == 0)
    kind[alone], anchor[alone] = DestKind.ALONE, np.flatnonzero(alone)
    in_class = stub & ~branch & ~alone
    if in_class.any():
        cls = stub_classes(n, in_class, np.zeros(n, np.int64), stub_prov, stub_peer)
        kind[in_class] = DestKind.CLASS
        anchor[cls.members] = cls.rep[cls.member_class]
    return RoutePlan(
        n=n,
        alive=alive,
        stub=stub,
        transit=transit,
        row_of=row_of,
        up=up,
        peer=peer,
        down=down,
        up_levels=up_levels,
        down_levels=down_levels,
        stub_prov=stub_prov,
        stub_peer=stub_peer,
        kind=kind,
        anchor=anchor,
        max_length=_length_bound(int(alive.sum()), up_levels, down_levels),
    )
