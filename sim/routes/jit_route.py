"""The routes kernel compiled (numba): the three phases of :mod:`sim.routes.kernel` over tiles of ``TILE`` columns.

A tile holds every transit row's keys for 16 destination columns (``(n_transit, TILE)`` int64: two cache lines per
row, about a megabyte on the 2016 graph, within one core's cache), so all three phases run on data in cache and
each edge is read once per tile for its 16 columns:

1. **customer routes**, breadth-first by length from the origins' rows (and the rows that hear a stub destination
   directly): a frontier row offers, in every lane where its key is a customer route of this round's length, one
   hop more to its providers; a provider improved in some lane joins the next round's frontier;
2. **peer routes**: every row that holds a customer route in some lane offers those lanes one hop longer to its
   transit peers (a peer route never beats a customer route, so the offers may land in place);
3. **provider routes**, by levels of the provider hierarchy from the top: each row takes the minimum of its
   providers' keys one hop longer; a level's customer→provider cycle is closed by repeating its edges until
   nothing changes.

Keys are the numpy kernel's (:class:`sim.routes.kernel.Keys`), so a minimum chooses the route exactly as there and
the two kernels write the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.routes.kernel import Keys
from sim.routes.plan import RoutePlan

TILE = 16  # columns routed together


@dataclass(frozen=True)
class TileNet:
    """The transit graph of one plan as the compiled kernel reads it: rows, not AS indices, CSR arrays."""

    transit: np.ndarray  # (n_t,) AS index of each row: the next hop a row's offers carry
    up_ptr: np.ndarray  # providers of each row
    up_row: np.ndarray
    peer_ptr: np.ndarray  # transit peers of each row
    peer_row: np.ndarray
    order: np.ndarray  # rows by level of the provider hierarchy, the top first
    level_ptr: np.ndarray  # rows order[level_ptr[l]:level_ptr[l + 1]] form level l
    low_ptr: np.ndarray  # per position of ``order``: its providers in higher levels
    low_row: np.ndarray
    cyc_ptr: np.ndarray  # per position of ``order``: its providers in its own level (a c2p cycle)
    cyc_row: np.ndarray
    sp_ptr: np.ndarray  # (n + 1,): per stub AS, the rows hearing it directly (its transit providers and peers)
    sp_row: np.ndarray
    sp_rank: np.ndarray  # 0: a provider of the stub (a customer route), 1: a peer

    def arrays(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__dataclass_fields__)


def _csr(n_rows: int, rows: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return (ptr, *(np.ascontiguousarray(c[order], np.int64) for c in cols))


def tile_net(plan: RoutePlan) -> TileNet:
    """The plan's transit graph laid out for :func:`route_tiles`."""
    n_t, row_of = len(plan.transit), plan.row_of
    up_ptr, up_row = _csr(n_t, row_of[plan.up.src], row_of[plan.up.dst])
    peer_ptr, peer_row = _csr(n_t, row_of[plan.peer.src], row_of[plan.peer.dst])
    level = plan.down_levels.level[plan.transit]
    order = np.argsort(level, kind="stable")
    position = np.empty(n_t, np.int64)
    position[order] = np.arange(n_t)
    level_ptr = np.searchsorted(level[order], np.arange(plan.down_levels.n_levels + 1)).astype(np.int64)
    src, dst = row_of[plan.down.src], row_of[plan.down.dst]
    same = level[src] == level[dst]
    low_ptr, low_row = _csr(n_t, position[dst[~same]], src[~same])
    cyc_ptr, cyc_row = _csr(n_t, position[dst[same]], src[same])
    heard_src = np.concatenate([plan.stub_prov.src, plan.stub_peer.src])
    heard_dst = np.concatenate([plan.stub_prov.dst, plan.stub_peer.dst])
    rank = np.repeat([0, 1], [len(plan.stub_prov), len(plan.stub_peer)])
    transit_ear = row_of[heard_src] >= 0
    sp_ptr, sp_row, sp_rank = _csr(plan.n, heard_dst[transit_ear], row_of[heard_src[transit_ear]], rank[transit_ear])
    transit = np.ascontiguousarray(plan.transit, np.int64)
    return TileNet(transit, up_ptr, up_row, peer_ptr, peer_row, order.astype(np.int64), level_ptr, low_ptr, low_row,
                   cyc_ptr, cyc_row, sp_ptr, sp_row, sp_rank)  # fmt: skip


def route_block(net: TileNet, keys: Keys, plan: RoutePlan, anchors: np.ndarray, out: np.ndarray) -> None:
    """The compiled :func:`sim.routes.kernel.route_block`: every transit row's key to each column ``anchors``,
    written into ``out[:, k]`` for column k."""
    route_tiles(out, np.ascontiguousarray(anchors, np.int64), plan.row_of, keys.shift, keys.rank_shift,
                int(keys.none), *net.arrays())  # fmt: skip


