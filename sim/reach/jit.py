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
def _reduce_rows(rows, n_rows, g0, W, w0, rows_info, split, sums, out):
    """Count rows ``0 .. n_rows - 1`` of ``rows``, the rows ``g0 ..`` of the row space (transit rows, then stub
    classes), each row for all its members: its set bits per row (``row_counts``), per (destination country,
    tile word) in ``wsum`` and per (destination country, split piece) in ``ssum`` (:func:`_flush` turns both into
    country pairs), and on demand per source bit, reach of named sets and the kept bit rows. The members' own bits
    are :func:`_own_bits`' work: the row is shared, the own bit is not.

    ``rows_info`` = (row_slot, row_size, row_sets, member_start, members); ``split`` = (q0, q1, split_word,
    split_mask); ``sums`` = (wsum, ssum, total, dest_counts, row_counts); ``out`` = (bit_counts, in_set, any_words,
    matrix_words, per_source, keep)."""
    row_slot, row_size, row_sets, member_start, members = rows_info
    q0, q1, split_word, split_mask = split
    wsum, ssum, total, dest_counts, row_counts = sums
    bit_counts, in_set, any_words, matrix_words, per_source, keep = out
    b0, n_sets = 64 * w0, row_sets.shape[0]
    for r in range(n_rows):
        g = g0 + r
        size = row_size[g]
        if size == 0:
            continue
        ds = row_slot[g]
        pc = 0
        for w in range(W):
            c = popcount(rows[r, w])
            pc += c
            wsum[ds, w] += size * c
        for q in range(q0, q1):
            ssum[ds, q - q0] += size * popcount(rows[r, split_word[q] - w0] & split_mask[q])
        row_counts[g] += pc
        total[0] += size * pc
        if per_source:
            for w in range(W):
                x = rows[r, w]
                while x:
                    bit_counts[b0 + 64 * w + lowest_bit(x)] += size
                    x &= x - np.uint64(1)
        for j in range(n_sets):
            if row_sets[j, g]:
                for w in range(W):
                    any_words[j, w0 + w] |= rows[r, w]
        if keep:
            for k in range(member_start[g], member_start[g + 1]):
                for w in range(W):
                    matrix_words[members[k], w0 + w] = rows[r, w]


