"""What-if removals in one pass: for every candidate AS (or link), which ASes would still reach a set of targets
without it.

The question of a chokepoint table is "if AS ``x`` failed too, which of the country's ASes would reach no foreign
AS?", asked for each of several candidates ``x``. Asked one removal at a time it is one reachability call from
every AS of the country per candidate. Two facts make it one pass:

- **symmetry**: without transit restrictions a valley-free path read backwards is valley-free, so ``v`` reaches
  some target iff some target reaches ``v``. All targets can then share one source bit: a single propagation from
  the set answers for every AS at once;
- **a removal is a mask**: removing ``x`` for scenario ``g`` means ``x`` is not a source of bit ``g`` and forwards
  nothing of it (it may still be *reached*: that is discarded at the end). So every scenario gets its own bit,
  each AS masks the bit of the scenario removing it, and 64 scenarios share a word. A link cut in scenario ``g``
  is the same mask on its edges: it carries nothing of bit ``g``, either way (:func:`reach_any_without_links`).

Rows are kept for every AS (no stub classes): ``3 × 8 × n_ases × ⌈(1 + n_candidates) / 64⌉`` bytes per block of
scenarios. The plan is the unpruned one (with per-scenario masks, no edge is redundant).
"""

from __future__ import annotations

import numpy as np

from sim.arrays import expand_ranges, unique_sorted
from sim.backend import REACH_ENV, Backend, resolve_backend
from sim.data.topology import Topology
from sim.memory import kernel_budget
from sim.reach.checks import check_mask
from sim.reach.compiled import sets_reached
from sim.reach.kernel import ONE, _close_cycles, accumulate
from sim.reach.plan import Edges, Levels, Plan
from sim.reach.reuse import ReachPlan, plan_reachability


class _Without:
    """``fwd`` of the what-if pass: an AS removed in scenario ``g`` forwards nothing of bit ``g``."""

    def __init__(self, bit: np.ndarray):
        self.bit = bit  # the bit of the scenario removing each AS (each link) in this block, -1 for none

    @staticmethod
    def key(edges: Edges) -> np.ndarray:
        """What an edge's forwarding depends on: the AS it leaves."""
        return edges.src

    def __call__(self, rows: np.ndarray, keys: np.ndarray) -> None:
        b = self.bit[keys]
        k = np.flatnonzero(b >= 0)
        rows[k, b[k] >> 6] &= ~(ONE << (b[k] & 63).astype(np.uint64))


class _WithoutLinks(_Without):
    """``fwd`` of the what-if pass over links: a link removed in scenario ``g`` carries nothing of bit ``g``, in
    either direction (both edges of a peer link have its id)."""

    @staticmethod
    def key(edges: Edges) -> np.ndarray:
        return edges.link


def _level_pass(arr: np.ndarray, edges: Edges, lv: Levels, fwd: _Without) -> None:
    """``arr[dst] |= fwd(arr[src])`` over edges whose both ends have a level, targets in increasing level (rows
    are indexed by AS)."""
    lsrc, ldst = lv.level[edges.src], lv.level[edges.dst]
    keys = fwd.key(edges)
    order = np.argsort(ldst, kind="stable")
    bounds = np.searchsorted(ldst[order], np.arange(lv.n_levels + 1))
    for lvl in range(lv.n_levels):
        sel = order[bounds[lvl] : bounds[lvl + 1]]
        lower = sel[lsrc[sel] < lvl]
        accumulate(arr, edges.dst[lower], arr, edges.src[lower], keys[lower], fwd)
        cyc = sel[lsrc[sel] == lvl]
        if len(cyc):
            _close_cycles(arr, np.arange(len(arr)), edges.select(cyc), fwd, keys[cyc])


