"""The path measures' compiled kernels (numba): one destination column at a time, the tree walked by depth.

The numpy path (:mod:`sim.routes.measures`) moves whole blocks with scatter-adds; here each column's routes are
decoded into small arrays that stay in cache, the source classes' routes are chosen by a loop over their
providers and peers, and subtree counts move deepest entry first. Every count is an integer (``int64``), so the
sums do not depend on the order of the blocks or on the threads. Compiled on first use and cached on disk.

The kernels take plain arrays; :mod:`sim.routes.measures` prepares them and decides which kernel runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.arrays import expand_ranges

INF = np.iinfo(np.int64).max


TILE = 16  # columns decoded and routed together: one cache line of 4-byte keys per row


@njit(nogil=True, cache=True)
def _decode_tile(K, c0, T, shift, rank_shift, row_of, roots, inf, length, hop, prov_offer, peer_offer):
    """Columns ``c0 .. c0 + T - 1`` of the keys ``K``: ``length[t, r]`` (-1: no route), ``hop[t, r]`` (the next
    hop's transit row; -1 for the origin and a stub next hop), and what row ``r`` offers a stub class in column
    ``t`` as provider (any route) and as peer (customer routes): class keys one hop longer whose next hop is the
    row itself (rows follow AS indices, so ties break as on ASNs); ``inf`` where it offers nothing."""
    len_mask = (1 << (rank_shift - shift)) - 1
    hop_mask = (1 << shift) - 1
    provider_rank = 2 << rank_shift
    peer_rank = 1 << rank_shift
    for r in range(K.shape[0]):
        for t in range(T, TILE):  # lanes past the last column offer nothing
            prov_offer[r, t] = inf
            peer_offer[r, t] = inf
        for t in range(T):
            key = np.int64(K[r, c0 + t])
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
            peer_offer[r, t] = peer_rank | offer if rank == 0 else inf


@njit(nogil=True, cache=True)
def _class_tile(T, prov_offer, peer_offer, prov_ptr, prov_row, peer_ptr, peer_row, shift, rank_shift, inf, best,
                c_len, c_hop, classes):  # fmt: skip
    """The route of each source class in ``classes`` in the tile's columns: the best of its providers' and
    transit peers' offers, a minimum over all lanes at once. Writes ``c_len[t, k]`` (-1: no route) and
    ``c_hop[t, k]`` (the transit row entered)."""
    len_mask = (1 << (rank_shift - shift)) - 1
    hop_mask = (1 << shift) - 1
    for k in classes:
        for t in range(TILE):
            best[t] = inf
        for e in range(prov_ptr[k], prov_ptr[k + 1]):
            p = prov_row[e]
            for t in range(TILE):
                best[t] = min(best[t], prov_offer[p, t])
        for e in range(peer_ptr[k], peer_ptr[k + 1]):
            p = peer_row[e]
            for t in range(TILE):
                best[t] = min(best[t], peer_offer[p, t])
        for t in range(T):
            b = np.int64(best[t])
            if best[t] == inf:
                c_len[t, k] = -1
                c_hop[t, k] = -1
            else:
                c_len[t, k] = (b >> shift) & len_mask
                c_hop[t, k] = b & hop_mask


@njit(nogil=True, cache=True)
def _depth_order(length, hop, root, count, order):
    """The rows with a route through another transit row (the destination's row aside), deepest first: a counting
    sort by length. Returns how many."""
    count[:] = 0
    for r in range(len(length)):
        if hop[r] >= 0 and r != root:
            count[length[r]] += 1
    start = 0
    for L in range(len(count) - 1, -1, -1):
        n = count[L]
        count[L] = start
        start += n
    for r in range(len(length)):
        if hop[r] >= 0 and r != root:
            order[count[length[r]]] = r
            count[length[r]] += 1
    return start


@njit(nogil=True, cache=True)
def tally_block(
    K, shift, rank_shift, inf, roots, row_of, t_slot,
    cls_size, cls_slot, prov_ptr, prov_row, peer_ptr, peer_row, direct_ptr, direct_cls,
    multi, lone_prov, lone_size, lone_cc, vptr, v_slot, v_corr, v_self, v_branch, w_self, w_branch,
    load, dep, den, hist,
):  # fmt: skip
    """Adds one block's measures into ``load`` (n_t), ``dep`` (n_slots, n_t), ``den`` (n_slots), ``hist`` (n_len).

    ``roots[c]``: the destination's own transit row (-1 for a stub class column); ``direct_cls[direct_ptr[c]:
    direct_ptr[c + 1]]`` the source classes peering with column ``c``'s stub destination; views ``vptr[c]:vptr[c +
    1]`` of column ``c``: their country slot, own source class (``v_corr``, -1: none), destinations served as
    themselves and as branches below the root, and those destinations' weights.

    Source classes with one provider and no peer (*lone*: ``lone_prov[k] >= 0``) enter their provider wherever
    it has a route, so they are counted per provider row (``lone_size``, and by country ``lone_cc``); only the
    others (``multi``) are routed per column."""
    n_t, W = K.shape
    n_c = len(cls_size)
    n_len = len(hist)
    T = TILE
    length = np.empty((T, n_t), np.int32)
    hop = np.empty((T, n_t), np.int32)
    prov_offer = np.empty((n_t, T), K.dtype)
    peer_offer = np.empty((n_t, T), K.dtype)
    best = np.empty(T, K.dtype)
    c_len = np.empty((T, n_c), np.int32)
    c_hop = np.empty((T, n_c), np.int32)
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
    for c0 in range(0, W, T):
        tw = min(T, W - c0)
        if vptr[c0 + tw] == vptr[c0]:
            continue
        _decode_tile(K, c0, tw, shift, rank_shift, row_of, roots, inf, length, hop, prov_offer, peer_offer)
        _class_tile(tw, prov_offer, peer_offer, prov_ptr, prov_row, peer_ptr, peer_row, shift, rank_shift, inf,
                    best, c_len, c_hop, multi)  # fmt: skip
        for t in range(tw):
            c = c0 + t
            if vptr[c + 1] == vptr[c]:
                continue
            for e in range(direct_ptr[c], direct_ptr[c + 1]):  # a class peering with the stub destination
                c_len[t, direct_cls[e]] = 1
                c_hop[t, direct_cls[e]] = -1
            _tally_column(
                length[t], hop[t], c_len[t], c_hop[t], roots[c], t_slot, cls_size, cls_slot, multi, lone_prov,
                lone_size, lone_cc,
                vptr[c], vptr[c + 1], v_slot, v_corr, v_self, v_branch, w_self, w_branch,
                count, order, col_hist, S, D, j_slot, h_dom, j_weight, local, load, dep, den, hist,
            )  # fmt: skip


@njit(nogil=True, cache=True)
def _tally_column(
    length, hop, c_len, c_hop, root, t_slot, cls_size, cls_slot, multi, lone_prov, lone_size, lone_cc,
    v0, v1, v_slot, v_corr, v_self, v_branch, w_self, w_branch,
    count, order, col_hist, S, D, j_slot, h_dom, j_weight, local, load, dep, den, hist,
):  # fmt: skip
    """One column's views: subtree counts of all sources (``S``) and of each view country's (``D``), deepest
    entry first, then every measure's share of them."""
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
    h_dom[:n_j] = 0
    for r in range(n_t):
        if length[r] < 0:
            S[r] = 0
            for j in range(n_j):
                D[j, r] = 0
            continue
        o = 1 if r != root else 0
        lone = lone_size[r]  # the lone classes below it, one hop further
        S[r] = o + lone
        col_hist[length[r]] += o
        col_hist[length[r] + 1] += lone
        h_tot += o + lone
        for j in range(n_j):
            d = lone_cc[j_slot[j], r]
            if o and t_slot[r] == j_slot[j]:
                d += 1
            D[j, r] = d
            h_dom[j] += d
    for k in multi:
        if c_len[k] < 0:
            continue
        size = cls_size[k]
        col_hist[c_len[k]] += size
        h_tot += size
        j = local[cls_slot[k]]
        if j >= 0:
            h_dom[j] += size
        h = c_hop[k]
        if h >= 0:
            S[h] += size
            if j >= 0:
                D[j, h] += size
    n = _depth_order(length, hop, root, count, order)
    for i in range(n):
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
        if length[r] >= 0 and r != root:
            load[r] += n_dest * (S[r] - 1)
            for j in range(n_j):
                foreign_self = 1 if t_slot[r] != j_slot[j] else 0
                dep[j_slot[j], r] += j_weight[j] * (S[r] - D[j, r] - foreign_self)

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
