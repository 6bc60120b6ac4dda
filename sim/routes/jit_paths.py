"""Compiled kernels of the per-pair stretch and of jurisdiction exposure (numba), on the tile routing of
:mod:`sim.routes.jit`: every transit row's and source class's route per destination column, then

- the stretch: each source group's AS hops per column (:func:`group_lengths`), and per pair of columns (before,
  after) the change of length of every joint source group (:func:`stretch_pairs`);
- exposure: the set of countries on each transit row's path as a bitset, top-down by depth, and the sources
  grouped by (entered row, source country) (:func:`exposure_block`).

Every count is an integer (``int64``): the sums do not depend on the order of the blocks or on the threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.routes.jit import TILE, _depth_order, copy_super, route_tile, tile_scratch


@njit(nogil=True, cache=True)
def group_lengths(K, super_w, shift, rank_shift, inf, roots, row_of, n_c, net, out):
    """``out[c, g]`` (int16): the AS hops of source group ``g`` (transit row ``g < n_t``, else source class
    ``g - n_t``) to column ``c``'s destination; -1: no route."""
    n_t, W = K.shape
    scratch = tile_scratch(n_t, n_c, K[:1, 0], super_w)
    Kt, length, _, _, _, _, _, _, _, c_len, _ = scratch
    for s0 in range(0, W, super_w):
        sw = min(super_w, W - s0)
        copy_super(K, s0, sw, Kt)
        for c0 in range(s0, s0 + sw, TILE):
            tw = min(TILE, s0 + sw - c0)
            route_tile(Kt[(c0 - s0) // TILE], tw, c0, shift, rank_shift, inf, row_of, roots, net, scratch, True)
            for t in range(tw):
                o = out[c0 + t]
                for r in range(n_t):
                    o[r] = length[t, r]
                for k in range(n_c):
                    o[n_t + k] = c_len[t, k]


@njit(nogil=True, cache=True)
def stretch_pairs(LB, LA, ub, off_b, ua, off_a, first, mult, j_before, j_after, j_size, hist):
    """Adds into ``hist`` (centred: ``hist[len // 2 + change]``) the pairs of every joint source group to the
    destinations of each group ``first[i]`` (``mult[i]`` destinations with the same columns and offsets);
    returns the pairs lost. ``LB[ub[u]]``, ``LA[ua[u]]``: the groups' lengths before and after (``ua[u] < 0``:
    no column after)."""
    mid = len(hist) // 2
    lost = 0
    for i in range(len(first)):
        u = first[i]
        m = mult[i]
        lb_row = LB[ub[u]]
        has_a = ua[u] >= 0
        la_row = LA[ua[u] if has_a else 0]
        shift = off_a[u] - off_b[u] + mid
        for g in range(len(j_before)):
            lb = np.int64(lb_row[j_before[g]])
            if lb < 0:
                continue
            a = j_after[g]
            la = np.int64(la_row[a]) if has_a and a >= 0 else -1
            if la < 0:
                lost += m * j_size[g]
            else:
                hist[la - lb + shift] += m * j_size[g]
    return lost
