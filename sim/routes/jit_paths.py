"""Compiled kernels of the per-pair stretch and of jurisdiction exposure (numba), on the tile routing of
:mod:`sim.routes.jit`: every transit row's and source class's route per destination column, then

- the stretch: each source group's AS hops per column (:func:`group_lengths`), and per pair of columns (before,
  after) the change of length of every joint source group (:func:`stretch_pairs`);
- exposure by every crossed country (``via``): the set of countries on each transit row's path as a bitset,
  top-down by depth, and the sources grouped by (entered row, source country) (:func:`exposure_block`); without
  ``via``, :mod:`sim.routes.jit_exposure` needs two countries per row.

Every count is an integer (``int64``): the sums do not depend on the order of the blocks or on the threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.routes.jit import TILE, _class_tile, _decode_tile, copy_super, tile_scratch
from sim.routes.jit_exposure import next_asked_tile, tile_width
from sim.routes.jit_pairs import _asked, _depth_order
from sim.routes.jit_route import _route_tile


@njit(nogil=True, cache=True)
def group_lengths(K, super_w, shift, rank_shift, inf, roots, row_of, n_c, net, out):
    """``out[c, g]`` (int16): the AS hops of source group ``g`` (transit row ``g < n_t``, else source class
    ``g - n_t``) to column ``c``'s destination; -1: no route."""
    n_t, W = K.shape
    scratch = tile_scratch(n_t, n_c, K[:1, 0], super_w)
    Kt = scratch[0]
    for s0 in range(0, W, super_w):
        sw = min(super_w, W - s0)
        copy_super(K, s0, sw, Kt)
        for c0 in range(s0, s0 + sw, TILE):
            tw = min(TILE, s0 + sw - c0)
            _tile_lengths(Kt[(c0 - s0) // TILE], tw, c0, shift, rank_shift, inf, roots, row_of, net, scratch, out)


@njit(nogil=True, cache=True)
def routed_group_lengths(anchors, route_row_of, none, route_net, probe, shift, rank_shift, inf, roots, row_of, n_c, net,
                         out):  # fmt: skip
    """:func:`group_lengths` of the columns ``anchors``, routed here tile by tile
    (``sim.routes.jit_route._route_tile`` with ``route_net``, the plan's
    :class:`~sim.routes.jit_route.TileNet` arrays) and read while in cache: for a baseline that stores none of
    them, whose keys are then never written out and copied back. ``probe``: an array of the stored keys' type."""
    (transit, up_ptr, up_row, peer_ptr, peer_row, order, level_ptr, low_ptr, low_row, cyc_ptr, cyc_row, sp_ptr, sp_row,
     sp_rank) = route_net  # fmt: skip
    n_t, W = len(transit), len(anchors)
    scratch = tile_scratch(n_t, n_c, probe, 0)
    Kt = np.empty((n_t, TILE), np.int64)
    front, nxt, cust = np.empty(n_t, np.int64), np.empty(n_t, np.int64), np.empty(n_t, np.int64)
    stamp, in_cust = np.full(n_t, -1, np.int64), np.zeros(n_t, np.bool_)
    for c0 in range(0, W, TILE):
        tw = min(TILE, W - c0)
        _route_tile(Kt, tw, anchors[c0 : c0 + tw], route_row_of, shift, rank_shift, none, transit, up_ptr, up_row,
                    peer_ptr, peer_row, order, level_ptr, low_ptr, low_row, cyc_ptr, cyc_row, sp_ptr, sp_row, sp_rank,
                    front, nxt, cust, stamp, in_cust)  # fmt: skip
        _tile_lengths(Kt, tw, c0, shift, rank_shift, inf, roots, row_of, net, scratch, out)


@njit(nogil=True, cache=True)
def _tile_lengths(Kt, tw, c0, shift, rank_shift, inf, roots, row_of, net, scratch, out):
    """The rows ``out[c0:c0 + tw]`` of :func:`group_lengths` from one tile's keys ``Kt`` (``(n_t, TILE)``)."""
    _, length, hop, prov_offer, peer_offer, peer_best, touched, cust, best, c_len, c_hop = scratch
    prov_ptr, prov_row, rpeer_ptr, rpeer_cls, direct_ptr, direct_cls, multi, lone, lone_prov = net
    n_t = len(length[0])
    n_cust = _decode_tile(Kt, tw, c0, shift, rank_shift, row_of, roots, inf, length, hop, prov_offer, peer_offer,
                          cust)  # fmt: skip
    # the routed classes' lengths straight into out (as route_tile routes them, without their hops)
    _class_tile(tw, prov_offer, peer_offer, cust, n_cust, prov_ptr, prov_row, rpeer_ptr, rpeer_cls, shift,
                rank_shift, inf, peer_best, touched, best, c_len, c_hop, multi, out, c0)  # fmt: skip
    for t in range(tw):
        o = out[c0 + t]
        for r in range(n_t):
            o[r] = length[t, r]
        for k in lone:
            p = lone_prov[k]
            o[n_t + k] = length[t, p] + 1 if length[t, p] >= 0 else -1
        c = c0 + t
        for e in range(direct_ptr[c], direct_ptr[c + 1]):  # a class peering with the stub destination
            o[n_t + direct_cls[e]] = 1


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
        same = 0  # most pairs keep their length: counted in a register, not in one bin of hist over and over
        gone = 0
        for g in range(len(j_before)):
            lb = np.int64(lb_row[j_before[g]])
            if lb < 0:
                continue
            a = j_after[g]
            la = np.int64(la_row[a]) if has_a and a >= 0 else -1
            if la == lb:
                same += j_size[g]
            elif la < 0:
                gone += j_size[g]
            else:
                hist[la - lb + shift] += m * j_size[g]
        hist[shift] += m * same
        lost += m * gone
    return lost


@njit(nogil=True, cache=True)
def _path_sets(length, hop, root, t_slot, unknown, count, order, C):
    """``C[r]``: the countries (bitset words) of the ASes on transit row ``r``'s path, ``r`` included and the
    destination left out, top-down by depth (each row its next hop's set and its own country)."""
    n_t, n_words = C.shape
    for r in range(n_t):
        for w in range(n_words):
            C[r, w] = 0
        s = t_slot[r]
        if length[r] >= 1 and s != unknown:
            C[r, s >> 6] |= np.uint64(1) << np.uint64(s & 63)
    n = _depth_order(length, hop, root, count, order)
    for i in range(n - 1, -1, -1):  # shallowest first: a next hop's set is final before its subtree reads it
        r = order[i]
        h = hop[r]
        for w in range(n_words):
            C[r, w] |= C[h, w]


M1 = np.uint64(0x5555555555555555)
M2 = np.uint64(0x3333333333333333)
M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
H01 = np.uint64(0x0101010101010101)
ONE = np.uint64(1)


@njit(nogil=True, cache=True, inline="always")  # called per source group: no call overhead
def _popcount(x):
    x = x - ((x >> ONE) & M1)
    x = (x & M2) + ((x >> np.uint64(2)) & M2)
    x = (x + (x >> np.uint64(4))) & M4
    return np.int64((x * H01) >> np.uint64(56))


@njit(nogil=True, cache=True, inline="always")  # called per source group: no call overhead
def _add_source(C, h, extra, a, w, slots, index, acc):
    """One group of ``w`` sources of wanted country ``a`` entering row ``h`` (-1: the destination itself), with
    the country slot ``extra`` on every path (-1: none), into ``acc = (tot, n1, one, via)``: all of them, those
    crossing a country other than their own, those crossing exactly one such country (by that country, when it
    is wanted), and those crossing each country."""
    tot, n1, one, via = acc
    tot[a] += w
    own = slots[a]
    m = 0
    first = -1
    for wd in range(C.shape[1]):
        bits = C[h, wd] if h >= 0 else np.uint64(0)
        if extra >= 0 and (extra >> 6) == wd:
            bits |= ONE << np.uint64(extra & 63)
        if (own >> 6) == wd:
            bits &= ~(ONE << np.uint64(own & 63))
        if bits == 0:
            continue
        m += _popcount(bits)
        if first < 0:
            first = wd * 64 + _popcount((bits & (~bits + ONE)) - ONE)
        while bits:
            low = bits & (~bits + ONE)
            via[a, wd * 64 + _popcount(low - ONE)] += w
            bits ^= low
    if m >= 1:
        n1[a] += w
    if m == 1 and index[first] >= 0:
        one[a, index[first]] += w


@njit(nogil=True, cache=True)
def _clear(acc):
    acc[0][:] = 0
    acc[1][:] = 0
    acc[2][:, :] = 0
    acc[3][:, :] = 0


@njit(nogil=True, cache=True)
def exposure_block(
    K, super_w, shift, rank_shift, inf, roots, row_of, n_c, net, t_slot, t_src, c_src, cls_size, slots, index,
    unknown, n_len, vptr, v_b, v_corr, v_ndest, v_branch, paths, third, via,
):  # fmt: skip
    """Adds one block's exposure counts: ``paths[a, b]`` chosen paths from the ASes of wanted country ``a`` to
    those of ``b``, ``third[a, b]`` those crossing a third country, ``via[a, b, x]`` those crossing slot ``x``
    (the ends' own slots are cleared by the caller; without ``via``, :func:`sim.routes.jit_exposure.
    exposure_pairs_block` counts the first two much faster). ``t_src``/``c_src``: a transit row's / source
    class's wanted-country index (-1: not wanted); views of column ``c`` are ``vptr[c]:vptr[c + 1]``, ``v_b``
    their wanted-country index (-1: skip), ``v_corr`` the destinations' own source class, ``v_ndest`` their
    number, ``v_branch`` whether they hang below the column's root (a branch: the root crosses every path);
    ``n_len`` bounds the AS hops of any route, plus one."""
    n_t, W = K.shape
    k = len(slots)
    n_slots = unknown + 1
    n_words = (n_slots + 63) // 64
    scratch = tile_scratch(n_t, n_c, K[:1, 0], super_w)
    _, length, hop, _, _, _, _, _, _, c_len, c_hop = scratch
    count = np.empty(n_len, np.int64)  # rows by length, for the depth order
    order = np.empty(n_t, np.int64)
    C = np.empty((n_t, n_words), np.uint64)
    N = np.zeros((n_t + 1, k), np.int64)  # sources by (entered row, country); row n_t: the destination itself
    ent_h = np.empty((n_t + 1) * k, np.int64)
    ent_a = np.empty((n_t + 1) * k, np.int64)
    vw = n_slots
    accs = []
    for _ in range(2):  # the paths as they are, and with the root's country added (branch destinations)
        accs.append((np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros((k, k), np.int64),
                     np.zeros((k, vw), np.int64)))  # fmt: skip
    one_acc = (np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros((k, k), np.int64), np.zeros((k, vw), np.int64))
    c0 = next_asked_tile(K, 0, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)
    while c0 < W:
        tw = tile_width(c0, super_w, W)
        for t in range(tw):
            c = c0 + t
            plain, branch = _asked(vptr, v_b, v_branch, c)
            if not (plain or branch):
                continue
            root = roots[c]
            _path_sets(length[t], hop[t], root, t_slot, unknown, count, order, C)
            # sources grouped by (entered row, country)
            n_ent = 0
            for i in range(n_t + n_c):  # the body once, inline: a call per source costs more than it
                if i < n_t:
                    a, w, h = t_src[i], 1, hop[t, i]
                    if a < 0 or length[t, i] < 1:
                        continue
                else:
                    a, w, h = c_src[i - n_t], cls_size[i - n_t], c_hop[t, i - n_t]
                    if a < 0 or c_len[t, i - n_t] < 0:
                        continue
                h = h if h >= 0 else n_t
                if N[h, a] == 0:
                    ent_h[n_ent] = h
                    ent_a[n_ent] = a
                    n_ent += 1
                N[h, a] += w
            extra_root = t_slot[root] if root >= 0 and t_slot[root] != unknown else -1
            for var in range(2):
                if (var == 0 and not plain) or (var == 1 and not branch):
                    continue
                acc = accs[var]
                _clear(acc)
                extra = extra_root if var == 1 else -1
                for e in range(n_ent):
                    h = ent_h[e]
                    _add_source(C, h if h < n_t else -1, extra, ent_a[e], N[h, ent_a[e]], slots, index, acc)
                if var == 1 and root >= 0 and t_src[root] >= 0:  # the root: a source one hop from a branch
                    acc[0][t_src[root]] += 1
            for e in range(n_ent):
                N[ent_h[e], ent_a[e]] = 0
            for v in range(vptr[c], vptr[c + 1]):
                b = v_b[v]
                if b < 0:
                    continue
                tot, n1, one, vx = accs[1 if v_branch[v] else 0]
                n = v_ndest[v]
                for a in range(k):
                    paths[a, b] += n * tot[a]
                    third[a, b] += n * (n1[a] - one[a, b])
                for a in range(k):
                    for x in range(n_slots):
                        via[a, b, x] += n * vx[a, x]
                q = v_corr[v]  # each destination is no source of itself
                if q < 0 or c_len[t, q] < 0 or c_src[q] < 0:
                    continue
                _clear(one_acc)
                extra = extra_root if v_branch[v] else -1
                _add_source(C, c_hop[t, q], extra, c_src[q], 1, slots, index, one_acc)
                a = c_src[q]
                paths[a, b] -= n * one_acc[0][a]
                third[a, b] -= n * (one_acc[1][a] - one_acc[2][a, b])
                for x in range(n_slots):
                    via[a, b, x] -= n * one_acc[3][a, x]
        c0 = next_asked_tile(K, c0 + tw, super_w, shift, rank_shift, inf, row_of, roots, net, scratch, vptr, v_b)
