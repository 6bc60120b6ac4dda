"""The best-path propagation over a block of destination columns, rows for the transit ASes.

Each (transit AS, destination) entry holds a **key** in one unsigned word, ordered as BGP's decision process::

    class rank (2 bits: customer or origin 0, peer 1, provider 2, none 3) | length | next-hop index

so choosing a route is a plain minimum: the better class, then the shorter path, then the lower next-hop index
(indices follow ASNs: the lower next-hop ASN). "No route" is rank 3 with every other bit set; extending it by a
hop carries into a free top bit, so missing routes never win a minimum and need no masking, and ``RouteClass`` is
``3 - rank``. Per block:

1. **customer routes**, breadth-first by length and sparse: the entries of length ``k`` (a few dozen per
   destination on the Internet: its upstream cone) offer length ``k + 1`` to their providers;
2. **peer routes**, one hop: every customer entry is offered one hop longer to the row's peers, row by row for
   rows with customer routes in many of the block's columns (``DENSE_PEERS``), entry by entry for the others;
3. **provider routes**, dense, by levels of the provider hierarchy from the top: each AS takes the minimum of
   its providers' keys, extended once per provider row; customer→provider cycles share a level and are closed
   by a fixpoint inside it.

Gathers run in cache-sized chunks and targets in rounds of equal in-edge rank (as in :mod:`sim.reach.kernel`), so
loops run over lengths, levels and rounds, never over ASes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.arrays import expand_ranges, runs, unique_sorted
from sim.backend import Backend
from sim.reach.plan import Edges, Levels
from sim.routes.plan import RoutePlan
from sim.routes.route_class import RouteClass

# Size thresholds: they choose paths and chunk sizes, never results. Read at call time, so that tests can force
# them small (unittest.mock.patch.object) and run every path on small graphs.
TALL = 24  # targets with more in-edges than this are reduced on their own
SCRATCH_BYTES = 4 << 20  # rows gathered at once
GROUP_BYTES = 32 << 20  # target rows updated at once
PEER_CHUNK = 1 << 21  # sparse offers expanded at once
DENSE_PEERS = 0.1  # a row holding customer routes in more than this share of the block's columns offers them to its
#                    peers row by row (dense), the others entry by entry (sparse)


@dataclass(frozen=True)
class Keys:
    """The key layout of one plan: ``rank << rank_shift | length << shift | next_hop`` in ``dtype``, the bit above
    the rank free."""

    dtype: type
    shift: int  # bits of the next-hop index
    rank_shift: int  # shift + bits of the length

    @classmethod
    def for_plan(cls, n: int, max_length: int) -> Keys:
        shift = max(1, (n - 1).bit_length())
        rank_shift = shift + (max_length + 1).bit_length()  # length + 1 never carries into the rank
        return cls(np.uint32 if rank_shift + 3 <= 32 else np.uint64, shift, rank_shift)  # + the free top bit

    def word(self, value: int):
        return self.dtype(value)

    @property
    def none(self):
        """The key of no route: rank 3, every other bit set."""
        return self.word((1 << (self.rank_shift + 2)) - 1)

    def make(self, rank: int, length, via) -> np.ndarray:
        """Keys of the given rank, lengths and next hops (arrays of one shape, or scalars)."""
        length = np.asarray(length).astype(self.dtype) << self.word(self.shift)
        return length | np.asarray(via).astype(self.dtype) | self.word(rank << self.rank_shift)

    def decode(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(next_hop, length, route_class)`` of stored keys: AS index (-1: none), AS hops, :class:`RouteClass`
        value (``ORIGIN`` for rank 0 at length 0)."""
        rank = (key >> self.word(self.rank_shift)).astype(np.int64)
        length = ((key >> self.word(self.shift)) & self.word((1 << (self.rank_shift - self.shift)) - 1)).astype(
            np.int64
        )
        hop = (key & self.word((1 << self.shift) - 1)).astype(np.int64)
        none = rank == 3
        cls = np.where((rank == 0) & (length == 0), RouteClass.ORIGIN, 3 - rank).astype(np.uint8)
        hop[none], length[none] = -1, 0
        return hop, length, cls

    def peer_offer(self, rows: np.ndarray, via: np.ndarray) -> np.ndarray:
        """In place: what the ASes ``via`` (one per row) offer their peers: their customer routes (rank 0, the
        origin's own included) as peer routes one hop longer; no route for anything else."""
        keep = (rows >> self.word(self.rank_shift)) == 0
        rows &= self.word(((1 << self.rank_shift) - 1) ^ ((1 << self.shift) - 1))
        rows += self.word(1 << self.shift)
        rows |= (via.astype(self.dtype) | self.word(1 << self.rank_shift))[:, None]
        np.copyto(rows, self.none, where=~keep)
        return rows

    def provider_offer(self, rows: np.ndarray, via: np.ndarray) -> np.ndarray:
        """In place: what the ASes ``via`` (one per row) offer their customers: their keys as provider routes one
        hop longer. The rank bits are set before the hop is added, so that a missing route (length bits all set)
        carries into the free top bit: its offer lies above every key and never wins a minimum."""
        rank_bits = ((1 << (self.rank_shift + 2)) - 1) ^ ((1 << self.rank_shift) - 1)
        np.bitwise_and(rows, self.word(~((1 << self.shift) - 1) & ((1 << (8 * rows.itemsize)) - 1)), out=rows)
        rows |= self.word(rank_bits)
        rows += self.word(1 << self.shift)
        rows ^= self.word(1 << self.rank_shift)  # rank 3 → 2, the provider rank
        rows |= via.astype(self.dtype)[:, None]
        return rows


