"""The level-synchronous best-path propagation over a block of destination columns.

Each (transit AS, destination) entry holds a **key** ``length << shift | next_hop`` in one unsigned word, so the
decision process within a class is a plain minimum: the shorter route, then the lower next-hop index (indices
follow ASNs, so the lower next-hop ASN). ``inf`` (every bit below the top one) means no route; extending it by a
hop gives a value above ``inf``, so no-route entries never win a minimum and need no masking. Per block:

1. **up** (customer routes): providers level by level from the bottom take the best of their customers' keys, one
   hop longer; the origin (or, for a stub class, the providers that hear it directly) seeds the column;
2. **peer** (one hop): each AS without a customer route takes the best customer route of its peers, expanded
   from the customer entries only (a few dozen per destination on the Internet: the sparse phase);
3. **down** (provider routes): ASes without a customer or peer route, level by level from the top, take the best
   route of any class of their providers.

Customer→provider cycles share a level and are closed by a fixpoint inside it. Gathers run in cache-sized chunks
and targets in rounds of equal in-edge rank (as in :mod:`sim.reach.kernel`), so loops run over levels and rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import expand_ranges, runs
from sim.reach.plan import Edges, Levels
from sim.routes.plan import RoutePlan
from sim.routes.route_class import RouteClass

# Size thresholds: they choose paths and chunk sizes, never results. Read at call time, so that tests can force
# them small (unittest.mock.patch.object) and run every path on small graphs.
TALL = 24  # targets with more in-edges than this are reduced on their own
SCRATCH_BYTES = 4 << 20  # rows gathered at once
GROUP_BYTES = 32 << 20  # target rows updated at once
PEER_CHUNK = 1 << 21  # peer-phase candidates expanded at once


@dataclass(frozen=True)
class Keys:
    """The key encoding of one plan: ``length << shift | next_hop`` in ``dtype``; ``inf`` = no route."""

    dtype: type
    shift: int
    inf: np.unsignedinteger
    high: np.unsignedinteger  # the length bits
    one: np.unsignedinteger  # one hop

    @classmethod
    def for_plan(cls, n: int, max_length: int) -> Keys:
        shift = max(1, (n - 1).bit_length())
        bits = shift + max(1, (max_length + 1).bit_length()) + 1  # the top bit stays free: inf + one fits
        dtype = np.uint32 if bits <= 32 else np.uint64
        width = 8 * np.dtype(dtype).itemsize
        inf = (1 << (width - 1)) - 1
        return cls(dtype, shift, dtype(inf), dtype(inf & ~((1 << shift) - 1)), dtype(1 << shift))

    def extend(self, rows: np.ndarray, via: np.ndarray) -> np.ndarray:
        """In place: the keys of ``rows`` one hop longer, learned from the ASes ``via`` (one per row)."""
        np.bitwise_and(rows, self.high, out=rows)
        rows += self.one
        rows |= via.astype(self.dtype)[:, None]
        return rows


def relax(acc, pos, src_arr, src_row, via, keys: Keys) -> None:
    """``acc[pos[k]] = min(acc[pos[k]], extend(src_arr[src_row[k]], via[k]))`` for every k; positions may repeat.

    Targets with many in-edges are reduced chunk by chunk; the others in rounds: round r takes the r-th in-edge of
    every target having more than r, targets sorted by in-degree so that the round's rows form a prefix.
    """
    if len(pos) == 0:
        return
    width = acc.shape[1]
    chunk = max(1, SCRATCH_BYTES // (acc.itemsize * width))
    scratch = np.empty((chunk, width), acc.dtype)
    order = np.argsort(pos, kind="stable")
    pos, src_row, via = pos[order], src_row[order], via[order]
    tgt, start, deg = runs(pos)
    for t, s, d in zip(*(a[deg > TALL] for a in (tgt, start, deg)), strict=True):
        for c0 in range(s, s + d, chunk):
            c1 = min(c0 + chunk, s + d)
            buf = scratch[: c1 - c0]
            np.take(src_arr, src_row[c0:c1], axis=0, out=buf)
            np.minimum(acc[t], keys.extend(buf, via[c0:c1]).min(axis=0), out=acc[t])
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
                np.minimum(tmp[c0:c1], keys.extend(buf, via[edge[c0:c1]]), out=tmp[c0:c1])
        acc[t] = tmp


def _by_level(row_of: np.ndarray, edges: Edges, lv: Levels) -> list[tuple[Edges, Edges]]:
    """Per level of the target: (edges from lower levels, edges inside the level's cycles)."""
    lsrc, ldst = lv.level[edges.src], lv.level[edges.dst]
    order = np.argsort(ldst, kind="stable")
    bounds = np.searchsorted(ldst[order], np.arange(lv.n_levels + 1))
    out = []
    for lvl in range(lv.n_levels):
        sel = order[bounds[lvl] : bounds[lvl + 1]]
        out.append((edges.select(sel[lsrc[sel] < lvl]), edges.select(sel[lsrc[sel] == lvl])))
    return out


def _close_cycles(K, row_of, e: Edges, keys: Keys, fixed) -> None:
    """Fixpoint of the minimum over edges inside customer→provider cycles; ``fixed`` entries never change."""
    dst_rows, src_rows = row_of[e.dst], row_of[e.src]
    targets, pos = np.unique(dst_rows, return_inverse=True)
    while True:
        cur = K[targets]
        acc = cur.copy()
        np.minimum.at(acc, pos, keys.extend(K[src_rows], e.src))
        if fixed is not None:
            acc = np.where(fixed[targets], cur, acc)
        if np.array_equal(acc, cur):
            return
        K[targets] = acc


def _up(K, plan: RoutePlan, keys: Keys) -> None:
    row_of = plan.row_of
    for lower, cyc in _by_level(row_of, plan.up, plan.up_levels):
        relax(K, row_of[lower.dst], K, row_of[lower.src], lower.src, keys)
        if len(cyc):
            _close_cycles(K, row_of, cyc, keys, None)


def _peer(K, P, plan: RoutePlan, keys: Keys) -> np.ndarray:
    """Peer routes into ``K`` where it has no customer route; returns the customer-route mask."""
    cust = K != keys.inf
    rows, cols = np.nonzero(cust)
    by_src = plan.peer.select(np.argsort(plan.row_of[plan.peer.src], kind="stable"))
    n_t, width = K.shape
    deg = np.bincount(plan.row_of[by_src.src], minlength=n_t)
    indptr = np.concatenate([[0], np.cumsum(deg)])
    dst_row = plan.row_of[by_src.dst]
    offer = keys.extend(K[rows, cols][:, None], plan.transit[rows])[:, 0]
    cum = np.cumsum(deg[rows])
    cuts = np.searchsorted(cum, np.arange(PEER_CHUNK, int(cum[-1]) if len(cum) else 0, max(PEER_CHUNK, 1)))
    flat = P.reshape(-1)
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(rows)], strict=True):
        cnt = deg[rows[lo:hi]]
        e = expand_ranges(indptr[rows[lo:hi]], cnt)
        np.minimum.at(flat, dst_row[e] * width + np.repeat(cols[lo:hi], cnt), np.repeat(offer[lo:hi], cnt))
    np.copyto(K, P, where=~cust)
    return cust


