"""What-if removals in one pass: for every candidate AS, which ASes would still reach a set of targets without it.

The question of a chokepoint table is "if AS ``x`` failed too, which of the country's ASes would reach no foreign
AS?", asked for each of several candidates ``x``. Asked one removal at a time it is one reachability call from
every AS of the country per candidate. Two facts make it one pass:

- **symmetry**: without transit restrictions a valley-free path read backwards is valley-free, so ``v`` reaches
  some target iff some target reaches ``v``. All targets can then share one source bit: a single propagation from
  the set answers for every AS at once;
- **a removal is a mask**: removing ``x`` for scenario ``g`` means ``x`` is not a source of bit ``g`` and forwards
  nothing of it (it may still be *reached*: that is discarded at the end). So every scenario gets its own bit,
  each AS masks the bit of the scenario removing it, and 64 scenarios share a word.

Rows are kept for every AS (no stub classes): ``3 × 8 × n_ases × ⌈(1 + n_candidates) / 64⌉`` bytes per block of
scenarios. The plan is the unpruned one (with per-AS masks, no edge is redundant).
"""

from __future__ import annotations

import numpy as np

from sim.arrays import expand_ranges, unique_sorted
from sim.data.topology import Topology
from sim.memory import kernel_budget
from sim.reach.checks import check_mask
from sim.reach.kernel import ONE, _close_cycles, accumulate
from sim.reach.plan import Edges, Levels, Plan
from sim.reach.reuse import ReachPlan, plan_reachability


class _Without:
    """``fwd`` of the what-if pass: an AS removed in scenario ``g`` forwards nothing of bit ``g``."""

    def __init__(self, bit: np.ndarray):
        self.bit = bit  # (n,) int64: the bit of the scenario removing each AS in this block, -1 for none

    def __call__(self, rows: np.ndarray, ases: np.ndarray) -> None:
        b = self.bit[ases]
        k = np.flatnonzero(b >= 0)
        rows[k, b[k] >> 6] &= ~(ONE << (b[k] & 63).astype(np.uint64))


def _level_pass(arr: np.ndarray, edges: Edges, lv: Levels, fwd: _Without) -> None:
    """``arr[dst] |= fwd(arr[src])`` over edges whose both ends have a level, targets in increasing level (rows
    are indexed by AS)."""
    lsrc, ldst = lv.level[edges.src], lv.level[edges.dst]
    order = np.argsort(ldst, kind="stable")
    bounds = np.searchsorted(ldst[order], np.arange(lv.n_levels + 1))
    for lvl in range(lv.n_levels):
        sel = order[bounds[lvl] : bounds[lvl + 1]]
        lower = sel[lsrc[sel] < lvl]
        accumulate(arr, edges.dst[lower], arr, edges.src[lower], edges.src[lower], fwd)
        cyc = sel[lsrc[sel] == lvl]
        if len(cyc):
            _close_cycles(arr, np.arange(len(arr)), edges.select(cyc), fwd)


def _reached_from(plan: Plan, seed: np.ndarray, fwd: _Without) -> np.ndarray:
    """(n, n_words) D rows: for each AS, the scenario bits of the seed rows that reach it valley-free."""
    transit = plan.row_of >= 0
    U = seed.copy()
    up = plan.up
    from_stub = ~transit[up.src]  # stub rows are final: their contributions go first
    accumulate(U, up.dst[from_stub], U, up.src[from_stub], up.src[from_stub], fwd)
    _level_pass(U, up.select(~from_stub), plan.up_levels, fwd)
    D = U.copy()
    accumulate(D, plan.peer.dst, U, plan.peer.src, plan.peer.src, fwd)
    down = plan.down
    to_stub = ~transit[down.dst]  # stubs are targets only, after every transit AS is final
    _level_pass(D, down.select(~to_stub), plan.down_levels, fwd)
    accumulate(D, down.dst[to_stub], D, down.src[to_stub], down.src[to_stub], fwd)
    return D


