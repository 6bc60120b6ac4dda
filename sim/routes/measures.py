"""Path-level measures of the chosen routes, accumulated block by block beside the kernel (no loop per pair).

For one destination, the chosen routes form a tree: every AS holding a route points to its next hop. An AS ``v``
lies as an intermediate on the path of every source in its subtree but itself, so the measures follow from subtree
sizes: one pass per block of destination columns, deepest entries first, adds each entry's count to its next hop.

Sources are the transit rows (one AS each) and **source classes**: stubs with the same country, providers and
peers choose the same next hop to every destination (a stub carries no route for anyone, so it is never an
intermediate), so a class enters its next hop's count once, with its size. Destinations are served by columns as
in the kernel; a column's destinations are split into **views** by country (and, for a stub class column, by the
destination's own source class, which loses the destination itself as a source):

- a transit column serves its own AS and the *branch* stubs hanging from it (one provider, no peer), whose trees
  are the column's with the root one hop deeper: the same intermediates, plus the root itself;
- a stub-class column serves the class's members: the same tree with the representative read as the destination.

Each entry carries two counts packed in one float64 (exact below 2**53): all sources, and the sources of the
view's country (``count = total * 2**32 + domestic``), so one scatter-add moves both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.backend import Backend
from sim.data.topology import Topology
from sim.reach.plan import Edges, stub_classes
from sim.routes.kernel import Keys, relax
from sim.routes.plan import DestKind, RoutePlan

PACK = float(1 << 32)  # total sources in the high part, sources of the view's country in the low part


@dataclass(frozen=True)
class SourceClasses:
    """Stubs grouped by (country, providers, peers): as sources they choose the same next hop everywhere."""

    size: np.ndarray  # (n_classes,) members
    slot: np.ndarray  # (n_classes,) country slot, ascending
    slot_start: np.ndarray  # (n_slots + 1,) the classes of slot s are slot_start[s]:slot_start[s + 1]
    of: np.ndarray  # (n,) class of each stub with a neighbour, -1 for every other AS
    prov: Edges  # transit row → class: the class's providers
    peer: Edges  # transit row → class: the class's transit peers
    stub_peer: Edges  # stub AS → class: the class's stub peers
    links: ClassLinks  # the same, per class and per stub (for the compiled kernels)


@dataclass(frozen=True)
class ClassLinks:
    """The source classes' providers and transit peers as CSR rows per class, the classes each transit row peers
    with as CSR rows per row, and the classes each stub AS peers with as CSR rows per AS."""

    prov_ptr: np.ndarray
    prov_row: np.ndarray
    peer_ptr: np.ndarray
    peer_row: np.ndarray
    sp_ptr: np.ndarray
    sp_cls: np.ndarray
    rpeer_ptr: np.ndarray
    rpeer_cls: np.ndarray


def _csr(n_rows: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return ptr, cols[order].astype(np.int64)


def source_classes(topo: Topology, plan: RoutePlan) -> SourceClasses:
    n = plan.n
    routed = plan.stub & (
        (np.bincount(plan.stub_prov.dst, minlength=n) > 0) | (np.bincount(plan.stub_peer.dst, minlength=n) > 0)
    )
    slot = topo.country_slot
    of = np.full(n, -1, np.int64)
    if routed.any():
        cls = stub_classes(n, routed, slot, plan.stub_prov, plan.stub_peer)
        of[cls.members] = cls.member_class
        rep = np.zeros(n, bool)
        rep[cls.rep] = True
        size = np.bincount(cls.member_class, minlength=len(cls.rep))
        cls_slot = slot[cls.rep]
    else:
        rep, size, cls_slot = np.zeros(n, bool), np.zeros(0, np.int64), np.zeros(0, np.int64)
    prov = plan.stub_prov.select(rep[plan.stub_prov.dst])  # members' neighbours are the representative's
    peer = plan.stub_peer.select(rep[plan.stub_peer.dst])
    transit_peer = plan.row_of[peer.src] >= 0
    prov = Edges(plan.row_of[prov.src], of[prov.dst])
    peer, stub_peer = (
        Edges(plan.row_of[peer.src[transit_peer]], of[peer.dst[transit_peer]]),
        Edges(peer.src[~transit_peer], of[peer.dst[~transit_peer]]),
    )
    n_cls = len(size)
    return SourceClasses(
        size=size,
        slot=cls_slot,
        slot_start=np.searchsorted(cls_slot, np.arange(topo.n_slots + 1)),
        of=of,
        prov=prov,
        peer=peer,
        stub_peer=stub_peer,
        links=ClassLinks(
            *_csr(n_cls, prov.dst, prov.src),
            *_csr(n_cls, peer.dst, peer.src),
            *_csr(n, stub_peer.src, stub_peer.dst),
            *_csr(len(plan.transit), peer.src, peer.dst),
        ),
    )


@dataclass(frozen=True)
class Views:
    """The destinations asked for, grouped per column into views of one country (sorted by column)."""

    col: np.ndarray  # (n_views,) column
    slot: np.ndarray  # (n_views,) the destinations' country slot
    corr: np.ndarray  # (n_views,) a stub destination's own source class (it is no source of itself); -1: transit
    n_self: np.ndarray  # (n_views,) destinations served by the column as themselves (transit, class members)
    n_branch: np.ndarray  # (n_views,) branch destinations, one hop below the column's root
    w_self: np.ndarray  # (n_views,) their weights (address space)
    w_branch: np.ndarray

    def block(self, c0: int, c1: int) -> Views:
        lo, hi = np.searchsorted(self.col, [c0, c1])
        part = {f: getattr(self, f)[lo:hi] for f in self.__dataclass_fields__}
        part["col"] = part["col"] - c0
        return Views(**part)


def destination_weights(topo: Topology) -> np.ndarray:
    """A destination's weight in the dependence shares: its address space in /24 blocks, one /24 where the data
    give none (so that every destination counts, and the large ones most)."""
    return np.maximum(topo.address_space, 1).astype(np.float64)


def make_views(topo: Topology, plan: RoutePlan, sc: SourceClasses, dst: np.ndarray, anchors: np.ndarray) -> Views:
    kind = plan.kind[dst]
    d = dst[np.isin(kind, [DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH])]
    kind = plan.kind[d]
    col = np.searchsorted(anchors, plan.anchor[d])
    slot = topo.country_slot[d]
    corr = np.where(kind == DestKind.TRANSIT, -1, sc.of[d])  # a stub destination is no source of itself
    branch = kind == DestKind.BRANCH
    weight = destination_weights(topo)[d]
    order = np.lexsort((corr, slot, col))
    key = np.stack([col, slot, corr])[:, order]
    first = np.r_[True, np.any(key[:, 1:] != key[:, :-1], axis=0)] if len(d) else np.zeros(0, bool)
    group = np.cumsum(first) - 1
    n_views = int(first.sum())

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=values[order], minlength=n_views)

    return Views(
        col=key[0, first],
        slot=key[1, first],
        corr=key[2, first],
        n_self=total((~branch).astype(np.float64)),
        n_branch=total(branch.astype(np.float64)),
        w_self=total(np.where(branch, 0.0, weight)),
        w_branch=total(np.where(branch, weight, 0.0)),
    )


@dataclass
class Tally:
    """The measures' running sums over blocks (added under the caller's lock)."""

    load: np.ndarray  # (n_transit,) ordered pairs crossing each transit AS as an intermediate
    dep_num: np.ndarray  # (n_transit, n_slots) weighted foreign-source paths into each country crossing each AS
    dep_den: np.ndarray  # (n_slots,) weighted foreign-source paths into each country
    lengths: np.ndarray  # (max_length + 2,) ordered pairs by AS hops
    paths: np.ndarray  # (k, k) with exposure asked for k countries: chosen paths from the ASes of a to those of b
    third: np.ndarray  # (k, k) those crossing an AS of a third country

    @classmethod
    def empty(cls, n_transit: int, n_slots: int, max_length: int, k: int = 0) -> Tally:
        return cls(
            np.zeros(n_transit),
            np.zeros((n_transit, n_slots)),
            np.zeros(n_slots),
            np.zeros(max_length + 2),
            np.zeros((k, k)),
            np.zeros((k, k)),
        )

    def as_tally(self) -> Tally:
        return self

    def add(self, other: Tally) -> None:
        self.load += other.load
        self.dep_num += other.dep_num
        self.dep_den += other.dep_den
        self.lengths += other.lengths
        self.paths += other.paths
        self.third += other.third


def _decode(K: np.ndarray, keys: Keys, row_of: np.ndarray):
    """``(has, length, hop_row)`` of a key matrix: a route at all; AS hops (uint16); the next hop's transit row
    (-1 for the origin, a stub next hop and no route)."""
    w = keys.word
    has = (K >> w(keys.rank_shift)) != 3
    length = ((K >> w(keys.shift)) & w((1 << (keys.rank_shift - keys.shift)) - 1)).astype(np.uint16)
    hop = (K & w((1 << keys.shift) - 1)).astype(np.int64)
    hop[~has] = 0
    hop_row = row_of[hop].astype(np.int32)
    hop_row[~has | (length == 0)] = -1
    length[~has] = 0
    return has, length, hop_row


def _class_keys(K: np.ndarray, keys: Keys, plan: RoutePlan, sc: SourceClasses, anchors: np.ndarray) -> np.ndarray:
    """Each source class's route in each column: the best of its providers' routes (one hop longer) and its
    transit peers' customer routes (one hop longer, peer class); a class peering with a stub destination reaches
    it directly."""
    CK = np.full((len(sc.size), K.shape[1]), keys.none, keys.dtype)
    relax(CK, sc.prov.dst, keys.provider_offer(K.copy(), plan.transit), sc.prov.src)
    relax(CK, sc.peer.dst, keys.peer_offer(K.copy(), plan.transit), sc.peer.src)
    col_of = np.full(plan.n, -1, np.int64)
    col_of[anchors] = np.arange(len(anchors))
    direct = sc.stub_peer.select(col_of[sc.stub_peer.src] >= 0)
    CK[direct.dst, col_of[direct.src]] = keys.make(1, 1, direct.src)
    return CK


def column_bytes(n_transit: int, n_classes: int, key_bytes: int) -> int:
    """Bytes per destination column of a block that the measures add: about ten (transit × view) arrays of up to
    8 bytes (counts, decoded hops and lengths, masks), the source classes' keys and their decoded chunk."""
    return n_transit * 80 + n_classes * (key_bytes + 16)