def relax(acc, pos, src_arr, src_row) -> None:
    """``acc[pos[k]] = min(acc[pos[k]], src_arr[src_row[k]])`` for every k; positions may repeat.

    Targets with many in-edges are reduced chunk by chunk; the others in rounds: round r takes the r-th in-edge of
    every target having more than r, targets sorted by in-degree so that the round's rows form a prefix.
    """
    if len(pos) == 0:
        return
    width = acc.shape[1]
    chunk = max(1, SCRATCH_BYTES // (acc.itemsize * width))
    scratch = np.empty((chunk, width), acc.dtype)
    order = np.argsort(pos, kind="stable")
    pos, src_row = pos[order], src_row[order]
    tgt, start, deg = runs(pos)
    for t, s, d in zip(*(a[deg > TALL] for a in (tgt, start, deg)), strict=True):
        for c0 in range(s, s + d, chunk):
            c1 = min(c0 + chunk, s + d)
            buf = scratch[: c1 - c0]
            np.take(src_arr, src_row[c0:c1], axis=0, out=buf)
            np.minimum(acc[t], buf.min(axis=0), out=acc[t])
    short = deg <= TALL
    by_deg = np.argsort(-deg[short], kind="stable")
    tgt, start, deg = tgt[short][by_deg], start[short][by_deg], deg[short][by_deg]
    group = max(1, GROUP_BYTES // (acc.itemsize * width))
    for g0 in range(0, len(tgt), group):
        t, s, d = tgt[g0 : g0 + group], start[g0 : g0 + group], deg[g0 : g0 + group]
        tmp = acc[t]
        for r in range(int(d[0]) if len(d) else 0):
            m = int(np.count_nonzero(d > r))
            edge = s[:m] + r
            for c0 in range(0, m, chunk):
                c1 = min(c0 + chunk, m)
                buf = scratch[: c1 - c0]
                np.take(src_arr, src_row[edge[c0:c1]], axis=0, out=buf)
                np.minimum(tmp[c0:c1], buf, out=tmp[c0:c1])
        acc[t] = tmp


def _csr(n_rows: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))]), cols[order]


def _spread(flat, width, entries, offer, indptr, nbr_row, found: list | None = None) -> None:
    """Sparse offers: entry ``entries[k]`` (a flat index ``row * width + col``) offers ``offer[k]`` to every
    neighbour row of its row, in its column; ``found`` collects the entries offered to."""
    rows, cols = np.divmod(entries, width)
    deg = indptr[rows + 1] - indptr[rows]
    cum = np.cumsum(deg)
    step = max(PEER_CHUNK, 1)
    cuts = np.searchsorted(cum, np.arange(step, int(cum[-1]) if len(cum) else 0, step))
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(rows)], strict=True):
        cnt = deg[lo:hi]
        targets = nbr_row[expand_ranges(indptr[rows[lo:hi]], cnt)] * width + np.repeat(cols[lo:hi], cnt)
        np.minimum.at(flat, targets, np.repeat(offer[lo:hi], cnt))
        if found is not None:
            found.append(targets)


