"""The compiled exposure pass (numba): over stored route columns, each tile's source classes routed and every
column serving a country asked for counted by :func:`sim.routes.jit_pairs.exposure_column` (whether each chosen
path crosses a third country). The measures' pass counts the same in its own tiles when asked
(``sim.routes(..., measures=True, exposure=[...])``), without routing the classes again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.routes.jit import TILE, copy_super, route_tile, tile_scratch
from sim.routes.jit_pairs import _asked, _depth_order, exposure_column, pairs_scratch


@njit(nogil=True, cache=True)
def exposure_pairs_block(
    K, super_w, shift, rank_shift, inf, roots, row_of, n_c, net, t_slot, t_src, c_src, cls_size, slots, index,
    unknown, n_len, vptr, v_b, v_corr, v_ndest, v_branch, paths, third,
):  # fmt: skip
    """Adds one block's ``paths[a, b]`` (chosen paths from the ASes of wanted country ``a`` to those of ``b``) and
    ``third[a, b]`` (those crossing a third country); the arguments as
    :func:`sim.routes.jit_paths.exposure_block`'s, ``t_src``/``c_src`` being wanted-country indices and ``slots``
    their country slots (``index`` the inverse). Every class is routed here (lone ones too)."""
    n_t, W = K.shape
    scratch = tile_scratch(n_t, n_c, K[:1, 0], super_w)
    _, length, hop, _, _, _, _, _, _, c_len, c_hop = scratch
    routed = np.full(n_c, -1, np.int64)  # no class left to its provider row: all routed per column
    ps = pairs_scratch(n_t, t_src, c_src, routed, index, len(slots))
    count = np.empty(n_len, np.int64)  # rows by length, for the depth order
    order = np.empty(n_t, np.int64)
    c0 = next_asked_tile(K, 0, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)
    while c0 < W:
        tw = tile_width(c0, super_w, W)
        for t in range(tw):
            c = c0 + t
            plain, branch = _asked(vptr, v_b, v_branch, c)
            if plain or branch:
                n_order = _depth_order(length[t], hop[t], roots[c], count, order)
                exposure_column(length[t], hop[t], c_len[t], c_hop[t], routed, roots[c], order, n_order, plain,
                                branch, t_slot, t_src, c_src, cls_size, slots, index, unknown, vptr[c], vptr[c + 1],
                                v_b, v_corr, v_ndest, v_branch, ps, paths, third)  # fmt: skip
        c0 = next_asked_tile(K, c0 + tw, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)


@njit(nogil=True, cache=True)
def _wanted(vptr, v_b, c0, c1):
    """Whether a view of the columns ``c0:c1`` has a destination country asked for."""
    for v in range(vptr[c0], vptr[c1]):
        if v_b[v] >= 0:
            return True
    return False


@njit(nogil=True, cache=True)
def tile_width(c, super_w, W):
    """Columns in the tile starting at column ``c``: tiles of ``TILE`` columns within super-blocks of ``super_w``."""
    return min(TILE, super_w - c % super_w, W - c)


@njit(nogil=True, cache=True)
def next_asked_tile(K, c, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b):
    """Routes the first tile at or after column ``c`` (a tile's first column) that serves a destination country
    asked for (:func:`sim.routes.jit.route_tile`, into ``scratch``), copying its super-block of ``super_w``
    columns into tile-major order on entering it; returns the tile's first column (``K.shape[1]``: none left).
    The callers walk the columns with it and :func:`_asked` (a loop, not a numba generator: those fail when one
    specialization is loaded from numba's cache and another compiled in the same process)."""
    Kt = scratch[0]
    W = K.shape[1]
    while c < W:
        s0 = c - c % super_w
        sw = min(super_w, W - s0)
        if not _wanted(vptr, v_b, c, s0 + sw):
            c = s0 + sw
            continue
        if not _wanted(vptr, v_b, s0, c):  # the super-block's first tile routed: copy it in
            copy_super(K, s0, sw, Kt)
        while c < s0 + sw:
            tw = tile_width(c, super_w, W)
            if _wanted(vptr, v_b, c, c + tw):
                route_tile(Kt[(c - s0) // TILE], tw, c, shift, rank_shift, inf, row_of, roots, net, scratch, True)
                return c
            c += tw
    return W
