"""Per-pair stretch: for every ordered pair (source, destination) that had a route in the baseline, the change of
its AS-path length after the removals, or the loss of its route; block by block beside the routes kernel.

A pair's length is read from its destination's column in each plan (the baseline's and the one with removals):
a transit row's key, or a source class's route (as the measures route them), one hop more for a
branch destination. Sources are grouped once by (group after, group before), a group being a transit row or a
source class of the plan (an AS in neither never has a route), so each column pair costs one pass over the joint
groups; each destination then leaves itself out. Baseline columns come from the baseline result when it holds
them, else are computed for the block (``route_block``), so the baseline need not be stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import Buffers, group_rows
from sim.backend import Backend
from sim.routes.kernel import Keys, block_router
from sim.routes.measures import SourceClasses, _class_keys, class_net, lone_classes, source_classes
from sim.routes.plan import DestKind, RoutePlan

if TYPE_CHECKING:
    from sim.routes.jit_route import TileNet

SERVED = [DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH]


def stretch_bytes(n_transit: int, n_classes: int, key_bytes: int) -> int:
    """Bytes per destination column of a block that the stretch adds: the baseline's keys and both sides' class
    keys and group lengths."""
    return n_transit * key_bytes + 2 * (n_classes * 2 * key_bytes + (n_transit + n_classes) * 2) + 64


@dataclass(frozen=True)
class Side:
    """One plan's view of the pairs: its keys, source groups and how each destination is served."""

    plan: RoutePlan
    keys: Keys
    sc: SourceClasses
    group: np.ndarray  # (n,) transit row, n_transit + source class, or -1 (never a route)
    route: Callable[[np.ndarray, np.ndarray], None]  # the plan's block router (sim.routes.kernel.block_router)
    net: TileNet | None  # the compiled kernels' transit graph (None: the numpy backend)


def make_side(
    topo, plan: RoutePlan, keys: Keys, backend: Backend = Backend.NUMPY, sc: SourceClasses | None = None
) -> Side:
    sc = source_classes(topo, plan) if sc is None else sc
    group = np.where(plan.row_of >= 0, plan.row_of, np.where(sc.of >= 0, len(plan.transit) + sc.of, -1))
    net = None
    if backend is Backend.NUMBA:
        from sim.routes.jit_route import tile_net

        net = tile_net(plan)
    return Side(plan, keys, sc, group, block_router(plan, keys, backend, net), net)


@dataclass(frozen=True)
class Joint:
    """ASes grouped by (group after, group before), those without a route before left out. A stub of a lone
    source class on both sides (one provider, no peer), under the same provider, counts in that provider's group:
    its route is the provider's one hop longer on both sides, so its length changes as the provider's does (it has
    a route where the provider has one), and the columns' loop over joint groups skips the lone classes."""

    after: np.ndarray  # (n_joint,) group after (-1: none)
    before: np.ndarray  # (n_joint,) group before
    size: np.ndarray  # (n_joint,) ASes
    of: np.ndarray  # (n,) joint group of each AS (-1: never a route before)


def make_joint(after: Side, before: Side) -> Joint:
    r_a, r_b = _lone_row(after), _lone_row(before)
    fold = (r_a >= 0) & (r_b >= 0)
    fold[fold] = after.plan.transit[r_a[fold]] == before.plan.transit[r_b[fold]]
    g_a, g_b = np.where(fold, r_a, after.group), np.where(fold, r_b, before.group)
    keep = np.flatnonzero(g_b >= 0)
    label, first = group_rows(g_a[keep], g_b[keep])
    of = np.full(len(g_b), -1, np.int64)
    of[keep] = label
    return Joint(g_a[keep][first], g_b[keep][first], np.bincount(label), of)


def _lone_row(side: Side) -> np.ndarray:
    """``(n,)``: the provider row of each stub of a lone source class (one provider, no peer), -1 for others."""
    row = np.full(len(side.group), -1, np.int64)
    stub = np.flatnonzero(side.sc.of >= 0)
    row[stub] = lone_classes(side.sc)[side.sc.of[stub]]
    return row


def group_lengths(
    side: Side,
    K: np.ndarray,
    anchors: np.ndarray,
    backend: Backend = Backend.NUMPY,
    buffers: Buffers | None = None,
    name: str = "lengths",
) -> np.ndarray:
    """``(W, n_groups)`` int16: each group's AS hops to each column's destination (-1: no route), a column per
    row (a pair of columns then reads two rows); in the buffer ``name`` of the ``buffers`` given (the calling
    thread's). ``K`` None (the compiled backend): the columns are routed here, tile by tile."""
    keys, plan = side.keys, side.plan
    n_t, W = len(plan.transit), len(anchors)
    out = (buffers or Buffers()).take(name, (W, n_t + len(side.sc.size)), np.int16)
    if backend is Backend.NUMBA:
        from sim.routes import jit_paths, measures

        lengths = (keys.shift, keys.rank_shift, keys.dtype(np.iinfo(keys.dtype).max), plan.row_of[anchors],
                   plan.row_of.astype(np.int32), len(side.sc.size), class_net(plan, side.sc, anchors), out)  # fmt: skip
        if K is None:
            jit_paths.routed_group_lengths(
                np.ascontiguousarray(anchors, np.int64), plan.row_of, int(keys.none), side.net.arrays(),
                np.empty(1, keys.dtype), *lengths,
            )  # fmt: skip
        else:
            jit_paths.group_lengths(K, measures.SUPER_COLUMNS, *lengths)
        return out
    word = keys.word
    mask = word((1 << (keys.rank_shift - keys.shift)) - 1)
    CK = _class_keys(np.ascontiguousarray(K), keys, side.plan, side.sc, anchors)
    for part, rows in ((K, slice(0, n_t)), (CK, slice(n_t, None))):
        has = (part >> word(keys.rank_shift)) != 3
        out[:, rows] = np.where(has, (part >> word(keys.shift)) & mask, -1).T
    return out