@njit(nogil=True, cache=True)
def _own_bits(rows, g0, g1, tile_src, k, W, w0, row_slot, split, sums, out):
    """The own bits of the tile's sources whose row is among ``g0 .. g1 - 1`` (``rows[g - g0]``): a source reaches
    itself, counted where its row lacks its bit. ``tile_src`` = (row, bit, AS) of the tile's alive sources sorted by
    row, from position ``k``; returns the next position."""
    t_row, t_bit, t_as = tile_src
    q0, q1, split_word, split_mask = split
    wsum, ssum, total, dest_counts, row_counts = sums
    bit_counts, in_set, any_words, matrix_words, per_source, keep = out
    b0 = 64 * w0
    while k < len(t_row) and t_row[k] < g1:
        r, b, s = t_row[k] - g0, t_bit[k] - b0, t_as[k]
        k += 1
        ow, ob = b >> 6, np.uint64(1) << np.uint64(b & 63)
        for j in range(in_set.shape[0]):
            if in_set[j, s]:
                any_words[j, w0 + ow] |= ob
        if keep:
            matrix_words[s, w0 + ow] |= ob
        if rows[r, ow] & ob:
            continue
        ds = row_slot[g0 + r]
        dest_counts[s] += 1
        total[0] += 1
        wsum[ds, ow] += 1
        for q in range(q0, q1):
            if split_word[q] - w0 == ow and split_mask[q] & ob:
                ssum[ds, q - q0] += 1
        if per_source:
            bit_counts[b0 + b] += 1
    return k


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

    - ``graph``: n_transit, up bits (target, bit), up phase, peer (indptr, in_row, in_as), peer bits, down phase,
      class in-edges from U and from P (indptr, in_row, in_as each), class bits, the row space (row_slot, row_size,
      row_sets, member_start, members: transit rows, then classes), and per source bit (row, AS); a phase is
      (order, level_start, indptr, in_row, in_as, cycle_start, cycle_src, cycle_dst, cycle_as);
    - ``fwd_arrays``: (masked, allowed, slot, bit_of);
    - ``red_arrays``: ((word_slot, split_start, split_word, split_mask, split_slot), (bit_counts, in_set,
      any_words, matrix_words, per_source, keep));
    - ``acc``: this thread's (total, dest_counts (own bits), country_pairs, row_counts).
    """
    (n_t, ub_t, ub_b, up, peer, pb_t, pb_b, down, cls_u, cls_p, cb_t, cb_b, rows_info, sources) = graph
    source_row, source_as = sources
    up_order, up_levels, up_ptr, up_row, up_as, up_cyc, up_csrc, up_cdst, up_cas = up
    dn_order, dn_levels, dn_ptr, dn_row, dn_as, dn_cyc, dn_csrc, dn_cdst, dn_cas = down
    peer_ptr, peer_row, peer_as = peer
    cu_ptr, cu_row, cu_as = cls_u
    cp_ptr, cp_row, cp_as = cls_p
    masked, allowed, slot, bit_of = fwd_arrays
    pieces, out = red_arrays
    word_slot, split_start, split_word, split_mask, split_slot = pieces
    total, dest_counts, pairs, row_counts = acc
    row_slot = rows_info[0]
    n_cls = len(row_slot) - n_t
    U = np.zeros((n_t, tile_words), np.uint64)
    P = np.zeros((n_t, tile_words), np.uint64)
    rows = np.zeros((class_chunk, tile_words), np.uint64)
    n_slots = pairs.shape[0]
    wsum = np.zeros((n_slots, tile_words), np.int64)
    max_split = 0
    for w0 in range(0, n_words, tile_words):
        max_split = max(max_split, split_start[min(w0 + tile_words, n_words)] - split_start[w0])
    ssum = np.zeros((n_slots, max_split), np.int64)
    sums = (wsum, ssum, total, dest_counts, row_counts)
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
        # the tile's alive sources by row: their own bits
        src_row = source_row[b0 : b0 + 64 * W]
        alive = np.flatnonzero(src_row >= 0)
        by_row = alive[np.argsort(src_row[alive], kind="mergesort")]
        tile_src = (src_row[by_row], by_row + b0, source_as[b0 + by_row])
        _reduce_rows(P, n_t, 0, W, w0, rows_info, split, sums, out)
        s_k = _own_bits(P, 0, n_t, tile_src, 0, W, w0, row_slot, split, sums, out)
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
            _reduce_rows(rows, c1 - c0, n_t + c0, W, w0, rows_info, split, sums, out)
            s_k = _own_bits(rows, n_t + c0, n_t + c1, tile_src, s_k, W, w0, row_slot, split, sums, out)
        _flush(wsum, ssum, W, w0, word_slot, q0, q1, split_slot, pairs)


@njit(nogil=True, cache=True)
def cone_tiles(first, step, n_words, tile_words, n_t, up_bits, up, bit_weight, weighted, counts):
    """Customer cones: for each transit row, ``counts[row]`` += the sources its U row holds (``weighted``: the sum
    of their ``bit_weight``, integers), over tiles ``first, first + step, ...``. Only the up pass runs."""
    ub_t, ub_b = up_bits
    up_order, up_levels, up_ptr, up_row, up_as, up_cyc, up_csrc, up_cdst, up_cas = up
    U = np.zeros((n_t, tile_words), np.uint64)
    none = np.zeros((1, 1), np.uint64)
    no_slot = np.zeros(1, np.int64)
    n_tiles = (n_words + tile_words - 1) // tile_words
    for tile in range(first, n_tiles, step):
        w0 = tile * tile_words
        W = min(tile_words, n_words - w0)
        b0 = 64 * w0
        U[:] = 0
        _set_bits(U, ub_t, ub_b, b0, 64 * W)
        fw_args = (False, none, no_slot, no_slot, w0)
        _hierarchy(U, up_order, up_levels, up_ptr, up_row, up_as, up_cyc, up_csrc, up_cdst, up_cas, W, fw_args)
        for r in range(n_t):
            for w in range(W):
                x = U[r, w]
                if not weighted:
                    counts[r] += popcount(x)
                    continue
                while x:
                    counts[r] += bit_weight[b0 + 64 * w + lowest_bit(x)]
                    x &= x - np.uint64(1)
