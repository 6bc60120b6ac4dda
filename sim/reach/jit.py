"""The compiled reachability kernel (numba): the four phases and the reductions fused, one tile of source words at a
time.

A tile is ``tile_words`` words of sources (8 by default: 512 sources, one 64-byte cache line per row). Its U and P
rows of the transit ASes (``2 × 8 × tile_words × n_transit`` bytes: 1.1 MB on the 2016 graph) stay in the core's
cache while every edge of the plan is applied to them, and each D row is counted the moment it is final, so no row
goes back to memory. The phases are the numpy kernel's (:mod:`sim.reach.kernel`): up the customer→provider
hierarchy level by level (c2p cycles closed by a fixpoint inside their level), one peer hop, down from the top,
then one row per stub class from its providers' D rows and peers' U rows.

Each thread takes every ``n_threads``-th tile and keeps its own integer totals (pairs, per destination, per country
pair); the sums do not depend on the threads. Compiled on first use and cached on disk.

The helpers take arrays and numbers, and whole ranges of targets per call: a numba call per target, or a tuple of
arrays built in a hot loop, costs reference counting on every array, which made a first version 25 times slower.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic


@intrinsic
def popcount(typingctx, x):
    """Set bits of a ``uint64`` (the CPU's popcnt)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


@intrinsic
def lowest_bit(typingctx, x):
    """Index of the lowest set bit of a non-zero ``uint64``."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.int64(types.uint64), codegen


@njit(nogil=True, cache=True)
def group_by(target, n_targets):
    """``(indptr, order)``: the positions of ``target`` grouped by value (stable counting sort, O(n + n_targets)),
    value ``t`` at ``order[indptr[t]:indptr[t + 1]]``."""
    indptr = np.zeros(n_targets + 1, np.int64)
    for t in target:
        indptr[t + 1] += 1
    for t in range(n_targets):
        indptr[t + 1] += indptr[t]
    fill = indptr[:-1].copy()
    order = np.empty(len(target), np.int64)
    for k in range(len(target)):
        t = target[k]
        order[fill[t]] = k
        fill[t] += 1
    return indptr, order


@njit(nogil=True, cache=True)
def _pull(dst, order, base, k0, k1, indptr, in_row, in_as, src, W, masked, allowed, slot, bit_of, w0):
    """For each target ``k`` in ``k0:k1``: ``dst[order[k] - base] |= fwd_u(src[s])`` over its in-edges
    ``indptr[k]:indptr[k + 1]`` (source row ``in_row[e]``, AS ``in_as[e]``). Whole ranges per call: a numba call
    per target costs more than its ORs."""
    b0 = 64 * w0
    for k in range(k0, k1):
        d = order[k] - base
        if not masked:
            for e in range(indptr[k], indptr[k + 1]):
                s = in_row[e]
                for w in range(W):
                    dst[d, w] |= src[s, w]
            continue
        for e in range(indptr[k], indptr[k + 1]):
            s, u = in_row[e], in_as[e]
            c = slot[u]
            for w in range(W):
                dst[d, w] |= src[s, w] & allowed[c, w0 + w]
            b = bit_of[u] - b0
            if 0 <= b < 64 * W:  # an AS always forwards its own bit
                dst[d, b >> 6] |= np.uint64(1) << np.uint64(b & 63)


@njit(nogil=True, cache=True)
def _set_bits(arr, target, bit, b0, n_bits):
    """``arr[target[k]]`` gets bit ``bit[k] - b0`` for the pairs whose bit is in the tile (``bit`` ascending)."""
    lo = np.searchsorted(bit, b0)
    hi = np.searchsorted(bit, b0 + n_bits)
    for k in range(lo, hi):
        b = bit[k] - b0
        arr[target[k], b >> 6] |= np.uint64(1) << np.uint64(b & 63)


@njit(nogil=True, cache=True)
def _hierarchy(arr, order, level_start, indptr, in_row, in_as, cyc_start, cyc_src, cyc_dst, cyc_as, W, fw_args):
    """One level pass: ``arr[t] |= fwd(arr[s])`` over in-edges from lower levels, targets in level order, then
    the level's cycle edges to a fixpoint (each edge applied until no row changes)."""
    masked, allowed, slot, bit_of, w0 = fw_args
    edge = np.arange(len(cyc_dst) + 1)  # a cycle edge is its own target range
    for lvl in range(len(level_start) - 1):
        k0, k1 = level_start[lvl], level_start[lvl + 1]
        _pull(arr, order, 0, k0, k1, indptr, in_row, in_as, arr, W, masked, allowed, slot, bit_of, w0)
        c0, c1 = cyc_start[lvl], cyc_start[lvl + 1]
        if c1 == c0:
            continue
        before = np.empty((c1 - c0, arr.shape[1]), np.uint64)
        while True:
            for e in range(c0, c1):
                for w in range(W):
                    before[e - c0, w] = arr[cyc_dst[e], w]
            _pull(arr, cyc_dst, 0, c0, c1, edge, cyc_src, cyc_as, arr, W, masked, allowed, slot, bit_of, w0)
            changed = False
            for e in range(c0, c1):
                for w in range(W):
                    changed |= arr[cyc_dst[e], w] != before[e - c0, w]
            if not changed:
                break


@njit(nogil=True, cache=True)
def _reduce_rows(rows, n_rows, members, member_start, W, w0, dest_slot, bit_of, split, sums, out):
    """Count rows ``0 .. n_rows - 1`` of ``rows``, row ``i`` for the members ``members[member_start[i]:
    member_start[i + 1]]`` (one country), each member adding its own bit: the pair total, per destination, per
    (destination country, tile word) in ``wsum`` and per (destination country, split piece ``q0:q1``) in ``ssum``
    (:func:`_flush` turns both into country pairs), and on demand per source bit, reach of named sets, the bit
    rows. Own bits go to ``wsum``/``ssum`` too, by the word or piece holding them.

    ``split`` = (q0, q1, split_word, split_mask); ``sums`` = (wsum, ssum, total, dest_counts); ``out`` = (bit_counts,
    in_set, any_words, matrix_words, per_source, keep)."""
    q0, q1, split_word, split_mask = split
    wsum, ssum, total, dest_counts = sums
    bit_counts, in_set, any_words, matrix_words, per_source, keep = out
    b0, n_bits, n_sets = 64 * w0, 64 * W, in_set.shape[0]
    one = np.uint64(1)
    for r in range(n_rows):
        m0, m1 = member_start[r], member_start[r + 1]
        size = m1 - m0
        if size == 0:
            continue
        ds = dest_slot[members[m0]]
        pc = 0
        for w in range(W):
            c = popcount(rows[r, w])
            pc += c
            wsum[ds, w] += size * c
        for q in range(q0, q1):
            ssum[ds, q - q0] += size * popcount(rows[r, split_word[q] - w0] & split_mask[q])
        if per_source:
            for w in range(W):
                x = rows[r, w]
                while x:
                    bit_counts[b0 + 64 * w + lowest_bit(x)] += size
                    x &= x - one
        for k in range(m0, m1):
            m = members[k]
            b = bit_of[m] - b0
            ow = b >> 6 if 0 <= b < n_bits else -1
            ob = one << np.uint64(b & 63)
            add = 1 if ow >= 0 and (rows[r, ow] & ob) == 0 else 0
            dest_counts[m] += pc + add
            total[0] += pc + add
            if add:
                wsum[ds, ow] += 1
                for q in range(q0, q1):
                    if split_word[q] - w0 == ow and split_mask[q] & ob:
                        ssum[ds, q - q0] += 1
                if per_source:
                    bit_counts[b0 + b] += 1
            for j in range(n_sets):
                if in_set[j, m]:
                    for w in range(W):
                        any_words[j, w0 + w] |= rows[r, w]
                    if ow >= 0:
                        any_words[j, w0 + ow] |= ob
            if keep:
                for w in range(W):
                    matrix_words[m, w0 + w] = rows[r, w]
                if ow >= 0:
                    matrix_words[m, w0 + ow] |= ob


@njit(nogil=True, cache=True)
def _flush(wsum, ssum, W, w0, word_slot, q0, q1, split_slot, pairs):
    """Add a tile's per-word and per-piece sums to ``pairs[source country, destination country]`` and zero them:
    a word inside one country's run of source bits counts for that country, a split word by its pieces."""
    for ds in range(wsum.shape[0]):
        for w in range(W):
            v = wsum[ds, w]
            if v:
                k = word_slot[w0 + w]
                if k >= 0:
                    pairs[k, ds] += v
                wsum[ds, w] = 0
        for q in range(q0, q1):
            pairs[split_slot[q], ds] += ssum[ds, q - q0]
            ssum[ds, q - q0] = 0


@njit(nogil=True, cache=True)
def run_tiles(first, step, n_words, tile_words, class_chunk, graph, fwd_arrays, red_arrays, acc):
    """Tiles ``first, first + step, ...`` of ``tile_words`` words each (the sources' ``n_words`` words), every phase
    and reduction each; stub-class rows are built, then reduced, ``class_chunk`` at a time.

    The tuples (unpacked once, here) are built by :mod:`sim.reach.compiled`:

    - ``graph``: transit, up bits (target, bit), up phase, peer (indptr, in_row, in_as), peer bits, down phase,
      class in-edges from U and from P (indptr, in_row, in_as each), class bits, member_start, members; a phase is
      (order, level_start, indptr, in_row, in_as, cycle_start, cycle_src, cycle_dst, cycle_as);
    - ``fwd_arrays``: (masked, allowed, slot, bit_of);
    - ``red_arrays``: (dest_slot, (word_slot, split_start, split_word, split_mask, split_slot), (bit_counts, in_set,
      any_words, matrix_words, per_source, keep));
    - ``acc``: this thread's (total, dest_counts, country_pairs).
    """
    (transit, ub_t, ub_b, up, peer, pb_t, pb_b, down, cls_u, cls_p, cb_t, cb_b, member_start, members) = graph
    up_order, up_levels, up_ptr, up_row, up_as, up_cyc, up_csrc, up_cdst, up_cas = up
    dn_order, dn_levels, dn_ptr, dn_row, dn_as, dn_cyc, dn_csrc, dn_cdst, dn_cas = down
    peer_ptr, peer_row, peer_as = peer
    cu_ptr, cu_row, cu_as = cls_u
    cp_ptr, cp_row, cp_as = cls_p
    masked, allowed, slot, bit_of = fwd_arrays
    dest_slot, pieces, out = red_arrays
    word_slot, split_start, split_word, split_mask, split_slot = pieces
    total, dest_counts, pairs = acc
    n_t = len(transit)
    n_cls = len(member_start) - 1
    U = np.zeros((n_t, tile_words), np.uint64)
    P = np.zeros((n_t, tile_words), np.uint64)
    rows = np.zeros((class_chunk, tile_words), np.uint64)
    n_slots = pairs.shape[0]
    wsum = np.zeros((n_slots, tile_words), np.int64)
    max_split = 0
    for w0 in range(0, n_words, tile_words):
        max_split = max(max_split, split_start[min(w0 + tile_words, n_words)] - split_start[w0])
    ssum = np.zeros((n_slots, max_split), np.int64)
    sums = (wsum, ssum, total, dest_counts)
    one_each = np.arange(n_t + 1)
    rows_t = np.arange(n_t)
    classes = np.arange(n_cls)
    n_tiles = (n_words + tile_words - 1) // tile_words
    for tile in range(first, n_tiles, step):
        w0 = tile * tile_words
        W = min(tile_words, n_words - w0)
        b0 = 64 * w0
        fw_args = (masked, allowed, slot, bit_of, w0)
        U[:] = 0
        _set_bits(U, ub_t, ub_b, b0, 64 * W)
        _hierarchy(U, up_order, up_levels, up_ptr, up_row, up_as, up_cyc, up_csrc, up_cdst, up_cas, W, fw_args)
        P[:] = U
        _pull(P, rows_t, 0, 0, n_t, peer_ptr, peer_row, peer_as, U, W, masked, allowed, slot, bit_of, w0)
        _set_bits(P, pb_t, pb_b, b0, 64 * W)
        _hierarchy(P, dn_order, dn_levels, dn_ptr, dn_row, dn_as, dn_cyc, dn_csrc, dn_cdst, dn_cas, W, fw_args)
        q0, q1 = split_start[w0], split_start[w0 + W]
        split = (q0, q1, split_word, split_mask)
        _reduce_rows(P, n_t, transit, one_each, W, w0, dest_slot, bit_of, split, sums, out)
        # the tile's single bits into classes, grouped by class
        lo, hi = np.searchsorted(cb_b, b0), np.searchsorted(cb_b, b0 + 64 * W)
        order = np.argsort(cb_t[lo:hi], kind="mergesort") + lo
        t_cls, t_bit = cb_t[order], cb_b[order]
        k = 0
        for c0 in range(0, n_cls, class_chunk):
            c1 = min(c0 + class_chunk, n_cls)
            rows[:] = 0
            _pull(rows, classes, c0, c0, c1, cu_ptr, cu_row, cu_as, U, W, masked, allowed, slot, bit_of, w0)
            _pull(rows, classes, c0, c0, c1, cp_ptr, cp_row, cp_as, P, W, masked, allowed, slot, bit_of, w0)
            while k < len(t_cls) and t_cls[k] < c1:
                b = t_bit[k] - b0
                rows[t_cls[k] - c0, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
                k += 1
            m0 = member_start[c0]
            starts = member_start[c0 : c1 + 1] - m0
            _reduce_rows(rows, c1 - c0, members[m0:], starts, W, w0, dest_slot, bit_of, split, sums, out)
        _flush(wsum, ssum, W, w0, word_slot, q0, q1, split_slot, pairs)