def block_stretch(
    topo,
    after: Side,
    before: Side,
    joint: Joint,
    dst: np.ndarray,
    K_a,
    anchors_a,
    baseline,
    n_bins: int,
    backend: Backend = Backend.NUMPY,
    lengths_a: np.ndarray | None = None,
    buffers: Buffers | None = None,
) -> tuple[np.ndarray, int]:
    """``(hist, lost)`` over the destinations ``dst`` (AS indices) served by the after columns ``anchors_a`` (keys
    ``K_a``; None when none is served after): ``hist[n_bins // 2 + change]`` pairs whose length changed by
    ``change``, ``lost`` pairs that lost their route. ``buffers``: the calling thread's, for the baseline's keys
    and lengths."""
    pb, pa = before.plan, after.plan
    dst = dst[np.isin(pb.kind[dst], SERVED)]
    hist, lost = np.zeros(n_bins, np.int64), 0
    if len(dst) == 0:
        return hist, lost
    anchors_b = np.unique(pb.anchor[dst])
    K_b = _baseline_columns(baseline, before, anchors_b, buffers)
    LB = group_lengths(before, K_b, anchors_b, backend, buffers, "lengths before")
    ub = np.searchsorted(anchors_b, pb.anchor[dst])
    off_b = (pb.kind[dst] == DestKind.BRANCH).astype(np.int16)
    served_a = np.isin(pa.kind[dst], SERVED)
    if K_a is not None and served_a.any():
        LA = group_lengths(after, K_a, anchors_a, backend, buffers, "lengths after") if lengths_a is None else lengths_a
        ua = np.where(served_a, np.searchsorted(anchors_a, np.where(served_a, pa.anchor[dst], anchors_a[0])), -1)
    else:
        LA, ua = np.full((0, 1), -1, np.int16), np.full(len(dst), -1, np.int64)
    off_a = (pa.kind[dst] == DestKind.BRANCH).astype(np.int16)
    # destinations sharing (column before, offset, column after, offset) share every source's lengths
    label, first = group_rows(ub, off_b, ua, off_a)
    mult = np.bincount(label)
    if backend is Backend.NUMBA:
        from sim.routes import jit_paths

        LA_ = LA if len(LA) else np.full((1, 1), -1, np.int16)
        lost += jit_paths.stretch_pairs(
            LB, LA_, ub, off_b.astype(np.int64), ua.astype(np.int64), off_a.astype(np.int64), first.astype(np.int64),
            mult.astype(np.int64), joint.before, joint.after, joint.size.astype(np.int64), hist,
        )  # fmt: skip
    else:
        has_a = joint.after >= 0
        for u, m in zip(first.tolist(), mult.tolist(), strict=True):
            lb = LB[ub[u], joint.before].astype(np.int64)
            la = np.full(len(lb), -1, np.int64)
            if ua[u] >= 0:
                la[has_a] = LA[ua[u], joint.after[has_a]]
            h, n_lost = _pairs(lb, la, off_b[u], off_a[u], joint.size, n_bins)
            hist += m * h
            lost += m * n_lost
    # each destination is no source of itself
    j = joint.of[dst]
    mine = j >= 0
    j, d_ub, d_ua = j[mine], ub[mine], ua[mine]
    lb = LB[d_ub, joint.before[j]].astype(np.int64)
    la = np.full(len(j), -1, np.int64)
    ok = (d_ua >= 0) & (joint.after[j] >= 0)
    la[ok] = LA[d_ua[ok], joint.after[j][ok]]
    h, n_lost = _pairs(lb, la, off_b[mine], off_a[mine], np.ones(len(j), np.int64), n_bins)
    return hist - h, lost - n_lost


def _pairs(lb, la, off_b, off_a, size, n_bins: int) -> tuple[np.ndarray, int]:
    before = lb >= 0
    both = before & (la >= 0)
    change = (la + off_a) - (lb + off_b) + n_bins // 2
    h = np.bincount(change[both], weights=size[both], minlength=n_bins).astype(np.int64)
    return h, int(size[before & (la < 0)].sum())


def _baseline_columns(baseline, side: Side, anchors: np.ndarray, buffers: Buffers | None) -> np.ndarray | None:
    """The baseline's keys for the columns ``anchors``: stored ones from the baseline result, the others computed
    (in the ``buffers`` given); None when none is stored and the compiled kernels route them with their lengths."""
    n_t = len(side.plan.transit)
    pos = np.searchsorted(baseline.anchors, anchors)
    stored = np.zeros(len(anchors), bool)
    if len(baseline.anchors):
        stored = baseline.anchors[np.minimum(pos, len(baseline.anchors) - 1)] == anchors
    if not stored.any() and side.net is not None:
        return None
    out = (buffers or Buffers()).take("keys before", (n_t, len(anchors)), side.keys.dtype)
    if not stored.any():  # a baseline without stored columns: computed in place
        side.route(anchors, out)
        return out
    out[:, stored] = baseline.key[:, pos[stored]]
    missing = np.flatnonzero(~stored)
    if len(missing):
        block = np.empty((n_t, len(missing)), side.keys.dtype)
        side.route(anchors[missing], block)
        out[:, missing] = block
    return out
