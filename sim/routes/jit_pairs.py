"""Per destination column, whether each chosen path crosses a third country (numba): the counts of jurisdiction
exposure, shared by the exposure pass (:mod:`sim.routes.jit_exposure`) and the measures' tally pass
(:func:`sim.routes.jit.tally_block`, which counts exposure in the same pass when asked).

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

MANY = -2  #: ``x2`` of a path with three or more distinct countries


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
def pairs_scratch(n_t, n_len, t_src, c_src, k):
    """The arrays :func:`exposure_column` works in, allocated once per block: ``(count, order, X, tot, n1, one,
    sources, start)``; ``sources`` lists the sources of the countries asked for (transit rows, then source
    classes) grouped by country (``start[a]:start[a + 1]`` for country ``a``), so that a country's sums stay in
    registers through its run instead of updating one slot of memory per source."""
    src_country = np.concatenate((t_src, c_src))
    sources = np.argsort(src_country, kind="mergesort")
    start = np.searchsorted(src_country[sources], np.arange(k + 1))
    return (
        np.empty(n_len, np.int64),  # rows by length, for the depth order
        np.empty(n_t, np.int64),
        np.empty((n_t + 1, 2), np.int64),  # each row's pair of countries; row n_t: the destination itself
        np.zeros((2, k), np.int64),  # [0]: the paths as they are; [1]: with the root's country on every path
        np.zeros((2, k), np.int64),
        np.zeros((2, k, k + 1), np.int64),  # column k: a source crossing no single wanted country
        sources,
        start,
    )


@njit(nogil=True, cache=True, inline="always")  # scalars and arrays read in place: no call per source
def _class_route(q, lone_prov, length, c_len, c_hop):
    """``(has, hop)``: whether source class ``q`` has a route in the column, and the transit row it enters (-1:
    the destination itself). A lone class (``lone_prov[q] >= 0``, not routed per column) enters its provider."""
    p = lone_prov[q]
    if p >= 0:
        return length[p] >= 0, p
    return c_len[q] >= 0, c_hop[q]


@njit(nogil=True, cache=True)
def exposure_column(
    length, hop, c_len, c_hop, lone_prov, root, plain, branch, t_slot, t_src, c_src, cls_size, slots, index,
    unknown, v0, v1, v_b, v_corr, v_ndest, v_branch, ps, paths, third,
):  # fmt: skip
    """Adds one column's ``paths[a, b]`` and ``third[a, b]`` over its views ``v0:v1``: ``length``, ``hop`` its
    transit rows' routes, ``c_len``, ``c_hop`` its routed source classes' (lone ones from their provider row),
    ``root`` its destination's row, ``plain``/``branch`` whether it serves a country asked for as itself and below
    its root (:func:`_asked`), ``ps`` :func:`pairs_scratch`."""
    count, order, X, tot, n1, one, sources, start = ps
    n_t = len(length)
    k = len(slots)
    _path_pairs(length, hop, root, t_slot, unknown, count, order, X)
    extra = t_slot[root] if root >= 0 and t_slot[root] != unknown else -1
    one[:, :, :] = 0
    # every source of a country asked for, country by country: none, one (which) or more countries besides its
    # own on its path; the body written once, inline (a call per source, with its arrays, cost more than the count)
    for a in range(k):
        sa = slots[a]
        t0 = t1 = c0 = c1 = 0  # tot and crossed, plain and with the root's country
        for i in sources[start[a] : start[a + 1]]:
            if i < n_t:
                w, h = 1, hop[i]
                if length[i] < 1:
                    continue
            else:
                w = cls_size[i - n_t]
                has, h = _class_route(i - n_t, lone_prov, length, c_len, c_hop)
                if not has:
                    continue
            p, q = X[h if h >= 0 else n_t, 0], X[h if h >= 0 else n_t, 1]
            if plain:
                crossed, single = _count(p, q, -1, sa, index, k)
                t0 += w
                c0 += w * crossed
                one[0, a, single] += w
            if branch:
                crossed, single = _count(p, q, extra, sa, index, k)
                t1 += w
                c1 += w * crossed
                one[1, a, single] += w
        tot[0, a], n1[0, a], tot[1, a], n1[1, a] = t0, c0, t1, c1
    if branch and root >= 0 and t_src[root] >= 0:  # the root: a source one hop from a branch
        tot[1, t_src[root]] += 1
    for v in range(v0, v1):
        b = v_b[v]
        if b < 0:
            continue
        j = 1 if v_branch[v] else 0
        n = v_ndest[v]
        for a in range(k):
            paths[a, b] += n * tot[j, a]
            third[a, b] += n * (n1[j, a] - one[j, a, b])
        q = v_corr[v]  # each destination is no source of itself
        if q < 0 or c_src[q] < 0:
            continue
        has, h = _class_route(q, lone_prov, length, c_len, c_hop)
        if not has:
            continue
        a = c_src[q]
        h = h if h >= 0 else n_t
        crossed, single = _count(X[h, 0], X[h, 1], extra if j else -1, slots[a], index, k)
        paths[a, b] -= n
        if crossed and single != b:
            third[a, b] -= n