SUPER_COLUMNS = 256  # compiled kernels: columns copied at once into tile-major order (read at call time)
CLASS_CHUNK = 2048  # source classes decoded at once (read at call time; tests force it small)


def _class_entries(CK: np.ndarray, keys: Keys, row_of: np.ndarray, sc: SourceClasses, n_t: int, n_len: int):
    """Over chunks of source classes: ``(S, hist)``, each column's class sources entering each transit row
    (``S``, ``(n_t, W)``) and the class sources by AS hops (``hist``, ``(n_len, W)``); a class whose next hop is
    a stub (the destination itself) enters no row."""
    W = CK.shape[1]
    S, hist = np.zeros(n_t * W), np.zeros(n_len * W)
    cols = np.arange(W)
    for k0 in range(0, len(sc.size), max(1, CLASS_CHUNK)):
        k1 = min(k0 + max(1, CLASS_CHUNK), len(sc.size))
        has, length, hop = _decode(CK[k0:k1], keys, row_of)
        size = np.broadcast_to(sc.size[k0:k1, None].astype(np.float64), has.shape)
        at = hop >= 0
        np.add.at(S, (hop.astype(np.int64) * W + cols)[at], size[at])
        hist += np.bincount((length.astype(np.int64) * W + cols)[has], weights=size[has], minlength=n_len * W)
    return S.reshape(n_t, W), hist.reshape(n_len, W)