def _reached_from(plan: Plan, seed: np.ndarray, fwd: _Without) -> np.ndarray:
    """(n, n_words) D rows: for each AS, the scenario bits of the seed rows that reach it valley-free."""

    def into(acc: np.ndarray, edges: Edges, src_arr: np.ndarray, keep=slice(None)) -> None:
        accumulate(acc, edges.dst[keep], src_arr, edges.src[keep], fwd.key(edges)[keep], fwd)

    transit = plan.row_of >= 0
    U = seed.copy()
    up = plan.up
    from_stub = ~transit[up.src]  # stub rows are final: their contributions go first
    into(U, up, U, from_stub)
    _level_pass(U, up.select(~from_stub), plan.up_levels, fwd)
    D = U.copy()
    into(D, plan.peer, U)
    down = plan.down
    to_stub = ~transit[down.dst]  # stubs are targets only, after every transit AS is final
    _level_pass(D, down.select(~to_stub), plan.down_levels, fwd)
    into(D, down, D, to_stub)
    return D


def _checked(topo: Topology, targets, ases, removed_links, removed_ases, plan) -> tuple[np.ndarray, np.ndarray, Plan]:
    """The arguments both what-if functions share, checked: (alive targets, ases, the call's unpruned plan)."""
    targets = check_mask("targets", targets, topo.n_ases)
    if targets is None:
        raise TypeError("targets must be a boolean mask over the ASes, got None")
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    removed_ases = check_mask("removed_ases", removed_ases, topo.n_ases)
    ases = _indices("ases", ases, topo.n_ases)
    plan = plan_reachability(topo) if plan is None else plan
    if not isinstance(plan, ReachPlan):
        raise TypeError(f"plan must be a ReachPlan from sim.plan_reachability, got {type(plan).__name__}")
    plan.check(topo)
    graph = plan.restrict(removed_links, removed_ases, prune=False)  # with per-scenario masks no edge is redundant
    return targets & graph.alive, ases, graph