@njit(nogil=True, cache=True)
def route_tiles(out, anchors, row_of, shift, rank_shift, none, transit, up_ptr, up_row, peer_ptr, peer_row, order,
                level_ptr, low_ptr, low_row, cyc_ptr, cyc_row, sp_ptr, sp_row, sp_rank):  # fmt: skip
    n_t, W = out.shape
    Kt = np.empty((n_t, TILE), np.int64)
    front = np.empty(n_t, np.int64)
    nxt = np.empty(n_t, np.int64)
    cust = np.empty(n_t, np.int64)
    stamp = np.full(n_t, -1, np.int64)  # the last round a row joined the frontier
    in_cust = np.zeros(n_t, np.bool_)
    for c0 in range(0, W, TILE):
        T = min(TILE, W - c0)
        _route_tile(Kt, T, anchors[c0 : c0 + T], row_of, shift, rank_shift, none, transit, up_ptr, up_row,
                    peer_ptr, peer_row, order, level_ptr, low_ptr, low_row, cyc_ptr, cyc_row, sp_ptr, sp_row,
                    sp_rank, front, nxt, cust, stamp, in_cust)  # fmt: skip
        for r in range(n_t):
            for t in range(T):
                out[r, c0 + t] = Kt[r, t]


@njit(nogil=True, cache=True)
def _route_tile(Kt, T, anchors, row_of, shift, rank_shift, none, transit, up_ptr, up_row, peer_ptr, peer_row, order,
                level_ptr, low_ptr, low_row, cyc_ptr, cyc_row, sp_ptr, sp_row, sp_rank, front, nxt, cust, stamp,
                in_cust):  # fmt: skip
    len_mask = (1 << (rank_shift - shift)) - 1
    one = 1 << shift
    peer_rank = 1 << rank_shift
    provider_rank = 2 << rank_shift
    Kt[:, :] = none
    lanes = np.empty(TILE, np.int64)
    offers = np.empty(TILE, np.int64)
    # the origins (length 0) and the rows hearing a stub destination (length 1)
    n_front = 0
    n_next = 0
    n_cust = 0
    for t in range(T):
        a = anchors[t]
        r = row_of[a]
        if r >= 0:
            Kt[r, t] = a
            if stamp[r] != 0:
                stamp[r] = 0
                front[n_front] = r
                n_front += 1
        else:
            for e in range(sp_ptr[a], sp_ptr[a + 1]):
                h = sp_row[e]
                key = (sp_rank[e] << rank_shift) | one | a
                if key < Kt[h, t]:
                    Kt[h, t] = key
                if sp_rank[e] == 0 and stamp[h] != 1:
                    stamp[h] = 1
                    nxt[n_next] = h
                    n_next += 1
    # 1. customer routes, breadth-first by length
    k = 0
    if n_front == 0:  # no transit origin: the first round is the rows hearing the stub destination
        for i in range(n_next):
            front[i] = nxt[i]
        n_front, n_next, k = n_next, 0, 1
    while n_front > 0:
        for i in range(n_front):
            r = front[i]
            if not in_cust[r]:
                in_cust[r] = True
                cust[n_cust] = r
                n_cust += 1
            offer = ((k + 1) << shift) | transit[r]
            for e in range(up_ptr[r], up_ptr[r + 1]):
                p = up_row[e]
                better = False
                for t in range(T):
                    if (Kt[r, t] >> shift) == k and offer < Kt[p, t]:  # rank 0 and length k: this round's
                        Kt[p, t] = offer
                        better = True
                if better and stamp[p] != k + 1:
                    stamp[p] = k + 1
                    nxt[n_next] = p
                    n_next += 1
        for i in range(n_next):
            front[i] = nxt[i]
        n_front, n_next = n_next, 0
        k += 1
    # 2. the peer hop from every customer route: most rows hold one in a few lanes, which alone are offered
    for i in range(n_cust):
        r = cust[i]
        in_cust[r] = False
        stamp[r] = -1
        via = peer_rank | transit[r]
        n_l = 0
        for t in range(T):
            key = Kt[r, t]
            if (key >> rank_shift) == 0:
                lanes[n_l] = t
                offers[n_l] = via | (((key >> shift) & len_mask) + 1) << shift
                n_l += 1
        for e in range(peer_ptr[r], peer_ptr[r + 1]):
            q = peer_row[e]
            for j in range(n_l):
                t = lanes[j]
                if offers[j] < Kt[q, t]:
                    Kt[q, t] = offers[j]
    # 3. provider routes, by levels from the top
    for lvl in range(len(level_ptr) - 1):
        for i in range(level_ptr[lvl], level_ptr[lvl + 1]):
            for e in range(low_ptr[i], low_ptr[i + 1]):
                _offer_down(Kt, T, low_row[e], order[i], transit, shift, rank_shift, len_mask, provider_rank)
        changed = cyc_ptr[level_ptr[lvl + 1]] > cyc_ptr[level_ptr[lvl]]  # a c2p cycle: repeat until stable
        while changed:
            changed = False
            for i in range(level_ptr[lvl], level_ptr[lvl + 1]):
                for e in range(cyc_ptr[i], cyc_ptr[i + 1]):
                    if _offer_down(Kt, T, cyc_row[e], order[i], transit, shift, rank_shift, len_mask, provider_rank):
                        changed = True


@njit(nogil=True, cache=True, inline="always")
def _offer_down(Kt, T, p, c, transit, shift, rank_shift, len_mask, provider_rank):
    """Row ``p``'s routes offered to its customer row ``c`` one hop longer, as provider routes; whether a lane
    improved."""
    via = provider_rank | transit[p]
    better = False
    for t in range(T):
        key = Kt[p, t]
        if (key >> rank_shift) != 3:
            offer = via | (((key >> shift) & len_mask) + 1) << shift
            if offer < Kt[c, t]:
                Kt[c, t] = offer
                better = True
    return better