def _domestic_class_entries(CK, keys: Keys, row_of, sc: SourceClasses, views: Views, n_t: int):
    """``(S_dom, holders_dom)``: per view, the class sources of the view's own country entering each transit row
    (``(n_t, V)``), and all of them (with a route); only the classes of that country are read."""
    V = len(views.col)
    S = np.zeros(n_t * V)
    holders = np.zeros(V)
    for slot in np.unique(views.slot):
        k0, k1 = sc.slot_start[slot], sc.slot_start[slot + 1]
        if k1 == k0:
            continue
        v = np.flatnonzero(views.slot == slot)
        has, _, hop = _decode(CK[k0:k1][:, views.col[v]], keys, row_of)
        size = np.broadcast_to(sc.size[k0:k1, None].astype(np.float64), has.shape)
        at = hop >= 0
        np.add.at(S, (hop.astype(np.int64) * V + v)[at], size[at])
        holders[v] = (has * size).sum(axis=0)
    return S.reshape(n_t, V), holders


def block_tally(
    topo: Topology,
    plan: RoutePlan,
    keys: Keys,
    sc: SourceClasses,
    views: Views,
    anchors: np.ndarray,
    K: np.ndarray,
    sums: Tally | CompiledSums,
    backend: Backend = Backend.NUMPY,
    lengths_out: np.ndarray | None = None,
    exposure_slots: np.ndarray | None = None,
) -> None:
    """Adds the measures' sums over the views of one block into ``sums`` (one thread's, :func:`tally_sums`): ``K``
    the transit rows' keys for the columns ``anchors``; ``views.col`` indexes the block's columns. With the
    compiled backend, ``lengths_out`` (``(W, n_transit + n_classes)`` int16) also receives the stretch's group
    lengths (:func:`sim.routes.stretch.group_lengths`), and ``exposure_slots`` (country slots) the exposure counts
    among them, in the sums' ``paths`` and ``third`` (the numpy backend leaves those to a pass of its own over the
    stored columns)."""
    if backend is Backend.NUMBA:
        _block_tally_compiled(topo, plan, keys, sc, views, anchors, K, lengths_out, exposure_slots, sums)
        return
    k = 0 if exposure_slots is None else len(exposure_slots)
    sums.add(_block_tally_numpy(topo, plan, keys, sc, views, anchors, K, k))