def _per_scenario(graph: Plan, source, ases, removed, kind: type[_Without], n_keys: int, budget) -> np.ndarray:
    """(1 + len(removed), len(ases)) bool: whether each AS of ``ases`` is reached from ``source`` with nothing more
    removed (row 0) and with ``removed[j]`` (sorted, distinct ASes or links as ``kind`` says) removed (row 1 + j).
    Scenarios go in blocks of 64-bit words that fit ``budget`` bytes of rows."""
    n = graph.n
    budget = kernel_budget() if budget is None else int(budget)
    max_words = max(1, budget // (3 * 8 * max(n, 1)))
    scenarios = np.r_[-1, removed]  # scenario 0 removes nothing more
    hit = np.zeros((len(scenarios), len(ases)), bool)
    for s0 in range(0, len(scenarios), 64 * max_words):
        block = scenarios[s0 : s0 + 64 * max_words]
        n_words = -(-len(block) // 64)
        bit = np.full(n_keys, -1, np.int64)
        k = np.flatnonzero(block >= 0)
        bit[block[k]] = k
        seed = np.zeros((n, n_words), np.uint64)
        every = np.zeros(n_words * 64, bool)
        every[: len(block)] = True
        seed[source] = np.packbits(every, bitorder="little").view("<u8").astype(np.uint64)
        D = _reached_from(graph, seed, kind(bit))
        bits = np.unpackbits(D[ases].astype("<u8").view(np.uint8), axis=1, bitorder="little")[:, : len(block)]
        hit[s0 : s0 + len(block)] = bits.T.astype(bool)
    hit[:, ~graph.alive[ases]] = False
    return hit


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
    candidates = _indices("candidates", candidates, topo.n_ases)
    source, ases, graph = _checked(topo, targets, ases, removed_links, removed_ases, plan)
    distinct = unique_sorted(candidates)
    hit = _per_scenario(graph, source, ases, distinct, _Without, topo.n_ases, memory_budget)
    # the removed AS reaches nothing, not even a target it belongs to (every position where it is asked about)
    by_as = np.argsort(ases, kind="stable")
    lo = np.searchsorted(ases[by_as], distinct, side="left")
    hi = np.searchsorted(ases[by_as], distinct, side="right")
    hit[1 + np.repeat(np.arange(len(distinct)), hi - lo), by_as[expand_ranges(lo, hi - lo)]] = False
    return hit[np.r_[0, 1 + np.searchsorted(distinct, candidates)]]


def reach_any_without_links(
    topology: Topology,
    targets,
    ases,
    candidate_links,
    removed_links=None,
    removed_ases=None,
    *,
    plan: ReachPlan | None = None,
    memory_budget: int | None = None,
) -> np.ndarray:
    """For each candidate link cut on its own (and for none cut), whether each AS of ``ases`` still reaches at
    least one AS of ``targets``: every single-link cut of the candidates in one bit-parallel pass.

    Parameters
    ----------
    topology : Topology
    targets, ases, removed_links, removed_ases, plan, memory_budget
        As in :func:`reach_any_without`.
    candidate_links : array of link ids
        The links cut, one at a time: the topology's link ids (its c2p links first, then its p2p links). A link
        already in ``removed_links`` or at a removed AS leaves its scenario equal to row 0.

    Returns
    -------
    (1 + n_candidates, len(ases)) bool
        Row 0: nothing more cut; row ``1 + j``: link ``candidate_links[j]`` cut. An AS of ``targets`` reaches
        itself whatever is cut.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message (a link id that is not an integer, or outside ``0..n_links - 1``).

    Notes
    -----
    Exact, and equal to one :func:`sim.reachability` call per candidate with ``removed_links`` adding it (symmetry,
    module doc): a cut link forwards none of its scenario's bit, in either direction. Complexity as
    :func:`reach_any_without`: O(n_links × (1 + n_candidates) / 64) word operations, the same rows in memory.
    """
    topo = topology
    candidate_links = _indices("candidate_links", candidate_links, topo.n_links, "link ids")
    source, ases, graph = _checked(topo, targets, ases, removed_links, removed_ases, plan)
    distinct = unique_sorted(candidate_links)
    hit = _per_scenario(graph, source, ases, distinct, _WithoutLinks, topo.n_links, memory_budget)
    return hit[np.r_[0, 1 + np.searchsorted(distinct, candidate_links)]]


def reach_sets(
    topology: Topology,
    sets,
    removed_links=None,
    removed_ases=None,
    *,
    plan: ReachPlan | None = None,
    backend: str | None = None,
) -> dict[str, np.ndarray]:
    """For each named set of ASes, whether each AS reaches at least one of them (an AS of the set reaches itself;
    a removed AS reaches nothing): ``reach_any`` of :func:`sim.reachability` for every source at once, in one pass
    with one bit per set (symmetry, module doc). No transit restrictions. ``backend`` as for
    :func:`sim.reachability` (the compiled pass: :func:`sim.reach.compiled.sets_reached`).

    Returns name → (n_ases,) bool.
    """
    topo = topology
    sets = {name: check_mask(f"sets[{name!r}]", mask, topo.n_ases) for name, mask in (sets or {}).items()}
    if not sets:
        return {}
    plan = plan_reachability(topo) if plan is None else plan
    plan.check(topo)
    names = list(sets)
    compiled_pass = resolve_backend(backend, REACH_ENV) is Backend.NUMBA
    graph = plan.restrict(
        check_mask("removed_links", removed_links, topo.n_links),
        check_mask("removed_ases", removed_ases, topo.n_ases),
        prune=compiled_pass,  # the numpy pass masks bits per AS: no edge is redundant there
    )
    if compiled_pass:
        hit = sets_reached(graph, np.stack([sets[name] for name in names]))
        return {name: hit[:, j] for j, name in enumerate(names)}
    bits = np.zeros((topo.n_ases, -(-len(names) // 64) * 64), bool)
    bits[:, : len(names)] = np.stack([sets[name] & graph.alive for name in names], axis=1)
    seed = np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)
    D = _reached_from(graph, seed, _Without(np.full(topo.n_ases, -1, np.int64)))
    hit = np.unpackbits(D.astype("<u8").view(np.uint8), axis=1, bitorder="little").astype(bool)
    return {name: hit[:, j] & graph.alive for j, name in enumerate(names)}


def _indices(name: str, values, n: int, what: str = "AS indices") -> np.ndarray:
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be {what} (integers), got dtype {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(f"{name} holds an index outside 0..{n - 1}")
    return arr
