"""Valley-free (Gao-Rexford) reachability: which ASes can still reach which, after regulations.

``d`` is reachable from ``s`` iff a path exists of zero or more customer→provider hops, at most one peer–peer
hop, then zero or more provider→customer hops: the ASes that receive ``s``'s BGP announcement under the standard
export rules. ``s`` reaches itself; pair counts exclude ``s = d``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from sim.arrays import unique_sorted
from sim.backend import REACH_ENV, Backend, resolve_backend
from sim.data.topology import Topology
from sim.memory import MemoryBudgetError, gib, kernel_budget
from sim.reach import compiled
from sim.reach.checks import check_forbid, check_mask
from sim.reach.compiled import compiled_threads, word_pieces
from sim.reach.kernel import Forward, propagate_block
from sim.reach.plan import Plan, SourceLayout, make_plan, source_layout
from sim.reach.reduce import Reducer
from sim.reach.reuse import ReachPlan


@dataclass(frozen=True)
class Restrictions:
    """What the regulations take away from the graph (all optional)."""

    removed_links: np.ndarray | None = None  # (n_links,) bool
    removed_ases: np.ndarray | None = None  # (n_ases,) bool
    forbid_transit: np.ndarray | None = None  # (n_codes, n_codes) bool: [country(s), country(v)]
    transit_exempt: np.ndarray | None = None  # (n_ases,) bool: never restricted


@dataclass(frozen=True, eq=False)
class ReachResult:
    """Reachability from a set of sources, reduced (see :func:`reachability`).

    Attributes
    ----------
    source_idx : (n_sources,) AS indices of the sources, ascending
    dest_counts : (n_ases,) int64, for each AS the number of sources ``s ≠ d`` that reach it
    source_counts : (n_sources,) int64 or None, for each source the number of ASes ``d ≠ s`` it reaches
    country_pairs : (K+1, K+1) int64, ordered pairs ``s ≠ d`` by ``[country(s), country(d)]``; index ``K``
        (``len(topology.country_codes)``) collects ASes of unknown country
    matrix : (n_sources, n_ases) bool or None, ``matrix[i, d]``: source ``source_idx[i]`` reaches ``d``
    sampled : whether the sources are a uniform random sample (estimates then carry a standard error)
    reach_any : name → (n_sources,) bool, whether each source reaches at least one AS of the named set
    """

    topology: Topology
    restrictions: Restrictions
    source_idx: np.ndarray
    dest_counts: np.ndarray
    source_counts: np.ndarray | None
    country_pairs: np.ndarray
    matrix: np.ndarray | None = None
    sampled: bool = False
    _n_pairs: int = field(default=0, repr=False)
    reach_any: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_sources(self) -> int:
        return len(self.source_idx)

    def n_pairs(self) -> int:
        """Ordered pairs ``(s, d)``, ``s ≠ d``, ``s`` among the sources, with ``d`` reachable from ``s``."""
        return self._n_pairs

    def reach_frac(self) -> float:
        """Reachable share of the ordered pairs ``s ≠ d`` (an unbiased estimate when sources are sampled)."""
        n = self.topology.n_ases
        return self._n_pairs / (self.n_sources * (n - 1)) if self.n_sources and n > 1 else 0.0

    def reach_frac_stderr(self) -> float:
        """Standard error of :meth:`reach_frac`: 0 for exact results; for a sample of ``k`` of ``n`` sources,
        ``sd(f_s) / sqrt(k) * sqrt(1 - k/n)`` with ``f_s`` the reachable share of source ``s``."""
        n, k = self.topology.n_ases, self.n_sources
        if not self.sampled or k < 2 or k >= n:
            return 0.0
        f = self.source_counts / (n - 1)
        return float(np.std(f, ddof=1) / np.sqrt(k) * np.sqrt(1 - k / n))

    def reachable_from(self, asn: int) -> np.ndarray:
        """Sorted ASNs reachable from ``asn`` (``asn`` included unless it is removed)."""
        topo = self.topology
        idx = int(topo.asn_to_idx(asn)[0])
        i = np.searchsorted(self.source_idx, idx)
        if self.matrix is not None and i < self.n_sources and self.source_idx[i] == idx:
            row = self.matrix[i]
        else:
            r = self.restrictions
            one = reachability(
                topo,
                [asn],
                r.removed_links,
                r.removed_ases,
                r.forbid_transit,
                keep_matrix=True,
                transit_exempt=r.transit_exempt,
            )
            row = one.matrix[0]
        return topo.asns[row]


def _sources(topo: Topology, sources, n_sample, rng) -> tuple[np.ndarray, bool]:
    if n_sample is not None:
        if sources is not None:
            raise ValueError("give either sources or n_sample, not both")
        if not 1 <= n_sample <= topo.n_ases:
            raise ValueError(f"n_sample must be in 1..{topo.n_ases}, got {n_sample}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return np.sort(gen.choice(topo.n_ases, size=n_sample, replace=False)), n_sample < topo.n_ases
    if sources is None:
        return np.arange(topo.n_ases), False
    sources = list(sources)
    return (unique_sorted(topo.asn_to_idx(sources)) if sources else np.zeros(0, np.int64)), False


def _allowed_masks(layout: SourceLayout, forbid: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """(K+1, n_words) uint64: bit of source s set in row k iff s may transit an AS of country slot k."""
    n_codes = len(forbid)
    ext = np.zeros((n_codes + 1, n_codes + 1), bool)  # unknown (slot K) is never restricted
    ext[:n_codes, :n_codes] = forbid
    bits = np.zeros((n_codes + 1, layout.n_words * 64), bool)
    bits[:, layout.bitpos] = ~ext[slot[layout.source_idx]].T
    return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)


# SCRATCH_BYTES and MIN_THREAD_WORDS shape the blocks, never the results; read at call time (tests force them small)
SCRATCH_BYTES = 64 << 20  # gather scratch and stub-class rows of one block


def _block_bytes(n_transit: int, block_words: int) -> int:
    """Memory of one block in flight: U and P rows of the transit ASes, and scratch."""
    return 8 * block_words * (2 * n_transit + 1) + SCRATCH_BYTES


def reachability(
    topology: Topology,
    sources=None,
    removed_links=None,
    removed_ases=None,
    forbid_transit=None,
    *,
    n_sample: int | None = None,
    rng=None,
    per_source: bool | None = None,
    keep_matrix: bool = False,
    memory_budget: int | None = None,
    n_threads: int | None = None,
    transit_exempt=None,
    reach_any=None,
    sampled: bool | None = None,
    plan: ReachPlan | None = None,
    backend: str | None = None,
) -> ReachResult:
    """Valley-free reachability from a set of sources, with the regulations' restrictions.

    Parameters
    ----------
    topology : Topology
    sources : iterable of ASNs, optional
        The sources; default all ASes. Exclusive with ``n_sample``.
    removed_links : (n_links,) bool, optional
        Links that no longer exist (ids as in :class:`~sim.data.topology.Topology`: c2p first, then p2p).
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: they reach nothing, not even themselves, and carry nothing.
    forbid_transit : (K, K) bool, optional, K = ``len(topology.country_codes)``
        ``forbid_transit[country(s), country(v)]``: source ``s`` may not use an AS ``v`` as an *intermediate*
        hop. Endpoints are never blocked; ASes of unknown country are never restricted nor forbidden.
    n_sample : int, optional
        Use a uniform random sample of this many sources (drawn with ``rng``); the result then estimates
        the reachable-pair fraction with a standard error (:meth:`ReachResult.reach_frac_stderr`).
    rng : numpy Generator or seed, optional
        Randomness of ``n_sample``.
    per_source : bool, optional
        Compute ``source_counts`` (default: when there are at most 8,192 sources or they are sampled).
    keep_matrix : bool
        Keep the full ``(n_sources, n_ases)`` boolean matrix (small graphs).
    memory_budget : int, optional
        Bytes the kernel may use; the work is split into blocks of sources to stay below it. Default
        :func:`sim.memory.kernel_budget`: what the process can still allocate, at most 4 GiB.
    transit_exempt : (n_ases,) bool, optional
        ASes the transit restrictions never block as intermediates (e.g. the public core of states adhering to
        a non-interference norm); as sources they are restricted like any other AS of their country.
    sampled : bool, optional
        Whether explicit ``sources`` are a uniform random sample (e.g. drawn once for a whole run), so that
        the result reports a standard error; implied by ``n_sample``.
    reach_any : mapping of name → (n_ases,) bool, optional
        Sets of ASes (e.g. DNS root operators); ``ReachResult.reach_any[name]`` tells, for each source, whether
        it reaches at least one of them.
    n_threads : int, optional
        Blocks of sources processed at once (default: the machine's cores, at most 4). Results do not depend
        on it: blocks are independent and their integer counts are summed.
    plan : ReachPlan, optional
        The plan of ``topology`` from :func:`sim.plan_reachability`, made once and reused: the call then skips
        its own planning (levels, pruning, stub classes) and only applies the removals to the plan. Results are
        identical to planning afresh.
    backend : {"numba", "numpy"}, optional
        The compiled kernel (:mod:`sim.reach.jit`, the default when numba is installed) or the vectorized numpy one
        (:mod:`sim.reach.kernel`); default ``$FRAGSIM_REACH_BACKEND`` if set. Results are identical.

    Returns
    -------
    ReachResult

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message; ``ValueError`` for a ``plan`` made for another topology.
    sim.memory.MemoryBudgetError
        A ``MemoryError`` (and a ``ValueError``): the estimate for the smallest block, with the kept matrix and the
        transit masks, exceeds ``memory_budget``; raised before anything large is allocated, estimate and budget
        in the message.

    Notes
    -----
    Memory: ``8 × block_words × (2 × n_transit + 1)`` bytes plus 64 MiB of scratch per block in flight; plus
    ``8 × n_ases × n_words`` bit rows and the ``n_sources × n_ases`` boolean matrix for a kept matrix (unpacked
    in chunks of at most 64 MiB); plus ``3 × 64 × n_words × (K + 1)`` bytes for the transit masks when transit
    is forbidden. One bit per source, ``uint64`` words per AS. Three passes over
    the graph per block of sources: up the customer→provider hierarchy (levels from the bottom, cycles closed by
    a fixpoint), one peer hop, down from the top; stubs (~85% of ASes) are never stored, their rows are built and
    reduced in chunks. Work is O(n_links × n_sources / 64) word operations.
    """
    topo = topology
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    removed_ases = check_mask("removed_ases", removed_ases, topo.n_ases)
    forbid = check_forbid(forbid_transit, len(topo.country_codes))
    forbid = forbid if forbid is not None and forbid.any() else None
    src_idx, drawn = _sources(topo, sources, n_sample, rng)
    sampled = drawn if sampled is None else bool(sampled) and len(src_idx) < topo.n_ases
    if per_source is None:
        per_source = sampled or len(src_idx) <= 8192

    transit_exempt = check_mask("transit_exempt", transit_exempt, topo.n_ases)
    reach_any = {
        name: check_mask(f"reach_any[{name!r}]", mask, topo.n_ases) for name, mask in (reach_any or {}).items()
    }
    use = resolve_backend(backend, REACH_ENV)
    # pruning and grouping stubs save work in every tile of the compiled kernel and cost about as much as a few
    # tiles: not worth it for a few sources planned afresh (a reused plan does both once for all its calls)
    few = use is Backend.NUMBA and len(src_idx) <= 64 * PRUNE_MIN_WORDS
    prune = forbid is None and (plan is not None or not few)
    graph = _graph(topo, plan, removed_links, removed_ases, prune=prune, group=not few)
    layout = source_layout(topo, src_idx)
    n_slots, slot = topo.n_slots, topo.country_slot
    transit_slot = slot if transit_exempt is None else np.where(transit_exempt, n_slots - 1, slot)
    allowed = _allowed_masks(layout, forbid, slot) if forbid is not None else None
    held = {}  # what lives beside the blocks, by name for the message
    if keep_matrix:
        held["the kept matrix"] = 8 * topo.n_ases * layout.n_words + len(src_idx) * topo.n_ases
    if forbid is not None:
        held["transit masks"] = 3 * 64 * layout.n_words * (len(forbid) + 1)
    bit_of = np.where(graph.alive, layout.bit_of, -1)  # removed ASes hold no bit
    passes = {Backend.NUMPY: _numpy_pass, Backend.NUMBA: _compiled_pass}
    total, dest_counts, country_pairs, bit_counts, any_bits, matrix_words = passes[use](
        topo,
        graph,
        layout,
        bit_of,
        transit_slot,
        allowed,
        per_source,
        keep_matrix,
        reach_any,
        held,
        _check_budget(memory_budget),
        _n_threads(n_threads),
    )
    by_source = np.argsort(layout.source_idx)
    reached_any = {name: bits[layout.bitpos][by_source] for name, bits in any_bits.items()}

    # every alive source reaches itself; pairs exclude s = d
    self_src = src_idx[graph.alive[src_idx]]
    total -= len(self_src)
    dest_counts[self_src] -= 1
    np.add.at(country_pairs, (slot[self_src], slot[self_src]), -1)
    alive_src = graph.alive[layout.source_idx]
    source_counts = None
    if per_source:
        counts = (bit_counts[layout.bitpos] if len(layout.bitpos) else np.zeros(0, np.int64)) - alive_src
        source_counts = counts[np.argsort(layout.source_idx)]
    matrix = _unpack_matrix(matrix_words, layout) if keep_matrix else None
    return ReachResult(
        topo,
        Restrictions(removed_links, removed_ases, forbid, transit_exempt),
        src_idx,
        dest_counts,
        source_counts,
        country_pairs,
        matrix,
        sampled,
        total,
        reached_any,
    )


def _numpy_pass(
    topo, graph, layout, bit_of, transit_slot, allowed, per_source, keep_matrix, reach_any, held, budget, n_threads
):
    """The vectorized kernel, blocks of source words on threads: (total with own bits, dest_counts, country pairs,
    per-bit counts or None, name → per-bit reach_any, kept bit rows or None)."""
    n_slots, slot = topo.n_slots, topo.country_slot
    block, n_threads = _plan_blocks(len(graph.transit), layout.n_words, held, budget, n_threads)
    matrix_words = np.zeros((topo.n_ases, layout.n_words), np.uint64) if keep_matrix else None

    def run(span: tuple[int, int]) -> Reducer:
        w0, w1 = span
        in_block = (bit_of >= w0 * 64) & (bit_of < w1 * 64)
        bit_rel = np.where(in_block, bit_of - w0 * 64, -1)
        fwd = Forward(transit_slot, None if allowed is None else allowed[:, w0:w1], bit_rel, w1 - w0)
        red = Reducer(slot, n_slots, layout, w0, w1, bit_rel, per_source, matrix_words, reach_any)
        propagate_block(graph, layout, w0, w1, fwd, red)
        return red

    spans = [(w0, min(w0 + block, layout.n_words)) for w0 in range(0, layout.n_words, block)]
    with ThreadPoolExecutor(max_workers=min(n_threads, max(len(spans), 1))) as pool:
        reducers = list(pool.map(run, spans))  # numpy releases the GIL in the row gathers and ORs
    total = sum(red.total for red in reducers)
    dest_counts = sum((red.dest_counts for red in reducers), np.zeros(topo.n_ases, np.int64))
    country_pairs = sum((red.country_pairs() for red in reducers), np.zeros((n_slots, n_slots), np.int64))
    bit_counts = np.concatenate([red.bit_counts for red in reducers]) if per_source and reducers else None
    any_bits = {
        name: np.concatenate([red.any_bits[name] for red in reducers]) if reducers else np.zeros(0, bool)
        for name in reach_any
    }
    return total, dest_counts, country_pairs, bit_counts, any_bits, matrix_words


def _compiled_pass(
    topo, graph, layout, bit_of, transit_slot, allowed, per_source, keep_matrix, reach_any, held, budget, n_threads
):
    """The compiled kernel (:mod:`sim.reach.jit`), tiles of source words on threads; returns as
    :func:`_numpy_pass`."""
    n, n_words, n_slots = topo.n_ases, layout.n_words, topo.n_slots
    n_threads = compiled_threads(graph, n_slots, held, budget, n_threads)
    matrix_words = np.zeros((n, n_words), np.uint64) if keep_matrix else np.zeros((1, 1), np.uint64)
    bit_counts = np.zeros(64 * n_words if per_source else 1, np.int64)
    names = list(reach_any)
    in_set = np.stack([reach_any[k] for k in names]) if names else np.zeros((0, n), bool)
    any_words = np.zeros((len(names), n_words), np.uint64)
    masked = allowed is not None
    fwd_arrays = (masked, allowed if masked else np.zeros((1, 1), np.uint64), transit_slot.astype(np.int64), bit_of)
    out = (bit_counts, in_set, any_words, matrix_words, bool(per_source), bool(keep_matrix))
    red_arrays = (word_pieces(layout, n_words), out)
    total, dest_counts, country_pairs = compiled.run(
        compiled.graph_arrays(graph, bit_of, 64 * n_words, topo.country_slot, in_set),
        fwd_arrays,
        red_arrays,
        n,
        n_slots,
        n_words,
        n_threads,
    )
    any_bits = {
        name: np.unpackbits(any_words[j].astype("<u8").view(np.uint8), bitorder="little").astype(bool)
        for j, name in enumerate(names)
    }
    return (
        total,
        dest_counts,
        country_pairs,
        bit_counts if per_source else None,
        any_bits,
        matrix_words if keep_matrix else None,
    )


def _graph(topo: Topology, plan, removed_links, removed_ases, prune: bool, group: bool = True) -> Plan:
    """The kernel's plan of one call: planned afresh (``prune``, ``group``: :func:`~sim.reach.plan.make_plan`), or
    restricted from a reused ``plan`` (pruned and grouped once for all calls, when ``prune``)."""
    if plan is None:
        return make_plan(topo, removed_links, removed_ases, prune=prune, group=group)
    if not isinstance(plan, ReachPlan):
        raise TypeError(f"plan must be a ReachPlan from sim.plan_reachability, got {type(plan).__name__}")
    plan.check(topo)
    return plan.restrict(removed_links, removed_ases, prune)


def _n_threads(n_threads: int | None) -> int:
    if n_threads is None:
        return min(4, os.cpu_count() or 1)
    if not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer, got {n_threads!r}")
    return n_threads


PRUNE_MIN_WORDS = 64  # a fresh plan for the compiled kernel is pruned from 64 source words (8 tiles) on
MIN_THREAD_WORDS = 32  # below 2,048 sources a block is too small to be worth a thread of its own


def _unpack_matrix(words: np.ndarray, layout: SourceLayout) -> np.ndarray:
    """The ``(n_sources, n_ases)`` boolean matrix, sources by ascending AS index, from the ``(n_ases, n_words)``
    bit rows; unpacked by chunks of ASes, so the temporaries stay within ``SCRATCH_BYTES``."""
    pos = layout.bitpos[np.argsort(layout.source_idx)]
    n_ases, n_words = words.shape
    out = np.empty((len(pos), n_ases), bool)
    chunk = max(1, SCRATCH_BYTES // max(1, 8 * n_words + 64 * n_words + len(pos)))
    for a0 in range(0, n_ases, chunk):
        rows = np.ascontiguousarray(words[a0 : a0 + chunk], dtype="<u8").view(np.uint8)
        out[:, a0 : a0 + chunk] = np.unpackbits(rows, axis=1, bitorder="little")[:, pos].T
    return out


def _check_budget(memory_budget) -> int:
    if memory_budget is None:
        return kernel_budget()
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, int | np.integer):
        raise TypeError(f"memory_budget must be a number of bytes (an integer), got {memory_budget!r}")
    if memory_budget <= 0:
        raise ValueError(f"memory_budget must be positive, got {memory_budget!r}")
    return int(memory_budget)


def _plan_blocks(n_transit: int, n_words: int, held: dict[str, int], budget: int, n_threads: int) -> tuple[int, int]:
    """(block width in words, blocks in flight at once): the widest blocks that fit ``budget`` beside the
    ``held`` arrays (name → bytes) with one block per thread in memory (fewer threads if they do not fit), and wide
    questions split so every thread works. Raises MemoryBudgetError when even one block of one word does not fit."""
    fixed = sum(held.values())
    threads = n_threads if fixed + n_threads * _block_bytes(n_transit, 1) <= budget else 1
    need = fixed + threads * _block_bytes(n_transit, 1)
    if need > budget:
        keep = "the kept matrix" in held
        raise MemoryBudgetError(
            f"reachability needs about {gib(need)} even for one block of 64 sources "
            f"({', '.join(['transit rows', 'scratch', *held])}), over the memory_budget of {gib(budget)}: "
            f"raise memory_budget{', drop keep_matrix' if keep else ''} or sample sources"
        )
    per_word = threads * (_block_bytes(n_transit, 2) - _block_bytes(n_transit, 1))
    width = int(min(n_words, 1 + (budget - need) // per_word)) if n_words else 1
    if threads > 1 and n_words >= 2 * MIN_THREAD_WORDS:
        width = min(width, max(MIN_THREAD_WORDS, -(-n_words // threads)))
    return max(width, 1), threads