def tally_sums(topo: Topology, plan: RoutePlan, sc: SourceClasses, k: int, backend: Backend) -> Tally | CompiledSums:
    """Empty sums for one thread's :func:`block_tally` calls, with exposure among ``k`` countries; their
    ``as_tally()`` is a :class:`Tally`. Every sum is of integers, exact in float64, so the order of the blocks
    and their threads does not change it."""
    if backend is Backend.NUMBA:
        return CompiledSums(topo, plan, sc, k)
    return Tally.empty(len(plan.transit), topo.n_slots, plan.max_length, k)


def lone_classes(sc: SourceClasses) -> np.ndarray:
    """``(n_classes,)`` int64: the only provider row of each class with one provider and no peer (*lone*: its
    route is its provider's one hop longer), -1 for the others."""
    lk = sc.links
    lone = (np.diff(lk.prov_ptr) == 1) & (np.diff(lk.peer_ptr) == 0)
    lone &= np.bincount(sc.stub_peer.dst, minlength=len(sc.size)) == 0
    prov = np.full(len(sc.size), -1, np.int64)
    prov[lone] = lk.prov_row[lk.prov_ptr[:-1][lone]]
    return prov


def class_net(plan: RoutePlan, sc: SourceClasses, anchors: np.ndarray) -> tuple:
    """The source classes' links as the compiled kernels take them (:func:`sim.routes.jit.route_tile`), for the
    columns ``anchors``: providers per class, classes per peering transit row, per column the classes peering
    with its stub destination, the classes routed per column (``multi``), the lone ones and their providers."""
    from sim.routes import jit

    lk = sc.links
    d_ptr, d_cls = jit.direct_peers(lk.sp_ptr, lk.sp_cls, anchors, plan.row_of)
    lone_prov = lone_classes(sc)
    arrays = (lk.prov_ptr, lk.prov_row, lk.rpeer_ptr, lk.rpeer_cls, d_ptr, d_cls)
    arrays += (np.flatnonzero(lone_prov < 0), np.flatnonzero(lone_prov >= 0), lone_prov)
    return tuple(np.ascontiguousarray(a, np.int64) for a in arrays)


def exposure_sources(topo: Topology, plan: RoutePlan, sc: SourceClasses, slots: np.ndarray):
    """``(index, t_src, c_src)`` for exposure among the country slots ``slots``: each slot's position among them
    (-1: not asked for), and that of each transit row's and source class's country."""
    index = np.full(topo.n_slots, -1, np.int64)
    index[slots] = np.arange(len(slots))
    return index, index[topo.country_slot[plan.transit]].astype(np.int64), index[sc.slot].astype(np.int64)