def _customer_and_peer(K, plan: RoutePlan, keys: Keys, origins: np.ndarray, heard: np.ndarray) -> None:
    """Customer routes breadth-first by length from the origins' entries (length 0) and the entries of stub
    destinations' providers (``heard``, length 1), flat indices into ``K``; then the peer hop from all of them."""
    n_t, width = K.shape
    flat = K.reshape(-1)
    row_of = plan.row_of
    up_ptr, up_nbr = _csr(n_t, row_of[plan.up.src], row_of[plan.up.dst])
    customer, frontier, k = [], origins, 0
    while len(frontier) or k == 0:
        customer.append(frontier)
        found: list = []
        _spread(flat, width, frontier, keys.make(0, k + 1, plan.transit[frontier // width]), up_ptr, up_nbr, found)
        k += 1
        reached = unique_sorted(np.concatenate(found + ([heard] if k == 1 else [])))
        frontier = reached[(flat[reached] >> keys.word(keys.shift)) == k]  # rank 0, length k: new this round
    entries = np.concatenate(customer)
    dense = np.bincount(entries // width, minlength=n_t) > DENSE_PEERS * width
    heavy = np.flatnonzero(dense)
    offers = keys.peer_offer(K[heavy], plan.transit[heavy])  # before any peer route lands: customer routes only
    local = np.full(n_t, -1, np.int64)
    local[heavy] = np.arange(len(heavy))
    e = plan.peer.select(dense[row_of[plan.peer.src]])
    relax(K, row_of[e.dst], offers, local[row_of[e.src]])
    del offers
    entries = entries[~dense[entries // width]]
    length = (flat[entries] >> keys.word(keys.shift)) & keys.word((1 << (keys.rank_shift - keys.shift)) - 1)
    peer_ptr, peer_nbr = _csr(n_t, row_of[plan.peer.src], row_of[plan.peer.dst])
    offer = keys.make(1, length + keys.word(1), plan.transit[entries // width])
    _spread(flat, width, entries, offer, peer_ptr, peer_nbr)


def _by_level(edges: Edges, lv: Levels) -> list[tuple[Edges, Edges]]:
    """Per level of the target: (edges from lower levels, edges inside the level's cycles)."""
    lsrc, ldst = lv.level[edges.src], lv.level[edges.dst]
    order = np.argsort(ldst, kind="stable")
    bounds = np.searchsorted(ldst[order], np.arange(lv.n_levels + 1))
    out = []
    for lvl in range(lv.n_levels):
        sel = order[bounds[lvl] : bounds[lvl + 1]]
        out.append((edges.select(sel[lsrc[sel] < lvl]), edges.select(sel[lsrc[sel] == lvl])))
    return out


def _provider_routes(K, plan: RoutePlan, keys: Keys) -> None:
    """Provider routes by levels from the top. ``offer[r]``, row ``r``'s key as its customers receive it, is
    computed once per provider row when its level is done; a cycle's rows are re-offered until nothing changes."""
    row_of = plan.row_of
    offer = np.empty_like(K)
    is_provider = np.zeros(len(plan.transit), bool)
    is_provider[row_of[plan.down.src]] = True
    lv = plan.down_levels
    level_rows = [np.flatnonzero(is_provider & (lv.level[plan.transit] == lvl)) for lvl in range(lv.n_levels)]
    for lvl, (lower, cyc) in enumerate(_by_level(plan.down, lv)):
        relax(K, row_of[lower.dst], offer, row_of[lower.src])
        if len(cyc):
            targets, pos = np.unique(row_of[cyc.dst], return_inverse=True)
            while True:
                cur = K[targets]
                new = cur.copy()
                np.minimum.at(new, pos, keys.provider_offer(K[row_of[cyc.src]], cyc.src))
                if np.array_equal(new, cur):
                    break
                K[targets] = new
        rows = level_rows[lvl]
        offer[rows] = keys.provider_offer(K[rows], plan.transit[rows])


def route_block(plan: RoutePlan, keys: Keys, anchors: np.ndarray, out: np.ndarray) -> None:
    """Routes of every transit AS to the destination columns ``anchors`` (transit ASes or stub-class
    representatives): their keys, written into ``out[:, k]`` for column k (see :meth:`Keys.decode`)."""
    n_t, width = len(plan.transit), len(anchors)
    K = np.full((n_t, width), keys.none, keys.dtype)
    col_of = np.full(plan.n, -1, np.int64)
    col_of[anchors] = np.arange(width)
    is_transit = plan.row_of[anchors] >= 0
    origins = plan.row_of[anchors[is_transit]] * width + np.flatnonzero(is_transit)
    K.reshape(-1)[origins] = anchors[is_transit].astype(keys.dtype)  # rank 0, length 0, next hop itself
    heard = plan.stub_prov.select(col_of[plan.stub_prov.dst] >= 0)  # a stub destination's providers
    heard_at = plan.row_of[heard.src] * width + col_of[heard.dst]
    K.reshape(-1)[heard_at] = keys.make(0, 1, heard.dst)
    heard = plan.stub_peer.select((col_of[plan.stub_peer.dst] >= 0) & (plan.row_of[plan.stub_peer.src] >= 0))
    K[plan.row_of[heard.src], col_of[heard.dst]] = keys.make(1, 1, heard.dst)  # and its transit peers

    _customer_and_peer(K, plan, keys, np.sort(origins), unique_sorted(heard_at))
    _provider_routes(K, plan, keys)
    out[:] = K


def block_router(
    plan: RoutePlan, keys: Keys, backend: Backend = Backend.NUMPY, net=None
) -> Callable[[np.ndarray, np.ndarray], None]:
    """``route(anchors, out)``: :func:`route_block` for one plan, or its compiled twin
    (:mod:`sim.routes.jit_route`, the same keys) with the numba backend, on ``net`` (the plan's
    :class:`~sim.routes.jit_route.TileNet`, made here when not given)."""
    if backend is Backend.NUMBA:
        from sim.routes import jit_route

        return partial(jit_route.route_block, jit_route.tile_net(plan) if net is None else net, keys, plan)
    return partial(route_block, plan, keys)
