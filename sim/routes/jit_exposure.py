"""The compiled exposure kernel without the per-country counts (numba): whether each chosen path crosses a third
country needs only, per transit row, its path's first two distinct countries and whether there are more.

A path from a source of country ``a`` to a destination of country ``b`` crosses a third country when the countries
of the ASes on it, the source and the destination left out, hold one other than ``a`` and ``b``. The set of those
countries can be large, but the question is only "none, exactly one (which), or more" once ``a`` is taken out:
so each transit row keeps ``(x1, x2)``, the first two distinct countries on its path (``-1``: none), with
``x2 = MANY`` when there are three or more. A row's pair is its next hop's with its own country added, top-down by
depth, one step per row instead of a bitset of every country; each source then counts in O(1), without grouping.
The counts equal :func:`sim.routes.jit_paths.exposure_block`'s (which also counts paths by every crossed country,
``via``), tested against it and against the numpy pass.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.routes.jit import TILE, _depth_order, copy_super, route_tile, tile_scratch

MANY = -2  #: ``x2`` of a path with three or more distinct countries


@njit(nogil=True, cache=True)
def _path_pairs(length, hop, root, t_slot, unknown, count, order, X):
    """``X[r] = (x1, x2)`` for every transit row ``r`` holding a route (rows without one are never read); row
    ``n_t`` stands for the destination itself (no country)."""
    n_t = len(length)
    for r in range(n_t):
        s = t_slot[r]
        X[r, 0] = s if length[r] >= 1 and s != unknown else -1
        X[r, 1] = -1
    X[n_t, 0] = -1
    X[n_t, 1] = -1
    n = _depth_order(length, hop, root, count, order)
    for i in range(n - 1, -1, -1):  # shallowest first: a next hop's pair is final before its subtree reads it
        r = order[i]
        h = hop[r]
        own = X[r, 0]
        a, b = X[h, 0], X[h, 1]
        if own >= 0 and b != MANY and own != a and own != b:
            if a < 0:
                a = own
            elif b < 0:
                b = own
            else:
                b = MANY
        X[r, 0] = a
        X[r, 1] = b


@njit(nogil=True, cache=True, inline="always")  # scalars and one lookup: cheap per source (array arguments are not)
def _count(p, q, extra, a, index, k):
    """``(crossed, single)`` for a path whose pair is ``(p, q)``, with country ``extra`` also on it (-1: none), from
    a source of country ``a``: whether it crosses a country other than ``a``, and the wanted-country index of that
    country when it is exactly one and wanted (``k`` otherwise). Written with ``&`` and selects rather than
    branches: the outcome varies from source to source, so branches were mispredicted."""
    many = q == MANY
    cp = (p >= 0) & (p != a)
    cq = (q >= 0) & (q != a)
    ce = (extra >= 0) & (extra != a) & (extra != p) & (extra != q)
    m = np.int64(cp) + np.int64(cq) + np.int64(ce)
    single = p if cp else (q if cq else extra)
    j = index[max(single, 0)]
    return (m >= 1) | many, j if (m == 1) & ~many & (single >= 0) & (j >= 0) else k


@njit(nogil=True, cache=True)
def exposure_pairs_block(
    K, super_w, shift, rank_shift, inf, roots, row_of, n_c, net, t_slot, t_src, c_src, cls_size, slots, index,
    unknown, n_len, vptr, v_b, v_corr, v_ndest, v_branch, paths, third,
):  # fmt: skip
    """Adds one block's ``paths[a, b]`` (chosen paths from the ASes of wanted country ``a`` to those of ``b``) and
    ``third[a, b]`` (those crossing a third country); the arguments as
    :func:`sim.routes.jit_paths.exposure_block`'s, ``t_src``/``c_src`` being wanted-country indices and ``slots``
    their country slots (``index`` the inverse)."""
    n_t, W = K.shape
    k = len(slots)
    scratch = tile_scratch(n_t, n_c, K[:1, 0], super_w)
    _, length, hop, _, _, _, _, _, _, c_len, c_hop = scratch
    count = np.empty(n_len, np.int64)
    order = np.empty(n_t, np.int64)
    X = np.empty((n_t + 1, 2), np.int64)
    tot = np.zeros((2, k), np.int64)  # [0]: the paths as they are; [1]: with the root's country on every path
    n1 = np.zeros((2, k), np.int64)
    one = np.zeros((2, k, k + 1), np.int64)  # column k: a source crossing no single wanted country
    # the sources of the countries asked for (transit rows, then source classes), grouped by country: a country's
    # sums stay in registers through its run instead of updating one slot of memory per source
    src_country = np.concatenate((t_src, c_src))
    sources = np.argsort(src_country, kind="mergesort")
    start = np.searchsorted(src_country[sources], np.arange(k + 1))
    c0 = next_asked_tile(K, 0, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)
    while c0 < W:
        tw = tile_width(c0, super_w, W)
        for t in range(tw):
            c = c0 + t
            plain, branch = _asked(vptr, v_b, v_branch, c)
            if not (plain or branch):
                continue
            root = roots[c]
            _path_pairs(length[t], hop[t], root, t_slot, unknown, count, order, X)
            extra = t_slot[root] if root >= 0 and t_slot[root] != unknown else -1
            tot[:, :] = 0
            n1[:, :] = 0
            one[:, :, :] = 0
            # every source of a country asked for (the transit rows, then the source classes): none, one (which)
            # or more countries besides its own on its path; the body written once, inline (a call per source,
            # with its arrays, cost more than the count)
            for a in range(k):
                sa = slots[a]
                t0 = t1 = c0_ = c1_ = 0  # tot and crossed, plain and with the root's country
                for i in sources[start[a] : start[a + 1]]:
                    if i < n_t:
                        w, h = 1, hop[t, i]
                        if length[t, i] < 1:
                            continue
                    else:
                        w, h = cls_size[i - n_t], c_hop[t, i - n_t]
                        if c_len[t, i - n_t] < 0:
                            continue
                    p, q = X[h if h >= 0 else n_t, 0], X[h if h >= 0 else n_t, 1]
                    if plain:
                        crossed, single = _count(p, q, -1, sa, index, k)
                        t0 += w
                        c0_ += w * crossed
                        one[0, a, single] += w
                    if branch:
                        crossed, single = _count(p, q, extra, sa, index, k)
                        t1 += w
                        c1_ += w * crossed
                        one[1, a, single] += w
                tot[0, a], n1[0, a], tot[1, a], n1[1, a] = t0, c0_, t1, c1_
            if branch and root >= 0 and t_src[root] >= 0:  # the root: a source one hop from a branch
                tot[1, t_src[root]] += 1
            for v in range(vptr[c], vptr[c + 1]):
                b = v_b[v]
                if b < 0:
                    continue
                j = 1 if v_branch[v] else 0
                n = v_ndest[v]
                for a in range(k):
                    paths[a, b] += n * tot[j, a]
                    third[a, b] += n * (n1[j, a] - one[j, a, b])
                q = v_corr[v]  # each destination is no source of itself
                if q < 0 or c_len[t, q] < 0 or c_src[q] < 0:
                    continue
                a = c_src[q]
                h = c_hop[t, q] if c_hop[t, q] >= 0 else n_t
                crossed, single = _count(X[h, 0], X[h, 1], extra if j else -1, slots[a], index, k)
                paths[a, b] -= n
                if crossed and single != b:
                    third[a, b] -= n
        c0 = next_asked_tile(K, c0 + tw, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)


@njit(nogil=True, cache=True)
def _wanted(vptr, v_b, c0, c1):
    """Whether a view of the columns ``c0:c1`` has a destination country asked for."""
    for v in range(vptr[c0], vptr[c1]):
        if v_b[v] >= 0:
            return True
    return False


@njit(nogil=True, cache=True)
def _asked(vptr, v_b, v_branch, c):
    """``(plain, branch)``: whether column ``c`` serves a destination country asked for as itself, and below the
    column's root (a branch destination)."""
    plain, branch = False, False
    for v in range(vptr[c], vptr[c + 1]):
        if v_b[v] >= 0:
            branch |= v_branch[v]
            plain |= not v_branch[v]
    return plain, branch


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
