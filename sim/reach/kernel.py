"""The bit-parallel valley-free propagation: one bit per source, rows of ``uint64`` words per AS.

One block of sources (words ``w0:w1`` of the :class:`~sim.reach.plan.SourceLayout`) is processed at a time:

1. **up**: ``U`` rows of transit ASes, level by level from the bottom; a stub customer contributes its own bit;
2. **peer**: ``P = U | fwd(U[peer])`` for transit ASes;
3. **down**: ``D = P | fwd(D[provider])`` for transit ASes, level by level from the top;
4. **stubs**: ``D`` rows of stubs built in chunks from their providers' ``D`` and peers' ``U`` and handed to
   the reducer, never stored.

``fwd_u(row) = (row & allowed[country(u)]) | own(u)``: an AS forwards the bits of sources allowed to transit it,
and always its own (as a source it is not an intermediate). Without transit restrictions ``fwd`` is the
identity. Row ORs are gathered into contiguous scratch (``np.take(..., out=)``), never ``reduceat``, and
targets are visited in rounds of equal in-edge rank so that each round is one contiguous vectorized OR.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import runs
from sim.reach.plan import Edges, Levels, Plan, SourceLayout

# Size thresholds: they choose paths and chunk sizes, never results. Read at call time, so that tests can force
# them small (unittest.mock.patch.object) and run every path on small graphs.
TALL = 24  # targets with more in-edges than this are reduced on their own (np.bitwise_or.reduce)
SCRATCH_BYTES = 4 << 20  # rows gathered per np.take: fits in cache
GROUP_BYTES = 32 << 20  # target rows accumulated at once
ONE = np.uint64(1)


class Forward:
    """``fwd_u`` for one block: transit masks per country slot and the own bits of the block's sources."""

    def __init__(self, slot: np.ndarray, allowed: np.ndarray | None, bit_rel: np.ndarray, n_words: int):
        self.slot, self.allowed, self.bit_rel, self.n_words = slot, allowed, bit_rel, n_words
        self.mask_buf = np.empty((max(1, SCRATCH_BYTES // (8 * n_words)), n_words), np.uint64)

    def __call__(self, rows: np.ndarray, ases: np.ndarray) -> None:
        if self.allowed is None:
            return
        # callers may pass more rows than the mask scratch holds (a level's cycle edges all at once)
        step = len(self.mask_buf)
        for c0 in range(0, len(rows), step):
            part, who = rows[c0 : c0 + step], ases[c0 : c0 + step]
            masks = self.mask_buf[: len(part)]
            np.take(self.allowed, self.slot[who], axis=0, out=masks)
            part &= masks
            bits = self.bit_rel[who]
            k = np.flatnonzero(bits >= 0)
            part[k, bits[k] >> 6] |= ONE << (bits[k] & 63).astype(np.uint64)


def scatter_bits(acc: np.ndarray, pos: np.ndarray, bits: np.ndarray) -> None:
    """``acc[pos[k]]`` gets bit ``bits[k]`` (bits < 0 are skipped; positions may repeat)."""
    keep = bits >= 0
    pos, bits = pos[keep], bits[keep]
    flat = pos * acc.shape[1] + (bits >> 6)
    np.bitwise_or.at(acc.reshape(-1), flat, ONE << (bits & 63).astype(np.uint64))


def accumulate(acc, pos, src_arr, src_row, src_as, fwd: Forward) -> None:
    """``acc[pos[k]] |= fwd(src_arr[src_row[k]])`` for every k; positions may repeat. ``fwd`` is told
    ``src_as[k]`` of each row: the edge's source AS (a what-if pass over links tells it the edge's link id).

    Targets with many in-edges are OR-reduced chunk by chunk; the others are visited in rounds: round r
    gathers the r-th in-edge of every target having more than r, with targets sorted by in-degree so the
    round's rows form a prefix.
    """
    if len(pos) == 0:
        return
    n_words = acc.shape[1]
    chunk = max(1, SCRATCH_BYTES // (8 * n_words))
    scratch = np.empty((chunk, n_words), np.uint64)
    order = np.argsort(pos, kind="stable")
    pos, src_row, src_as = pos[order], src_row[order], src_as[order]
    tgt, start, deg = runs(pos)
    for t, s, d in zip(*(a[deg > TALL] for a in (tgt, start, deg)), strict=True):
        for c0 in range(s, s + d, chunk):
            c1 = min(c0 + chunk, s + d)
            buf = scratch[: c1 - c0]
            np.take(src_arr, src_row[c0:c1], axis=0, out=buf)
            fwd(buf, src_as[c0:c1])
            acc[t] |= np.bitwise_or.reduce(buf, axis=0)
    short = deg <= TALL
    by_deg = np.argsort(-deg[short], kind="stable")
    tgt, start, deg = tgt[short][by_deg], start[short][by_deg], deg[short][by_deg]
    group = max(1, GROUP_BYTES // (8 * n_words))
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
                fwd(buf, src_as[edge[c0:c1]])
                tmp[c0:c1] |= buf
        acc[t] = tmp


def _close_cycles(arr, row_of, edges: Edges, fwd: Forward, keys: np.ndarray | None = None) -> None:
    """Fixpoint of ``arr[dst] |= fwd(arr[src])`` over edges inside c2p cycles (small in practice); ``fwd`` is told
    ``keys`` of the edges (default their source ASes: what-if passes tell it link ids)."""
    src_rows, dst_rows = row_of[edges.src], row_of[edges.dst]
    keys = edges.src if keys is None else keys
    while True:
        before = arr[dst_rows].copy()
        vals = arr[src_rows].copy()
        fwd(vals, keys)
        np.bitwise_or.at(arr, dst_rows, vals)
        if np.array_equal(arr[dst_rows], before):
            return


def _by_level(plan: Plan, edges: Edges, lv: Levels) -> tuple[list[Edges], list[Edges]]:
    """Edges between transit ASes grouped by the level of their target: (from lower levels, inside cycles)."""
    both = (plan.row_of[edges.src] >= 0) & (plan.row_of[edges.dst] >= 0)
    e = edges.select(both)
    lsrc, ldst = lv.level[e.src], lv.level[e.dst]
    order = np.argsort(ldst, kind="stable")
    bounds = np.searchsorted(ldst[order], np.arange(lv.n_levels + 1))
    lower, cyc = [], []
    for lvl in range(lv.n_levels):
        sel = order[bounds[lvl] : bounds[lvl + 1]]
        lower.append(e.select(sel[lsrc[sel] < lvl]))
        cyc.append(e.select(sel[lsrc[sel] == lvl]))
    return lower, cyc


def _hierarchy_pass(arr, plan: Plan, edges: Edges, lv: Levels, fwd: Forward) -> None:
    lower, cyc = _by_level(plan, edges, lv)
    for lvl in range(lv.n_levels):
        e = lower[lvl]
        accumulate(arr, plan.row_of[e.dst], arr, plan.row_of[e.src], e.src, fwd)
        if len(cyc[lvl]):
            _close_cycles(arr, plan.row_of, cyc[lvl], fwd)


def up_rows(plan: Plan, fwd: Forward) -> np.ndarray:
    """U rows of the transit ASes (sources reaching each by customer→provider hops only) for one block."""
    bit_rel = fwd.bit_rel
    U = np.zeros((len(plan.transit), fwd.n_words), np.uint64)
    scatter_bits(U, np.arange(len(plan.transit)), bit_rel[plan.transit])
    stub_up = plan.up.select(plan.stub[plan.up.src])
    scatter_bits(U, plan.row_of[stub_up.dst], bit_rel[stub_up.src])
    _hierarchy_pass(U, plan, plan.up, plan.up_levels, fwd)
    return U


def propagate_block(plan: Plan, layout: SourceLayout, w0: int, w1: int, fwd: Forward, emit) -> None:
    """Run the four phases for source words ``w0:w1``; ``emit(rows, ases)`` receives every alive AS's D row."""
    n_words = w1 - w0
    bit_rel = fwd.bit_rel
    row_of, transit = plan.row_of, plan.transit
    U = up_rows(plan, fwd)

    P = U.copy()
    to_transit = plan.peer.select(row_of[plan.peer.dst] >= 0)
    from_stub = plan.stub[to_transit.src]
    scatter_bits(P, row_of[to_transit.dst[from_stub]], bit_rel[to_transit.src[from_stub]])
    e = to_transit.select(~from_stub)
    accumulate(P, row_of[e.dst], U, row_of[e.src], e.src, fwd)
    _hierarchy_pass(P, plan, plan.down, plan.down_levels, fwd)

    chunk = max(1, GROUP_BYTES // (8 * n_words))
    for r0 in range(0, len(transit), chunk):
        part = transit[r0 : r0 + chunk]
        emit(P[r0 : r0 + chunk], np.arange(len(part)), part)
    _emit_stubs(plan, U, P, fwd, emit, chunk)


def _emit_stubs(plan: Plan, U, P, fwd: Forward, emit, chunk: int) -> None:
    """Rows of stub classes (without the members' own bits), built from their in-edges chunk by chunk."""
    cls = plan.classes
    n_cls = len(cls.rep)
    local = np.full(plan.n, -1, dtype=np.int64)
    local[cls.rep] = np.arange(n_cls)
    row_of = plan.row_of
    into = []
    for e, src_arr in ((plan.peer, U), (plan.down, P)):
        e = e.select(local[e.dst] >= 0)
        into.append((e.select(np.argsort(local[e.dst], kind="stable")), src_arr))
    member_lo = np.searchsorted(cls.member_class, np.arange(n_cls + 1))
    acc = np.empty((min(chunk, max(n_cls, 1)), U.shape[1]), np.uint64)
    for r0 in range(0, n_cls, chunk):
        r1 = min(r0 + chunk, n_cls)
        rows = acc[: r1 - r0]
        rows[:] = 0
        for e, src_arr in into:
            lo, hi = np.searchsorted(local[e.dst], [r0, r1])
            part = Edges(e.src[lo:hi], e.dst[lo:hi])
            from_stub = plan.stub[part.src]
            scatter_bits(rows, local[part.dst[from_stub]] - r0, fwd.bit_rel[part.src[from_stub]])
            part = part.select(~from_stub)
            accumulate(rows, local[part.dst] - r0, src_arr, row_of[part.src], part.src, fwd)
        m0, m1 = member_lo[r0], member_lo[r1]
        emit(rows, cls.member_class[m0:m1] - r0, cls.members[m0:m1])
