"""The path measures' compiled kernels (numba): one destination column at a time, the tree walked by depth.

The numpy path (:mod:`sim.routes.measures`) moves whole blocks with scatter-adds; here a block's keys are copied
into tile-major order (:func:`copy_super`), each tile of ``TILE`` columns is decoded and its source classes routed
for all its columns at once (:func:`route_tile`: peer offers pushed from the rows holding customer routes,
provider offers pulled per class), and per column the subtree counts move deepest entry first. The stretch and
exposure kernels (:mod:`sim.routes.jit_paths`) share the tile routing. Every count is an integer (``int64``), so
the sums do not depend on the order of the blocks or on the threads. Compiled on first use and cached on disk.

The kernels take plain arrays; :mod:`sim.routes.measures` prepares them and decides which kernel runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.arrays import expand_ranges
from sim.routes.jit_pairs import _asked, _depth_order, exposure_column, pairs_scratch

INF = np.iinfo(np.int64).max


TILE = 16  # columns routed together: one cache line of 4-byte keys per row
CLASS_RUN = 64  # classes whose best offers are held before being written out lane by lane


@njit(nogil=True, cache=True)
def tile_scratch(n_t, n_c, dtype_probe, super_w):
    """``(Kt, length, hop, prov_offer, peer_offer, peer_best, touched, cust, best, c_len, c_hop)``: the arrays
    :func:`route_tile` fills, allocated once per block; ``Kt`` holds ``super_w`` columns in tile-major order."""
    Kt = np.empty(((super_w + TILE - 1) // TILE, n_t, TILE), dtype_probe.dtype)
    length = np.empty((TILE, n_t), np.int32)
    hop = np.empty((TILE, n_t), np.int32)
    prov_offer = np.empty((n_t, TILE), dtype_probe.dtype)
    peer_offer = np.empty((n_t, TILE), dtype_probe.dtype)
    peer_best = np.empty((n_c, TILE), dtype_probe.dtype)
    touched = np.zeros(n_c, np.bool_)
    cust = np.empty(n_t, np.int64)
    best = np.empty((CLASS_RUN, TILE), dtype_probe.dtype)
    c_len = np.empty((TILE, n_c), np.int32)
    c_hop = np.empty((TILE, n_c), np.int32)
    return Kt, length, hop, prov_offer, peer_offer, peer_best, touched, cust, best, c_len, c_hop


@njit(nogil=True, cache=True)
def copy_super(K, s0, sw, Kt):
    """Columns ``s0 .. s0 + sw - 1`` of ``K`` into tile-major order ``Kt[tile, row, lane]``, reading each row's
    run in sequence (a column of ``K`` read directly touches one page per row), a tile's lanes at a time (a
    division per column kept the loop scalar)."""
    for r in range(K.shape[0]):
        row = K[r, s0 : s0 + sw]
        for j in range(sw // TILE):
            dst = Kt[j, r]
            for t in range(TILE):
                dst[t] = row[j * TILE + t]
        j = sw // TILE
        for t in range(sw - j * TILE):
            Kt[j, r, t] = row[j * TILE + t]


@njit(nogil=True, cache=True)
def _decode_tile(Kt, T, c0, shift, rank_shift, row_of, roots, inf, length, hop, prov_offer, peer_offer, cust):
    """A tile of ``T`` columns (``Kt``, ``(n_t, TILE)``; the first column is ``c0``): ``length[t, r]`` (-1: no
    route), ``hop[t, r]`` (the next hop's transit row; -1 for the origin and a stub next hop), and what row ``r``
    offers a stub class in lane ``t`` as provider (any route) and as peer (customer routes): class keys one hop
    longer whose next hop is the row itself (rows follow AS indices, so ties break as on ASNs); ``inf`` where it
    offers nothing. ``cust`` lists the rows with a customer route in some lane; returns how many."""
    len_mask = (1 << (rank_shift - shift)) - 1
    hop_mask = (1 << shift) - 1
    provider_rank = 2 << rank_shift
    peer_rank = 1 << rank_shift
    n_cust = 0
    for r in range(Kt.shape[0]):
        any_cust = False
        for t in range(T, TILE):  # lanes past the last column offer nothing
            prov_offer[r, t] = inf
            peer_offer[r, t] = inf
        for t in range(T):
            key = np.int64(Kt[r, t])
            rank = key >> rank_shift
            if rank == 3:
                length[t, r] = -1
                hop[t, r] = -1
                prov_offer[r, t] = inf
                peer_offer[r, t] = inf
                continue
            L = (key >> shift) & len_mask
            length[t, r] = L
            if L > 1:  # through a transit AS (stubs carry no route)
                hop[t, r] = row_of[key & hop_mask]
            else:  # the destination: its own row (-1 for a stub destination, and for the origin)
                hop[t, r] = roots[c0 + t] if L == 1 else -1
            offer = ((L + 1) << shift) | r
            prov_offer[r, t] = provider_rank | offer
            if rank == 0:
                peer_offer[r, t] = peer_rank | offer
                any_cust = True
            else:
                peer_offer[r, t] = inf
        if any_cust:
            cust[n_cust] = r
            n_cust += 1
    return n_cust


@njit(nogil=True, cache=True)
def _class_tile(T, prov_offer, peer_offer, cust, n_cust, prov_ptr, prov_row, rpeer_ptr, rpeer_cls, shift,
                rank_shift, inf, peer_best, touched, best, c_len, c_hop, classes, out, c0):  # fmt: skip
    """The route of each source class in ``classes`` in the tile's lanes: the best of its transit peers' customer
    routes and its providers' routes (one hop longer). Peer offers are pushed from the few rows holding a customer
    route (``cust``: the destinations' upstream cones) to the classes peering with them (``peer_best``); provider
    offers are pulled, a minimum over the class's providers for all lanes at once. Writes ``c_len[t, k]`` (-1: no
    route) and ``c_hop[t, k]`` (the transit row entered); ``best`` holds a run of classes' minima, written out one
    lane at a time, so that the writes run along the rows of ``c_len`` and ``c_hop``. With ``out`` of some rows
    (the stretch's group lengths, :func:`sim.routes.jit_paths.group_lengths`), only the lengths are written, into
    ``out[c0 + t, n_t + k]``, and ``c_len``/``c_hop`` are left as they were.

    The lane loops run to ``T``, a number only known at run time: a loop of the constant ``TILE`` is unrolled
    first and then left scalar (its loads and stores might overlap), while this one is compiled to vector
    minimums (``vpminud``) behind one overlap check."""
    len_mask = (1 << (rank_shift - shift)) - 1
    hop_mask = (1 << shift) - 1
    for i in range(n_cust):
        r = cust[i]
        o = peer_offer[r]
        for e in range(rpeer_ptr[r], rpeer_ptr[r + 1]):
            k = rpeer_cls[e]
            pb = peer_best[k]
            if not touched[k]:
                touched[k] = True
                for t in range(T):
                    pb[t] = o[t]
            else:
                for t in range(T):
                    pb[t] = min(pb[t], o[t])
    n = len(classes)
    for i0 in range(0, n, CLASS_RUN):
        i1 = min(i0 + CLASS_RUN, n)
        for i in range(i0, i1):
            k = classes[i]
            b = best[i - i0]
            if touched[k]:
                touched[k] = False
                pb = peer_best[k]
                for t in range(T):
                    b[t] = pb[t]
            else:
                for t in range(T):
                    b[t] = inf
            for e in range(prov_ptr[k], prov_ptr[k + 1]):
                o = prov_offer[prov_row[e]]
                for t in range(T):
                    b[t] = min(b[t], o[t])
        if out.shape[0]:
            n_t = prov_offer.shape[0]
            for t in range(T):
                o = out[c0 + t]
                for i in range(i0, i1):
                    v = best[i - i0, t]
                    o[n_t + classes[i]] = -1 if v == inf else (np.int64(v) >> shift) & len_mask
            continue
        for t in range(T):
            for i in range(i0, i1):
                k = classes[i]
                v = best[i - i0, t]
                if v == inf:
                    c_len[t, k] = -1
                    c_hop[t, k] = -1
                else:
                    w = np.int64(v)
                    c_len[t, k] = (w >> shift) & len_mask
                    c_hop[t, k] = w & hop_mask


@njit(nogil=True, cache=True)
def route_tile(Kt, T, c0, shift, rank_shift, inf, row_of, roots, net, scratch, with_lone):
    """Every transit row's and source class's route in the ``T`` columns of one tile (``c0`` the first):
    ``length``/``hop`` per row and ``c_len``/``c_hop`` per class in ``scratch``. ``net`` holds the classes'
    links (see :func:`sim.routes.measures.class_net`); lone classes (one provider, no peer) are routed only when
    ``with_lone`` (the tally counts them per provider row instead)."""
    prov_ptr, prov_row, rpeer_ptr, rpeer_cls, direct_ptr, direct_cls, multi, lone, lone_prov = net
    _, length, hop, prov_offer, peer_offer, peer_best, touched, cust, best, c_len, c_hop = scratch
    n_cust = _decode_tile(Kt, T, c0, shift, rank_shift, row_of, roots, inf, length, hop, prov_offer, peer_offer,
                          cust)  # fmt: skip
    no_out = np.empty((0, 0), np.int16)  # into c_len and c_hop
    _class_tile(T, prov_offer, peer_offer, cust, n_cust, prov_ptr, prov_row, rpeer_ptr, rpeer_cls, shift,
                rank_shift, inf, peer_best, touched, best, c_len, c_hop, multi, no_out, c0)  # fmt: skip
    for t in range(T):
        if with_lone:
            for k in lone:
                p = lone_prov[k]
                c_len[t, k] = length[t, p] + 1 if length[t, p] >= 0 else -1
                c_hop[t, k] = p
        c = c0 + t
        for e in range(direct_ptr[c], direct_ptr[c + 1]):  # a class peering with the stub destination
            c_len[t, direct_cls[e]] = 1
            c_hop[t, direct_cls[e]] = -1


@njit(nogil=True, cache=True)
def tally_block(
    K, super_w, shift, rank_shift, inf, roots, row_of, t_slot, cls_size, cls_slot, net,
    lone_size, lone_cc, vptr, v_slot, v_corr, v_self, v_branch, w_self, w_branch,
    load, dep, den, hist, out_len, ex,
):  # fmt: skip
    """Adds one block's measures into ``load`` (n_t), ``dep`` (n_slots, n_t), ``den`` (n_slots), ``hist`` (n_len).

    ``roots[c]``: the destination's own transit row (-1 for a stub class column); views ``vptr[c]:vptr[c + 1]``
    of column ``c``: their country slot, own source class (``v_corr``, -1: none), destinations served as
    themselves and as branches below the root, and those destinations' weights.

    Source classes with one provider and no peer (*lone*) enter their provider wherever it has a route, so they
    are counted per provider row (``lone_size``, and by country ``lone_cc``); only the others are routed per
    column. With ``out_len`` of ``W`` rows, the stretch's group lengths are written there on the way
    (:func:`sim.routes.jit_paths.group_lengths`). With ``ex = (t_src, c_src, slots, index, unknown, v_b, v_ndest,
    v_branch, paths, third)`` for ``k > 0`` countries asked for (``slots``), every column serving one of
    them also adds its exposure counts into ``paths`` and ``third`` (:func:`sim.routes.jit_pairs.exposure_column`),
    from the classes routed here."""
    t_src, c_src, slots, index, unknown, e_b, e_ndest, e_branch, paths, third = ex
    n_t, W = K.shape
    n_len = len(hist)
    scratch = tile_scratch(n_t, len(cls_size), K[:1, 0], super_w)
    Kt, length, hop, _, _, _, _, _, _, c_len, c_hop = scratch
    lone_prov = net[8]
    multi = net[6]
    count = np.empty(n_len, np.int64)
    order = np.empty(n_t, np.int64)
    col_hist = np.empty(n_len, np.int64)
    max_views = 1
    for c in range(W):
        max_views = max(max_views, vptr[c + 1] - vptr[c])
    S = np.empty(n_t, np.int64)
    D = np.empty((max_views, n_t), np.int64)  # sources of each of the column's countries
    j_slot = np.empty(max_views, np.int64)
    h_dom = np.empty(max_views, np.int64)
    j_weight = np.empty(max_views, np.int64)
    local = np.full(len(den), -1, np.int64)
    m_start = np.searchsorted(cls_slot[multi], np.arange(len(den) + 1))  # multi's classes of each country
    ps = pairs_scratch(n_t, t_src, c_src, lone_prov, index, len(slots))
    for s0 in range(0, W, super_w):
        sw = min(super_w, W - s0)
        if vptr[s0 + sw] == vptr[s0]:
            continue
        copy_super(K, s0, sw, Kt)
        for c0 in range(s0, s0 + sw, TILE):
            tw = min(TILE, s0 + sw - c0)
            if vptr[c0 + tw] == vptr[c0]:
                continue
            route_tile(Kt[(c0 - s0) // TILE], tw, c0, shift, rank_shift, inf, row_of, roots, net, scratch, False)
            for t in range(tw):
                c = c0 + t
                if out_len.shape[0]:
                    _write_lengths(length[t], c_len[t], multi, net[7], lone_prov, out_len[c])
                if vptr[c + 1] == vptr[c]:
                    continue
                n_order = _depth_order(length[t], hop[t], roots[c], count, order)  # shared with exposure
                _tally_column(
                    length[t], hop[t], c_len[t], c_hop[t], roots[c], t_slot, cls_size, m_start, multi, lone_prov,
                    lone_size, lone_cc,
                    vptr[c], vptr[c + 1], v_slot, v_corr, v_self, v_branch, w_self, w_branch,
                    order, n_order, col_hist, S, D, j_slot, h_dom, j_weight, local, load, dep, den, hist,
                )  # fmt: skip
                if len(slots):
                    plain, branch = _asked(vptr, e_b, e_branch, c)
                    if plain or branch:
                        exposure_column(
                            length[t], hop[t], c_len[t], c_hop[t], lone_prov, roots[c], order, n_order, plain, branch,
                            t_slot, t_src, c_src, cls_size, slots, index, unknown, vptr[c], vptr[c + 1], e_b, v_corr,
                            e_ndest, e_branch, ps, paths, third,
                        )  # fmt: skip


@njit(nogil=True, cache=True)
def _write_lengths(length, c_len, multi, lone, lone_prov, o):
    """One column's AS hops per source group: transit rows, then source classes (lone ones from their provider)."""
    n_t = len(length)
    for r in range(n_t):
        o[r] = length[r]
    for k in multi:
        o[n_t + k] = c_len[k]
    for k in lone:
        p = lone_prov[k]
        o[n_t + k] = length[p] + 1 if length[p] >= 0 else -1


@njit(nogil=True, cache=True)
def _tally_column(
    length, hop, c_len, c_hop, root, t_slot, cls_size, m_start, multi, lone_prov, lone_size, lone_cc,
    v0, v1, v_slot, v_corr, v_self, v_branch, w_self, w_branch,
    order, n_order, col_hist, S, D, j_slot, h_dom, j_weight, local, load, dep, den, hist,
):  # fmt: skip
    """One column's views: subtree counts of all sources (``S``) and of each view country's (``D``), deepest
    entry first (``order[:n_order]``, its :func:`sim.routes.jit_pairs._depth_order`), then every measure's share
    of them. ``multi[m_start[s]:m_start[s + 1]]``: the routed classes of country slot ``s``."""
    n_t = len(length)
    n_len = len(hist)
    n_j = 0  # the column's countries
    for v in range(v0, v1):
        s = v_slot[v]
        if local[s] < 0:
            local[s] = n_j
            j_slot[n_j] = s
            j_weight[n_j] = 0
            n_j += 1
        j_weight[local[s]] += w_self[v] + w_branch[v]
    col_hist[:] = 0
    h_tot = 0
    # each row a source (the destination's aside), with the lone classes below it one hop further; the loops over
    # rows are written without branches (a select per row) so that they compile to vector code
    for r in range(n_t):
        if length[r] < 0:
            S[r] = 0
            continue
        o = 1 if r != root else 0
        lone = lone_size[r]
        S[r] = o + lone
        col_hist[length[r]] += o
        col_hist[length[r] + 1] += lone
    for j in range(n_j):
        s = j_slot[j]
        d_j, cc = D[j], lone_cc[s]
        dom = 0
        for r in range(n_t):
            d = (cc[r] + ((r != root) & (t_slot[r] == s))) * (length[r] >= 0)
            d_j[r] = d
            dom += d
        h_dom[j] = dom
    for k in multi:
        if c_len[k] < 0:
            continue
        size = cls_size[k]
        col_hist[c_len[k]] += size
        h = c_hop[k]
        if h >= 0:
            S[h] += size
    for j in range(n_j):  # the classes of the view's country: a run of multi (classes are sorted by country)
        s = j_slot[j]
        for i in range(m_start[s], m_start[s + 1]):
            k = multi[i]
            if c_len[k] < 0:
                continue
            h_dom[j] += cls_size[k]
            h = c_hop[k]
            if h >= 0:
                D[j, h] += cls_size[k]
    for L in range(n_len):
        h_tot += col_hist[L]  # every source with a route, at its length
    for i in range(n_order):
        r = order[i]
        h = hop[r]
        S[h] += S[r]
        for j in range(n_j):
            D[j, h] += D[j, r]

    n_self = 0
    n_branch = 0
    for v in range(v0, v1):
        n_self += v_self[v]
        n_branch += v_branch[v]
    n_dest = n_self + n_branch
    for L in range(n_len - 1):
        hist[L] += n_self * col_hist[L]
        hist[L + 1] += n_branch * col_hist[L]
    for r in range(n_t):
        load[r] += n_dest * (S[r] - 1) * ((length[r] >= 0) & (r != root))
    for j in range(n_j):
        s, w = j_slot[j], j_weight[j]
        d_j, dep_s = D[j], dep[s]
        for r in range(n_t):  # foreign sources through the row, the row itself aside
            dep_s[r] += w * (S[r] - d_j[r] - (t_slot[r] != s)) * ((length[r] >= 0) & (r != root))

    for v in range(v0, v1):
        s = v_slot[v]
        j = local[s]
        foreign = h_tot - h_dom[j]  # the destination's own class is of its country: no change
        root_foreign = 1 if root >= 0 and t_slot[root] != s else 0
        den[s] += w_self[v] * foreign + w_branch[v] * (foreign + root_foreign)
        k = v_corr[v]
        root_on_path = False
        if k >= 0 and lone_prov[k] >= 0:  # a lone class: not routed above
            p = lone_prov[k]
            c_len[k] = length[p] + 1 if length[p] >= 0 else -1
            c_hop[k] = p
        if k >= 0 and c_len[k] >= 0:  # the destination is no source of itself: off its class's path
            hist[c_len[k]] -= v_self[v]
            hist[c_len[k] + 1] -= v_branch[v]
            a = c_hop[k]
            while a >= 0:
                if a == root:
                    root_on_path = True
                else:
                    load[a] -= v_self[v] + v_branch[v]
                a = hop[a]
        if v_branch[v] > 0 and root >= 0:  # the root is an intermediate of every path to a branch
            hist[1] += v_branch[v]
            load[root] += v_branch[v] * (S[root] - (1 if root_on_path else 0))
            dep[s, root] += w_branch[v] * (S[root] - D[j, root])
    for j in range(n_j):
        local[j_slot[j]] = -1


# -- preparation (numpy) ---------------------------------------------------------------------------------------


def csr(n_rows: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, col)``: the ``cols`` of each row, rows ``0 .. n_rows - 1``."""
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return ptr, cols[order].astype(np.int64)


def direct_peers(sp_ptr: np.ndarray, sp_cls: np.ndarray, anchors: np.ndarray, row_of: np.ndarray):
    """``(ptr, classes)``: per column, the source classes peering with its destination when it is a stub."""
    n_cls = np.where(row_of[anchors] < 0, sp_ptr[anchors + 1] - sp_ptr[anchors], 0)
    ptr = np.zeros(len(anchors) + 1, np.int64)
    np.cumsum(n_cls, out=ptr[1:])
    return ptr, sp_cls[expand_ranges(sp_ptr[anchors], n_cls)]