def reach_any_without(
    topology: Topology,
    targets,
    ases,
    candidates,
    removed_links=None,
    removed_ases=None,
    *,
    plan: ReachPlan | None = None,
    memory_budget: int | None = None,
) -> np.ndarray:
    """For each candidate AS removed on its own (and for none removed), whether each AS of ``ases`` still reaches
    at least one AS of ``targets``: every single-AS removal of the candidates in one bit-parallel pass.

    Parameters
    ----------
    topology : Topology
    targets : (n_ases,) bool
        The ASes to reach (e.g. those located in other countries).
    ases : array of AS indices
        The ASes asked about (e.g. a country's).
    candidates : array of AS indices
        The ASes removed, one at a time.
    removed_links, removed_ases : (n_links,) / (n_ases,) bool, optional
        Removed in every scenario, as in :func:`sim.reachability`.
    plan : ReachPlan, optional
        The topology's plan (:func:`sim.plan_reachability`), reused; made here when not given.
    memory_budget : int, optional
        Bytes the rows may take; scenarios are processed in blocks that fit (default
        :func:`sim.memory.kernel_budget`).

    Returns
    -------
    (1 + n_candidates, len(ases)) bool
        Row 0: nothing more removed; row ``1 + j``: ``candidates[j]`` removed. An AS that is removed reaches
        nothing; an AS of ``targets`` reaches itself.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message.

    Notes
    -----
    Exact, and equal to one :func:`sim.reachability` call per candidate with ``removed_ases`` adding it: without
    transit restrictions valley-free reachability is symmetric (module doc). Complexity: one pass of the kernel
    over the unpruned graph per block of scenarios, O(n_links × (1 + n_candidates) / 64) word operations.
    """
    topo = topology
    targets = check_mask("targets", targets, topo.n_ases)
    if targets is None:
        raise TypeError("targets must be a boolean mask over the ASes, got None")
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    removed_ases = check_mask("removed_ases", removed_ases, topo.n_ases)
    ases, candidates = (_indices(name, v, topo.n_ases) for name, v in (("ases", ases), ("candidates", candidates)))
    plan = plan_reachability(topo) if plan is None else plan
    if not isinstance(plan, ReachPlan):
        raise TypeError(f"plan must be a ReachPlan from sim.plan_reachability, got {type(plan).__name__}")
    plan.check(topo)
    graph = plan.restrict(removed_links, removed_ases, prune=False)
    n = topo.n_ases
    budget = kernel_budget() if memory_budget is None else int(memory_budget)
    max_words = max(1, budget // (3 * 8 * max(n, 1)))
    source = targets & graph.alive
    distinct = unique_sorted(candidates)
    scenarios = np.r_[-1, distinct]  # scenario 0 removes nothing more
    per_scenario = np.zeros((len(scenarios), len(ases)), bool)
    by_as = np.argsort(ases, kind="stable")
    for s0 in range(0, len(scenarios), 64 * max_words):
        block = scenarios[s0 : s0 + 64 * max_words]
        n_words = -(-len(block) // 64)
        bit = np.full(n, -1, np.int64)
        k = np.flatnonzero(block >= 0)
        bit[block[k]] = k
        seed = np.zeros((n, n_words), np.uint64)
        every = np.zeros(n_words * 64, bool)
        every[: len(block)] = True
        seed[source] = np.packbits(every, bitorder="little").view("<u8").astype(np.uint64)
        # a removed AS forwards nothing of its scenario, its own seed bit included, and its own row is discarded
        D = _reached_from(graph, seed, _Without(bit))
        bits = np.unpackbits(D[ases].astype("<u8").view(np.uint8), axis=1, bitorder="little")[:, : len(block)]
        hit = per_scenario[s0 : s0 + len(block)]
        hit[:] = bits.T.astype(bool)
        hit[:, ~graph.alive[ases]] = False
        # the removed AS reaches nothing, not even a target it belongs to (every position where it is asked about)
        lo = np.searchsorted(ases[by_as], block[k], side="left")
        hi = np.searchsorted(ases[by_as], block[k], side="right")
        hit[np.repeat(k, hi - lo), by_as[expand_ranges(lo, hi - lo)]] = False
    return per_scenario[np.r_[0, 1 + np.searchsorted(distinct, candidates)]]


def reach_sets(
    topology: Topology, sets, removed_links=None, removed_ases=None, *, plan: ReachPlan | None = None
) -> dict[str, np.ndarray]:
    """For each named set of ASes, whether each AS reaches at least one of them (an AS of the set reaches itself;
    a removed AS reaches nothing): ``reach_any`` of :func:`sim.reachability` for every source at once, in one pass
    with one bit per set (symmetry, module doc). No transit restrictions.

    Returns name → (n_ases,) bool.
    """
    topo = topology
    sets = {name: check_mask(f"sets[{name!r}]", mask, topo.n_ases) for name, mask in (sets or {}).items()}
    if not sets:
        return {}
    plan = plan_reachability(topo) if plan is None else plan
    plan.check(topo)
    graph = plan.restrict(
        check_mask("removed_links", removed_links, topo.n_links),
        check_mask("removed_ases", removed_ases, topo.n_ases),
        prune=False,
    )
    names = list(sets)
    bits = np.zeros((topo.n_ases, -(-len(names) // 64) * 64), bool)
    bits[:, : len(names)] = np.stack([sets[name] & graph.alive for name in names], axis=1)
    seed = np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)
    D = _reached_from(graph, seed, _Without(np.full(topo.n_ases, -1, np.int64)))
    hit = np.unpackbits(D.astype("<u8").view(np.uint8), axis=1, bitorder="little").astype(bool)
    return {name: hit[:, j] & graph.alive for j, name in enumerate(names)}


def _indices(name: str, values, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be AS indices (integers), got dtype {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(f"{name} holds an index outside 0..{n - 1}")
    return arr
