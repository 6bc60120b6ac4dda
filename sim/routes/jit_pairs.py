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
def _path_pairs(length, hop, t_slot, unknown, order, n, X):
    """``X[r] = (x1, x2)`` for every transit row ``r`` holding a route (rows without one are never read); row
    ``n_t`` stands for the destination itself (no country). ``order[:n]``: the column's :func:`_depth_order`."""
    n_t = len(length)
    for r in range(n_t):
        s = t_slot[r]
        X[r, 0] = s if length[r] >= 1 and s != unknown else -1
        X[r, 1] = -1
    X[n_t, 0] = -1
    X[n_t, 1] = -1
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
def pairs_scratch(n_t, t_src, c_src, lone_prov, index, k):
    """The arrays :func:`exposure_column` works in, allocated once per block: ``(X, tot, n1, one, sources, start,
    code, lab, M, present, mark)``. ``sources`` lists the sources of the countries asked for by
    country and kind: run ``start[3 a + i]:start[3 a + i + 1]`` of country ``a`` holds its transit rows (``i = 0``),
    its classes routed per column (1) and its lone classes (2, ``lone_prov[q] >= 0``), so that each run reads the
    route the same way and a country's counts stay in one row of ``M``. ``code`` is the country slots' code in the
    rows' labels (the wanted-country index, ``k`` for any other country)."""
    n_c = len(c_src)
    kind = np.empty(n_t + n_c, np.int64)
    for i in range(n_t):
        kind[i] = 3 * t_src[i] if t_src[i] >= 0 else 3 * k
    for q in range(n_c):
        kind[n_t + q] = 3 * c_src[q] + (2 if lone_prov[q] >= 0 else 1) if c_src[q] >= 0 else 3 * k
    sources = np.argsort(kind, kind="mergesort")
    start = np.searchsorted(kind[sources], np.arange(3 * k + 1))
    code = np.where(index >= 0, index, k)
    n_code = k + 2  # wanted countries, any other, none
    return (
        np.empty((n_t + 1, 2), np.int64),  # each row's pair of countries; row n_t: the destination itself
        np.zeros((2, k), np.int64),  # [0]: the paths as they are; [1]: with the root's country on every path
        np.zeros((2, k), np.int64),
        np.zeros((2, k, k + 1), np.int64),  # column k: a source crossing no single wanted country
        sources,
        start,
        code,
        np.empty(n_t + 1, np.int64),  # each row's label: its pair in codes
        np.zeros((k, n_code * n_code + 1), np.int64),  # sources of each country entering a row of each label
        np.empty(n_code * n_code + 1, np.int64),  # the column's labels
        np.zeros(n_code * n_code + 1, np.bool_),
    )


@njit(nogil=True, cache=True, inline="always")  # scalars and arrays read in place: no call per source
def _class_route(q, lone_prov, length, c_len, c_hop):
    """``(has, hop)``: whether source class ``q`` has a route in the column, and the transit row it enters (-1:
    the destination itself). A lone class (``lone_prov[q] >= 0``, not routed per column) enters its provider."""
    p = lone_prov[q]
    if p >= 0:
        return length[p] >= 0, p
    return c_len[q] >= 0, c_hop[q]


@njit(nogil=True, cache=True, inline="always")  # scalars only
def _code_count(p, q, e, a, many, k, none):
    """``(crossed, single)`` as :func:`_count`, on the countries' codes (:func:`pairs_scratch`): ``p``, ``q`` a
    row's pair, ``e`` the root's country (``none``: not on the path), ``a`` the source's wanted-country index.
    Countries not asked for share the code ``k``, so two of them may count as one: that changes only ``m`` between
    1 and 2 with no wanted country alone on the path, where ``single`` is ``k`` either way."""
    cp = (p != none) & (p != a)
    cq = (q != none) & (q != a)
    ce = (e != none) & (e != a) & (e != p) & (e != q)
    m = np.int64(cp) + np.int64(cq) + np.int64(ce)
    single = p if cp else (q if cq else e)
    return (m >= 1) | many, single if (m == 1) & ~many & (single < k) else k