def _down(K, fixed, plan: RoutePlan, keys: Keys) -> None:
    row_of = plan.row_of
    for lower, cyc in _by_level(row_of, plan.down, plan.down_levels):
        if len(lower):
            targets, pos = np.unique(row_of[lower.dst], return_inverse=True)
            acc = np.full((len(targets), K.shape[1]), keys.inf, keys.dtype)
            relax(acc, pos, K, row_of[lower.src], lower.src, keys)
            K[targets] = np.where(fixed[targets], K[targets], acc)
        if len(cyc):
            _close_cycles(K, row_of, cyc, keys, fixed)


def route_block(plan: RoutePlan, keys: Keys, anchors: np.ndarray, out_hop, out_len, out_cls) -> None:
    """Routes of every transit AS to the destination columns ``anchors`` (transit ASes or stub-class
    representatives), written into ``out_*[k]`` for column k: next-hop index (-1: none), length, class."""
    n_t, width = len(plan.transit), len(anchors)
    K = np.full((n_t, width), keys.inf, keys.dtype)
    P = np.full((n_t, width), keys.inf, keys.dtype)
    col_of = np.full(plan.n, -1, np.int64)
    col_of[anchors] = np.arange(width)
    is_transit = plan.row_of[anchors] >= 0
    K[plan.row_of[anchors[is_transit]], np.flatnonzero(is_transit)] = anchors[is_transit]  # the origin: length 0
    heard = plan.stub_prov.select(col_of[plan.stub_prov.dst] >= 0)  # providers of a stub destination
    K[plan.row_of[heard.src], col_of[heard.dst]] = keys.one | heard.dst.astype(keys.dtype)
    heard = plan.stub_peer.select((col_of[plan.stub_peer.dst] >= 0) & (plan.row_of[plan.stub_peer.src] >= 0))
    P[plan.row_of[heard.src], col_of[heard.dst]] = keys.one | heard.dst.astype(keys.dtype)

    _up(K, plan, keys)
    cust = _peer(K, P, plan, keys)
    del P
    fixed = K != keys.inf
    _down(K, fixed, plan, keys)

    has = K != keys.inf
    cls = np.where(fixed, np.uint8(RouteClass.PEER), np.uint8(RouteClass.PROVIDER))
    cls[cust] = RouteClass.CUSTOMER
    cls[~has] = RouteClass.NONE
    cls[plan.row_of[anchors[is_transit]], np.flatnonzero(is_transit)] = RouteClass.ORIGIN
    out_cls[:] = cls.T
    hop = (K & keys.dtype((1 << keys.shift) - 1)).astype(np.int32)
    hop[~has] = -1
    out_hop[:] = hop.T
    out_len[:] = np.where(has, K >> keys.dtype(keys.shift), 0).T