def exposure_views(views: Views, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(v_b, v_ndest, v_branch)`` of views for the compiled exposure counts: the position of each view's country
    among those asked for (-1: none), its destinations, and whether they hang below the column's root."""
    return index[views.slot], np.rint(views.n_self + views.n_branch).astype(np.int64), views.n_branch > 0


def _exposure_args(topo, plan, sc, views: Views, slots: np.ndarray | None, paths, third) -> tuple:
    """The exposure arguments of :func:`sim.routes.jit.tally_block` over the block's ``views``, adding into
    ``paths`` and ``third`` (none asked for: ``slots`` empty)."""
    slots = np.zeros(0, np.int64) if slots is None else np.asarray(slots, np.int64)
    index, t_src, c_src = exposure_sources(topo, plan, sc, slots)
    return (t_src, c_src, slots, index, np.int64(topo.n_slots - 1), *exposure_views(views, index),
            paths, third)  # fmt: skip


class CompiledSums:
    """One thread's sums of the compiled tally, in integers, added to block after block and made a :class:`Tally`
    once at the end (so no block converts and adds its own dense arrays), with the lone classes' counts per
    provider row that every block reads."""

    def __init__(self, topo: Topology, plan: RoutePlan, sc: SourceClasses, k: int) -> None:
        n_t, n_slots = len(plan.transit), topo.n_slots
        self.load, self.den = np.zeros(n_t, np.int64), np.zeros(n_slots, np.int64)
        self.dep, self.hist = np.zeros((n_slots, n_t), np.int64), np.zeros(plan.max_length + 2, np.int64)
        self.paths, self.third = np.zeros((k, k), np.int64), np.zeros((k, k), np.int64)
        lone_prov = lone_classes(sc)
        lone = lone_prov >= 0
        self.lone_size = np.bincount(lone_prov[lone], weights=sc.size[lone], minlength=n_t).astype(np.int64)
        self.lone_cc = np.zeros((n_slots, n_t), np.int64)
        np.add.at(self.lone_cc, (sc.slot[lone], lone_prov[lone]), sc.size[lone])

    def as_tally(self) -> Tally:
        return Tally(*(a.astype(np.float64) for a in (self.load, self.dep.T, self.den, self.hist, self.paths,
                                                      self.third)))  # fmt: skip


def _block_tally_compiled(topo, plan, keys, sc, views, anchors, K, lengths_out, exposure_slots, sums) -> None:
    from sim.routes import jit

    W = len(anchors)
    as_int = np.rint  # views hold exact integer sums as float64
    ex = _exposure_args(topo, plan, sc, views, exposure_slots, sums.paths, sums.third)
    jit.tally_block(
        K, SUPER_COLUMNS, keys.shift, keys.rank_shift, keys.dtype(np.iinfo(keys.dtype).max), plan.row_of[anchors],
        plan.row_of.astype(np.int32), topo.country_slot[plan.transit], sc.size.astype(np.int64),
        sc.slot.astype(np.int64), class_net(plan, sc, anchors), sums.lone_size, sums.lone_cc,
        np.searchsorted(views.col, np.arange(W + 1)), views.slot.astype(np.int64), views.corr.astype(np.int64),
        *(as_int(a).astype(np.int64) for a in (views.n_self, views.n_branch, views.w_self, views.w_branch)),
        sums.load, sums.dep, sums.den, sums.hist, np.zeros((0, 0), np.int16) if lengths_out is None else lengths_out,
        ex,
    )  # fmt: skip


def _block_tally_numpy(
    topo: Topology,
    plan: RoutePlan,
    keys: Keys,
    sc: SourceClasses,
    views: Views,
    anchors: np.ndarray,
    K: np.ndarray,
    k: int = 0,
) -> Tally:
    """``k``: countries asked for exposure, whose (k, k) sums stay zero here (a pass of their own fills them)."""
    n_t = len(plan.transit)
    tally = Tally.empty(n_t, topo.n_slots, plan.max_length, k)
    V, n_len = len(views.col), len(tally.lengths)
    if V == 0:
        return tally
    has, length, hop_row = _decode(K, keys, plan.row_of)
    CK = _class_keys(K, keys, plan, sc, anchors)
    del K
    c_S, c_hist = _class_entries(CK, keys, plan.row_of, sc, n_t, n_len)
    d_S, d_holders = _domestic_class_entries(CK, keys, plan.row_of, sc, views, n_t)
    vcol, vslot = views.col, views.slot
    t_slot = topo.country_slot[plan.transit]
    root = plan.row_of[anchors[vcol]]  # the destination's own row (-1 for a stub class column)
    is_transit_root = root >= 0
    own = has[:, vcol]
    own[root[is_transit_root], np.flatnonzero(is_transit_root)] = False  # the destination is no source
    same = t_slot[:, None] == vslot[None, :]

    # each entry's sources before the subtrees: itself, and the source classes entering it (the destination's
    # own class without the destination), all and of the view's country, packed
    S = np.ascontiguousarray((own + c_S[:, vcol]) * PACK + (own & same) + d_S)  # flat views below write into it
    corr = np.flatnonzero(views.corr >= 0)
    c_has, c_len, c_hop = _decode(CK[views.corr[corr], vcol[corr]][None, :], keys, plan.row_of)
    c_has, c_len, c_hop = c_has[0], c_len[0].astype(np.int64), c_hop[0]
    at = c_hop >= 0
    S[c_hop[at], corr[at]] -= PACK + 1
    del CK

    # holders as sources of each view's tree (the destination aside), all and of its country: the foreign ones
    # make the denominator; a branch destination's sources are its root's, with the root in and itself out
    h_tot = own.sum(axis=0) + c_hist[:, vcol].sum(axis=0)
    h_dom = (own & same).sum(axis=0) + d_holders
    h_tot[corr[c_has]] -= 1
    h_dom[corr[c_has]] -= 1
    foreign = h_tot - h_dom
    root_foreign = np.zeros(V)
    root_foreign[is_transit_root] = t_slot[root[is_transit_root]] != vslot[is_transit_root]
    np.add.at(tally.dep_den, vslot, views.w_self * foreign + views.w_branch * (foreign + root_foreign))
    w_all = views.w_self + views.w_branch

    # path lengths: transit sources at their entry's length, class sources at theirs; a branch destination's
    # paths are one hop longer, its root is a source at one hop, and it is no source of itself
    L = length[:, vcol]
    per_view = np.bincount((L.astype(np.int64) * V + np.arange(V))[own], minlength=n_len * V).reshape(n_len, V)
    per_view = per_view + c_hist[:, vcol]
    np.subtract.at(per_view, (c_len[c_has], corr[c_has]), 1)
    H = tally.lengths
    H += per_view @ views.n_self
    H[1:] += per_view[:-1] @ views.n_branch
    H[1] += views.n_branch[is_transit_root].sum()

    # subtree counts: deepest entries first, each adds its count to its next hop's
    Hop = hop_row[:, vcol]
    flat_S, flat_L, flat_H = S.reshape(-1), L.reshape(-1), Hop.reshape(-1)
    up = (own & (Hop >= 0)).reshape(-1)
    for depth in range(int(L.max(initial=0)), 0, -1):
        idx = np.flatnonzero(up & (flat_L == depth))
        np.add.at(flat_S, flat_H[idx].astype(np.int64) * V + idx % V, flat_S[idx])

    tot = np.floor(S / PACK)
    dom = S - tot * PACK
    tally.load += ((tot - 1) * own) @ (views.n_self + views.n_branch)
    through = ((tot - dom) - ~same) * own  # foreign sources through the AS, the AS itself aside
    order = np.argsort(vslot, kind="stable")
    starts = np.flatnonzero(np.r_[True, vslot[order][1:] != vslot[order][:-1]])
    tally.dep_num[:, vslot[order][starts]] += np.add.reduceat(through[:, order] * w_all[order], starts, axis=1)

    # a branch destination's root is an intermediate of all its paths (the root's count leaves out the root
    # itself, and the branch destination, taken out of its class)
    b = np.flatnonzero((views.n_branch > 0) & is_transit_root)
    r = root[b]
    np.add.at(tally.load, r, views.n_branch[b] * tot[r, b])
    np.add.at(tally.dep_num, (r, vslot[b]), views.w_branch[b] * (tot[r, b] - dom[r, b]))
    return tally


@dataclass(frozen=True)
class PathMeasures:
    """The measures of :func:`sim.routes` called with ``measures=True``, over the destinations asked for."""

    topology: Topology
    transit: np.ndarray  # (n_transit,) AS index of each tally row
    tally: Tally
    change: tuple | None = None  # (hist, lost) of the per-pair stretch against a baseline, when one was given
    exposure_slots: np.ndarray | None = None  # the countries exposure was counted among in the pass (tally.paths)

    def transit_load(self):
        """``DataFrame`` ``asn, pairs``: for each AS crossed by some chosen path as an intermediate, the ordered
        (source, destination) pairs whose path crosses it, most loaded first (stubs are never crossed)."""
        import pandas as pd

        load = np.rint(self.tally.load).astype(np.int64)
        keep = np.flatnonzero(load > 0)
        order = keep[np.lexsort((self.transit[keep], -load[keep]))]
        return pd.DataFrame({"asn": self.topology.asns[self.transit[order]], "pairs": load[order]})

    def country_dependence(self, cc: str):
        """``DataFrame`` ``asn, share``: for each AS, the share of the country's inbound chosen paths (every foreign
        source AS to every AS of the country, each destination weighted by its address space, one /24 where the
        data give none) that cross it as an intermediate; largest first, so the first row is the country's most
        influential transit network. ASes of the country itself count (a domestic carrier of inbound traffic)."""
        import pandas as pd

        slot = self.topology.country_index(cc)
        den = self.tally.dep_den[slot]
        share = self.tally.dep_num[:, slot] / den if den > 0 else np.zeros(len(self.transit))
        keep = np.flatnonzero(share > 1e-12)
        order = keep[np.lexsort((self.transit[keep], -share[keep]))]
        return pd.DataFrame({"asn": self.topology.asns[self.transit[order]], "share": share[order]})

    def dependence_concentration(self):
        """``DataFrame`` ``country, paths, hhi, top_share, top_asn``: for every known country with inbound chosen
        paths, the concentration of its :meth:`country_dependence` shares, at once: ``hhi`` the sum of the squared
        shares, ``top_share`` and ``top_asn`` its first row (0 and -1 when no path crosses an intermediate),
        ``paths`` the weighted inbound paths the shares are of.

        Notes
        -----
        A path crosses several ASes, so the shares sum to the mean number of intermediates per inbound path, not
        to 1: ``hhi`` lies between 0 and that mean, and is 1 for a country all of whose inbound paths cross one
        single AS and no other.
        """
        import pandas as pd

        den = self.tally.dep_den[:-1]  # the last slot is the unknown country
        slots = np.flatnonzero(den > 0)
        share = self.tally.dep_num[:, slots] / den[slots]
        top = np.argmax(share, axis=0) if len(self.transit) else np.zeros(len(slots), np.int64)
        top_share = share.max(axis=0, initial=0.0)
        top_asn = np.where(top_share > 0, self.topology.asns[self.transit[top]] if len(self.transit) else -1, -1)
        codes = np.array(self.topology.country_codes, dtype=object)
        return pd.DataFrame(
            {
                "country": codes[slots],
                "paths": den[slots],
                "hhi": (share**2).sum(axis=0),
                "top_share": top_share,
                "top_asn": top_asn.astype(np.int64),
            }
        )

    def stretch(self):
        """``DataFrame`` ``change, pairs``: the ordered (source, destination) pairs with a route both in the baseline
        and now, by the change of their AS-path length (now minus baseline; negative when a removal made BGP
        choose a shorter path). :meth:`lost_routes` counts the pairs that had a route and have none now."""
        import pandas as pd

        hist, _ = self._change()
        keep = np.flatnonzero(hist > 0)
        return pd.DataFrame({"change": keep - len(hist) // 2, "pairs": hist[keep]})

    def lost_routes(self) -> int:
        """Ordered (source, destination) pairs that had a route in the baseline and have none now."""
        return int(self._change()[1])

    def _change(self):
        if self.change is None:
            raise ValueError("the stretch needs the baseline: call sim.routes(..., measures=True, baseline=...)")
        return self.change

    def path_lengths(self):
        """``DataFrame`` ``length, pairs``: the ordered (source, destination) pairs with a route, by AS hops."""
        import pandas as pd

        pairs = np.rint(self.tally.lengths).astype(np.int64)
        keep = np.flatnonzero(pairs > 0)
        return pd.DataFrame({"length": keep, "pairs": pairs[keep]})


EXPOSURE_BLOCK = 256  # destination columns whose path countries are held at once (n_transit × 256 × 32 bytes)


def _path_countries(has, length, hop_row, t_slot: np.ndarray, n_words: int) -> np.ndarray:
    """``(n_t, W, n_words)`` uint64 bitsets: the countries of the ASes on each transit row's path, the row
    included and the destination left out, by depth from the destination."""
    n_t, W = has.shape
    C = np.zeros((n_t, W, n_words), np.uint64)
    word, bit = t_slot // 64, np.left_shift(np.uint64(1), (t_slot % 64).astype(np.uint64))
    flat = C.reshape(n_t * W, n_words)
    for depth in range(1, int(length.max(initial=0)) + 1):
        t, c = np.nonzero(has & (length == depth))
        parent = hop_row[t, c]
        inside = parent >= 0
        flat[t[inside] * W + c[inside]] = flat[parent[inside].astype(np.int64) * W + c[inside]]
        flat[t * W + c, word[t]] |= bit[t]
    return C


def _bits(rows: np.ndarray, n_slots: int) -> np.ndarray:
    """``(n, n_slots)`` bool of ``(n, n_words)`` uint64 bitsets."""
    return np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")[:, :n_slots].astype(bool)


def exposure_counts(
    result, countries=None, want_via: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(slots, paths, third, via)``: for the country slots ``slots`` (default every country), ``paths[a, b]``
    the chosen paths from the ASes of ``slots[a]`` to those of ``slots[b]``, ``third[a, b]`` those crossing an
    AS of a third country, ``via[a, b, x]`` those crossing country slot ``x`` (``x`` any country; zeros when
    not ``want_via`` with the compiled backend)."""
    topo = result.topology
    n_slots = topo.n_slots
    slots = np.arange(len(topo.country_codes)) if countries is None else np.asarray(countries, np.int64)
    k = len(slots)
    counted = None if result.measures is None else result.measures.exposure_slots
    if not want_via and counted is not None and np.array_equal(counted, slots):  # counted in the routes' pass
        return slots, result.measures.tally.paths.copy(), result.measures.tally.third.copy(), np.zeros((k, k, n_slots))
    if result.backend is Backend.NUMBA:
        paths, third, via = _exposure_compiled(result, slots, want_via)
    else:
        paths, third, via = _exposure_numpy(result, slots)
    rng = np.arange(k)
    via[rng, :, slots] = 0  # a path's own end countries are not "crossed"
    via[:, rng, slots] = 0
    return slots, paths, third, via


def _exposure_compiled(result, slots: np.ndarray, want_via: bool):
    """The compiled exposure pass: blocks of ``EXPOSURE_BLOCK`` stored columns, each thread summing its own
    blocks' integer counts (so the sums do not depend on the threads)."""
    from concurrent.futures import ThreadPoolExecutor

    from sim.routes import jit_exposure, jit_paths

    topo, plan, keys = result.topology, result.plan, result.keys
    k, n_slots = len(slots), topo.n_slots
    sc = source_classes(topo, plan)
    views = make_views(topo, plan, sc, result.destinations, result.anchors)
    index, t_src, c_src = exposure_sources(topo, plan, sc, slots)
    t_slot = topo.country_slot[plan.transit].astype(np.int64)
    n_cols = len(result.anchors)
    step = max(1, EXPOSURE_BLOCK)
    n_threads = max(1, min(2, -(-n_cols // step)))

    def run(first: int):
        paths, third = np.zeros((k, k), np.int64), np.zeros((k, k), np.int64)
        via = np.zeros((k, k, n_slots if want_via else 1), np.int64)
        for c0 in range(first * step, n_cols, n_threads * step):
            c1 = min(c0 + step, n_cols)
            part, anchors = views.block(c0, c1), result.anchors[c0:c1]
            v_b, v_ndest, v_branch = exposure_views(part, index)
            args = (
                result.key[:, c0:c1], SUPER_COLUMNS, keys.shift, keys.rank_shift,
                keys.dtype(np.iinfo(keys.dtype).max), plan.row_of[anchors], plan.row_of.astype(np.int32),
                len(sc.size), class_net(plan, sc, anchors), t_slot, t_src, c_src, sc.size.astype(np.int64),
                slots.astype(np.int64), index, n_slots - 1, plan.max_length + 2,
                np.searchsorted(part.col, np.arange(c1 - c0 + 1)), v_b, part.corr.astype(np.int64), v_ndest, v_branch,
            )  # fmt: skip
            if want_via:  # every crossed country: the bitset kernel
                jit_paths.exposure_block(*args, paths, third, via)
            else:  # whether a third country is crossed: two countries per row suffice
                jit_exposure.exposure_pairs_block(*args, paths, third)
        return paths, third, via

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        parts = list(pool.map(run, range(n_threads)))
    paths, third = (sum(p[i] for p in parts).astype(np.float64) for i in (0, 1))
    via = np.zeros((k, k, n_slots))
    if want_via:
        via += sum(p[2] for p in parts)
    return paths, third, via


def _exposure_numpy(result, slots: np.ndarray):
    topo, plan, keys = result.topology, result.plan, result.keys
    n_slots = topo.n_slots
    k = len(slots)
    paths, third, via = np.zeros((k, k)), np.zeros((k, k)), np.zeros((k, k, n_slots))
    sc = source_classes(topo, plan)
    views = make_views(topo, plan, sc, result.destinations, result.anchors)
    n_words = -(-n_slots // 64)
    t_slot = topo.country_slot[plan.transit]
    index, t_src, c_src = exposure_sources(topo, plan, sc, slots)
    n_t = len(plan.transit)
    for c0 in range(0, len(result.anchors), EXPOSURE_BLOCK):
        c1 = min(c0 + EXPOSURE_BLOCK, len(result.anchors))
        part = views.block(c0, c1)
        wanted = np.flatnonzero(index[part.slot] >= 0)
        if len(wanted) == 0:
            continue
        K = result.key[:, c0:c1]
        anchors = result.anchors[c0:c1]
        has, length, hop_row = _decode(K, keys, plan.row_of)
        C = _path_countries(has, length, hop_row, t_slot, n_words)
        CK = _class_keys(np.ascontiguousarray(K), keys, plan, sc, anchors)
        c_has, _, c_hop = _decode(CK, keys, plan.row_of)
        for v in wanted:
            col, b = part.col[v], index[part.slot[v]]
            root = plan.row_of[anchors[col]]
            own = has[:, col].copy()
            if root >= 0:
                own[root] = False
            # sources (transit rows, classes) by (next hop row, source country); a hop of -1: the destination
            w_cls = sc.size.astype(np.float64) * c_has[:, col]
            if part.corr[v] >= 0:
                w_cls[part.corr[v]] -= c_has[part.corr[v], col]
            hop = np.concatenate([hop_row[:, col][own], c_hop[:, col]])
            src = np.concatenate([t_src[own], c_src])
            w = np.concatenate([np.ones(int(own.sum())), w_cls])
            keep = (src >= 0) & (w > 0)
            hop, src, w = hop[keep], src[keep], w[keep]
            total = np.bincount(src, weights=w, minlength=k)
            crossing = hop >= 0
            N = np.bincount(hop[crossing].astype(np.int64) * k + src[crossing], weights=w[crossing], minlength=n_t * k)
            N = N.reshape(n_t, k)
            rows = np.flatnonzero(N.any(axis=1))
            sets = _bits(C[rows, col], n_slots)
            if part.n_branch[v] > 0:  # a branch destination: its provider (the root) is crossed, and a source
                sets[:, t_slot[root]] = True
                if index[t_slot[root]] >= 0:
                    total[index[t_slot[root]]] += 1
            sets[:, n_slots - 1] = False  # an AS of unknown country puts the path under no known jurisdiction
            # (n_slots, k): paths from each source country crossing each country, over the few countries per row
            i, x = np.nonzero(sets)
            counts = np.bincount(
                (x[:, None] * k + np.arange(k)).ravel(), weights=N[rows][i].ravel(), minlength=n_slots * k
            )
            counts = counts.reshape(n_slots, k).T
            # crossing a third country: a country on the path other than the source's and the destination's
            on = sets.sum(axis=1)[:, None] - sets[:, slots] - sets[:, [slots[b]]] * (np.arange(k) != b)[None, :]
            n_dest = part.n_self[v] + part.n_branch[v]
            paths[:, b] += n_dest * total
            third[:, b] += n_dest * (N[rows] * (on > 0)).sum(axis=0)
            via[:, b, :] += n_dest * counts
    return paths, third, via