@njit(nogil=True, cache=True)
def _label_rows(X, code, n_code, k, lab, present, mark):
    """Each row's label (``lab``): its pair of countries in codes, or one label for three countries or more;
    lists the labels present (``present``, ``mark``); returns how many."""
    none = n_code - 1
    many_lab = n_code * n_code
    n_p = 0
    for r in range(len(lab)):
        p, q = X[r, 0], X[r, 1]
        if q == MANY:
            lb = many_lab
        else:
            lb = (code[p] if p >= 0 else none) * n_code + (code[q] if q >= 0 else none)
        lab[r] = lb
        if not mark[lb]:
            mark[lb] = True
            present[n_p] = lb
            n_p += 1
    return n_p


@njit(nogil=True, cache=True)
def _label_sources(length, hop, c_len, c_hop, lone_prov, cls_size, sources, start, lab, M):
    """``M[a, label]``: the sources of wanted country ``a`` with a route, by the label of the row they enter
    (``lab[n_t]``: the destination itself); one run per country and kind of source, without a branch on the kind."""
    n_t = len(length)
    for a in range(M.shape[0]):
        Ma = M[a]
        for i in sources[start[3 * a] : start[3 * a + 1]]:  # transit rows
            if length[i] >= 1:
                h = hop[i]
                Ma[lab[h if h >= 0 else n_t]] += 1
        for i in sources[start[3 * a + 1] : start[3 * a + 2]]:  # classes routed in the column
            q = i - n_t
            if c_len[q] >= 0:
                h = c_hop[q]
                Ma[lab[h if h >= 0 else n_t]] += cls_size[q]
        for i in sources[start[3 * a + 2] : start[3 * a + 3]]:  # lone classes: their provider's row
            q = i - n_t
            p = lone_prov[q]
            if length[p] >= 0:
                Ma[lab[p]] += cls_size[q]


@njit(nogil=True, cache=True)
def exposure_column(
    length, hop, c_len, c_hop, lone_prov, root, order, n_order, plain, branch, t_slot, t_src, c_src, cls_size,
    slots, index, unknown, v0, v1, v_b, v_corr, v_ndest, v_branch, ps, paths, third,
):  # fmt: skip
    """Adds one column's ``paths[a, b]`` and ``third[a, b]`` over its views ``v0:v1``: ``length``, ``hop`` its
    transit rows' routes, ``c_len``, ``c_hop`` its routed source classes' (lone ones from their provider row),
    ``root`` its destination's row, ``order[:n_order]`` its :func:`_depth_order`, ``plain``/``branch`` whether it
    serves a country asked for as itself and below its root (:func:`_asked`), ``ps`` :func:`pairs_scratch`.

    A source's counts depend only on its country and the pair of the row it enters: so the rows are labelled by
    their pair in codes (:func:`_label_rows`), the sources counted by (country, label) (:func:`_label_sources`),
    and each of the column's few labels judged once per country, plain and with the root's country."""
    X, tot, n1, one, sources, start, code, lab, M, present, mark = ps
    n_t = len(length)
    k = len(slots)
    n_code = k + 2
    none = k + 1
    _path_pairs(length, hop, t_slot, unknown, order, n_order, X)
    extra = t_slot[root] if root >= 0 and t_slot[root] != unknown else -1
    ec = code[extra] if extra >= 0 else none
    n_p = _label_rows(X, code, n_code, k, lab, present, mark)
    _label_sources(length, hop, c_len, c_hop, lone_prov, cls_size, sources, start, lab, M)
    tot[:, :] = 0
    n1[:, :] = 0
    one[:, :, :] = 0
    for i in range(n_p):
        lb = present[i]
        mark[lb] = False
        many = lb == n_code * n_code
        p, q = (none, none) if many else (lb // n_code, lb % n_code)
        for a in range(k):
            w = M[a, lb]
            if w == 0:
                continue
            M[a, lb] = 0
            tot[0, a] += w
            tot[1, a] += w
            crossed, single = _code_count(p, q, none, a, many, k, none)
            n1[0, a] += w * crossed
            one[0, a, single] += w
            crossed, single = _code_count(p, q, ec, a, many, k, none)
            n1[1, a] += w * crossed
            one[1, a, single] += w
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
