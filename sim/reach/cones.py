"""Customer cones: for each AS, the ASes below it by provider→customer links (itself included), counted or weighted.
One up pass of the reachability kernel with every AS as a source."""

from __future__ import annotations

import numpy as np

from sim.backend import REACH_ENV, Backend, resolve_backend
from sim.data.topology import Topology
from sim.reach import compiled
from sim.reach.api import _check_budget, _n_threads, _plan_blocks
from sim.reach.checks import check_mask
from sim.reach.kernel import Forward, up_rows
from sim.reach.plan import make_plan, source_layout


def customer_cone_sizes(
    topology: Topology,
    removed_links=None,
    memory_budget: int | None = None,
    weights=None,
    *,
    backend: str | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """Number of ASes in each AS's customer cone (itself included): the ASes below it by provider→customer
    links, exact with customer→provider cycles. One up pass of the kernel with every AS as a source.

    Parameters
    ----------
    topology : Topology
    removed_links : array-like of bool, optional
        Links left out, as for :func:`reachability`.
    memory_budget : int, optional
        Bytes the bitset blocks may take; default :func:`sim.memory.kernel_budget`.
    weights : array-like of float, shape (n_ases,), optional
        A weight per AS (e.g. its address space): the result is then the sum of the weights over each cone
        (float64) instead of the count (int64), as CAIDA's AS Rank measures cones in ASes or in address space.
    backend : {"numba", "numpy"}, optional
        As for :func:`reachability`. The compiled kernel sums whole-number weights (address space) exactly in
        integers; other weights always take the numpy kernel, whose sums the results then keep to the last bit.
    n_threads : int, optional
        Threads of the compiled kernel (default: the machine's cores, at most 4); the answer does not depend on it.

    Notes
    -----
    Complexity: O(n_c2p × n_ases / 64) word operations, in blocks that fit ``memory_budget``; with weights, the
    cone rows are unpacked to bits in chunks and multiplied by the weights.
    """
    topo = topology
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (topo.n_ases,) or not np.isfinite(weights).all():
            raise ValueError(f"weights must be {topo.n_ases} finite numbers, one per AS")
    budget = _check_budget(memory_budget)
    plan = make_plan(topo, removed_links, None, prune=False, group=False)  # the up pass uses no stub classes
    whole = weights is None or bool(np.all(weights == np.round(weights)) and np.abs(weights).sum() < 2**53)
    if resolve_backend(backend, REACH_ENV) is Backend.NUMBA and whole:
        sizes = np.ones(topo.n_ases, np.int64) if weights is None else weights.copy()
        int_weights = None if weights is None else weights.astype(np.int64)
        sizes[plan.transit] = compiled.cone_counts(plan, int_weights, _n_threads(n_threads))
        return sizes
    layout = source_layout(topo, np.arange(topo.n_ases))
    block, _ = _plan_blocks(len(plan.transit), layout.n_words, {}, budget, 1)
    sizes = np.ones(topo.n_ases, np.int64) if weights is None else weights.copy()
    slot = np.zeros(topo.n_ases, np.int64)
    for w0 in range(0, layout.n_words, block):
        w1 = min(w0 + block, layout.n_words)
        in_block = (layout.bit_of >= w0 * 64) & (layout.bit_of < w1 * 64)
        bit_rel = np.where(in_block, layout.bit_of - w0 * 64, -1)
        up = up_rows(plan, Forward(slot, None, bit_rel, w1 - w0))
        if weights is None:
            sizes[plan.transit] += np.bitwise_count(up).sum(axis=1, dtype=np.int64)
            continue
        bit_weight = np.zeros((w1 - w0) * 64)
        bit_weight[bit_rel[in_block]] = weights[in_block]
        for r0 in range(0, len(up), 1024):  # bits of 1,024 rows at a time: bounded memory
            bits = np.unpackbits(up[r0 : r0 + 1024].astype("<u8").view(np.uint8), axis=1, bitorder="little")
            sizes[plan.transit[r0 : r0 + 1024]] += bits @ bit_weight
    # a U row holds the AS itself too
    sizes[plan.transit] -= 1 if weights is None else weights[plan.transit]
    return sizes
