"""The compiled kernel's side of :func:`sim.reachability`: the plan laid out as the flat arrays
:func:`sim.reach.jit.run_tiles` reads (edges grouped by target in processing order, single bits sorted by bit, the
word pieces of each source country), and the threads that run the tiles.

Everything here is index arithmetic over the plan's edges, O(n_links) once per call (counting sorts).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.arrays import expand_ranges
from sim.memory import MemoryBudgetError, gib
from sim.reach.plan import Edges, Levels, Plan, SourceLayout

U64 = np.uint64


def _group(target: np.ndarray, n_targets: int) -> tuple[np.ndarray, np.ndarray]:
    from sim.reach.jit import group_by  # numba only when the compiled kernel runs

    return group_by(np.ascontiguousarray(target, np.int64), int(n_targets))


def _csr(target: np.ndarray, n_targets: int, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(indptr, *columns)`` with the entries grouped by ``target`` (stable)."""
    indptr, order = _group(target, n_targets)
    return (indptr, *(c[order].astype(np.int64) for c in columns))


def _bits(target: np.ndarray, bit: np.ndarray, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Single-bit contributions ``(target, bit)`` that carry a source bit, sorted by bit."""
    keep = bit >= 0
    _, order = _group(bit[keep], n_bits)
    return target[keep][order].astype(np.int64), bit[keep][order].astype(np.int64)


def one_bit_each(bit_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The seeds ``(ptr, bit)`` of :func:`graph_arrays` when each AS holds at most one bit (``bit_of``, -1: none)."""
    has = bit_of >= 0
    ptr = np.zeros(len(bit_of) + 1, np.int64)
    np.cumsum(has, out=ptr[1:])
    return ptr, bit_of[has].astype(np.int64)


def _seeded(target: np.ndarray, src: np.ndarray, seeds: tuple, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The single bits ``src`` hands ``target`` (each AS's seed bits, ``seeds`` = (ptr, bit)), sorted by bit."""
    ptr, bit = seeds
    count = ptr[src + 1] - ptr[src]
    return _bits(np.repeat(target, count), bit[expand_ranges(ptr[src], count)], n_bits)


def _phase(plan: Plan, edges: Edges, lv: Levels) -> tuple[np.ndarray, ...]:
    """One level pass over the transit rows: rows in level order, in-edges from lower levels grouped by the
    target's position in that order, and each level's cycle edges."""
    row_of, n_t = plan.row_of, len(plan.transit)
    src_row, dst_row = row_of[edges.src], row_of[edges.dst]
    level_start, order = _group(lv.level[plan.transit], lv.n_levels)
    position = np.empty(n_t, np.int64)
    position[order] = np.arange(n_t)
    both = (src_row >= 0) & (dst_row >= 0)
    src_level, dst_level = lv.level[edges.src], lv.level[edges.dst]
    low = both & (src_level < dst_level)
    cyc = np.flatnonzero(both & (src_level == dst_level))
    indptr, in_row, in_as = _csr(position[dst_row[low]], n_t, src_row[low], edges.src[low])
    cycle_start, by_level = _group(dst_level[cyc], lv.n_levels)
    cyc = cyc[by_level]
    return (
        order,
        level_start,
        indptr,
        in_row,
        in_as,
        cycle_start,
        src_row[cyc],
        dst_row[cyc],
        edges.src[cyc].astype(np.int64),
    )


@dataclass(frozen=True, eq=False)
class Structure:
    """What the compiled kernel reads of a plan whatever the sources: the level passes, the in-edges grouped by
    target, the (target, AS) pairs whose AS hands over its own bits, and the row space (transit rows, then stub
    classes, with their members). Kept for the last few plans (:func:`structure`)."""

    n_t: int
    up: tuple  # the up level pass (order, level_start, indptr, in_row, in_as, cycle_start, cycle_src/dst/as)
    down: tuple
    peer: tuple  # (indptr, in_row, in_as) into transit rows from transit peers' U rows
    cls_u: tuple  # into stub classes from transit peers' U rows
    cls_p: tuple  # into stub classes from providers' D rows
    up_single: tuple  # (target row, AS): the transit ASes themselves, and their stub customers
    peer_single: tuple  # (target row, AS): stub peers of transit ASes
    cls_single: tuple  # (target class, AS): stub peers of stub classes
    member_start: np.ndarray  # (n_rows + 1,) members of each row of the row space
    members: np.ndarray
    row_of_as: np.ndarray  # (n,) the row counting each AS (-1: none)


def _up_single(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """(target row, AS) pairs of the up pass's single bits: the transit ASes themselves, and their stub customers."""
    from_stub = plan.stub[plan.up.src]
    n_t = len(plan.transit)
    return np.r_[np.arange(n_t), plan.row_of[plan.up.dst[from_stub]]], np.r_[plan.transit, plan.up.src[from_stub]]


def _structure(plan: Plan) -> Structure:
    row_of, stub, n_t = plan.row_of, plan.stub, len(plan.transit)
    cls = plan.classes
    n_cls = len(cls.rep)
    local = np.full(plan.n, -1, np.int64)
    local[cls.rep] = np.arange(n_cls)
    p_src, p_dst = plan.peer.src, plan.peer.dst
    p_stub = stub[p_src]
    to_row, to_cls = row_of[p_dst], local[p_dst]
    rows = (to_row >= 0) & ~p_stub
    from_u, bits, cls_bits = (to_cls >= 0) & ~p_stub, (to_row >= 0) & p_stub, (to_cls >= 0) & p_stub
    d_src, d_cls = plan.down.src, local[plan.down.dst]
    into = d_cls >= 0
    cls_start = np.searchsorted(cls.member_class, np.arange(n_cls + 1))
    member_start = np.r_[np.arange(n_t), n_t + cls_start].astype(np.int64)
    members = np.r_[plan.transit, cls.members].astype(np.int64)
    row_of_as = np.full(plan.n, -1, np.int64)
    row_of_as[members] = np.repeat(np.arange(len(member_start) - 1), np.diff(member_start))
    return Structure(
        n_t,
        _phase(plan, plan.up, plan.up_levels),
        _phase(plan, plan.down, plan.down_levels),
        _csr(to_row[rows], n_t, row_of[p_src[rows]], p_src[rows]),
        _csr(to_cls[from_u], n_cls, row_of[p_src[from_u]], p_src[from_u]),
        _csr(d_cls[into], n_cls, row_of[d_src[into]], d_src[into]),
        _up_single(plan),
        (to_row[bits], p_src[bits]),
        (to_cls[cls_bits], p_src[cls_bits]),
        member_start,
        members,
        row_of_as,
    )


KEPT = 4  # structures of the last plans kept: a model step asks about the same graph several times
_kept: OrderedDict[int, tuple[Plan, Structure]] = OrderedDict()
_kept_lock = threading.Lock()


def structure(plan: Plan) -> Structure:
    """The :class:`Structure` of ``plan``, from the last ``KEPT`` plans asked about (by identity: plans are not
    changed once made) or made now."""
    with _kept_lock:
        hit = _kept.get(id(plan))
        if hit is not None and hit[0] is plan:
            _kept.move_to_end(id(plan))
            return hit[1]
    made = _structure(plan)
    with _kept_lock:
        _kept[id(plan)] = (plan, made)  # the plan is held, so its id is not reused while kept
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made


def graph_arrays(
    plan: Plan, bit_of: np.ndarray, n_bits: int, slot: np.ndarray, in_set: np.ndarray, seeds: tuple | None = None
) -> tuple:
    """The ``graph`` tuple of :func:`sim.reach.jit.run_tiles` for ``plan``; ``bit_of`` (n,) holds each alive
    source's bit (-1 for other ASes), below ``n_bits``; ``slot`` (n,) each AS's country slot; ``in_set``
    (n_sets, n) bool the ``reach_any`` sets. ``seeds`` (ptr, bit), when given, are the bits each AS starts with
    instead of ``bit_of``'s (several per AS, shared between ASes: :func:`sets_reached`); ``bit_of`` then only says
    which sources count their own bit."""
    seeds = one_bit_each(bit_of) if seeds is None else seeds
    st = structure(plan)
    members, member_start = st.members, st.member_start
    row_size = np.diff(member_start)
    row_sets = np.logical_or.reduceat(in_set[:, members], member_start[:-1], axis=1) if len(members) else in_set[:, :0]
    sources = np.flatnonzero(bit_of >= 0)
    source_as = np.full(n_bits, -1, np.int64)
    source_as[bit_of[sources]] = sources
    source_row = np.where(source_as >= 0, st.row_of_as[source_as], -1)
    row_space = (slot[members[member_start[:-1]]].astype(np.int64), row_size, row_sets, member_start, members)
    return (
        st.n_t,
        *_seeded(*st.up_single, seeds, n_bits),
        st.up,
        st.peer,
        *_seeded(*st.peer_single, seeds, n_bits),
        st.down,
        st.cls_u,
        st.cls_p,
        *_seeded(*st.cls_single, seeds, n_bits),
        row_space,
        (source_row, source_as),
    )


def word_pieces(layout: SourceLayout, n_words: int) -> tuple[np.ndarray, ...]:
    """How source words split by country (sources are laid out country by country):
    ``(word_slot, split_start, split_word, split_mask, split_slot)``: ``word_slot[w]`` is the country slot of a
    word inside one country's run of bits (-1 for a word where runs meet); such a split word has the pieces
    ``split_start[w]:split_start[w + 1]``, each a mask of one country's bits in it."""
    lo, hi = layout.seg_start, layout.seg_stop
    first, last = lo // 64, (hi - 1) // 64
    count = last - first + 1
    seg = np.repeat(np.arange(len(lo)), count)
    word = expand_ranges(first, count)
    a = np.maximum(lo[seg], 64 * word) - 64 * word
    b = np.minimum(hi[seg], 64 * word + 64) - 64 * word
    ones = np.full(len(word), ~U64(0), U64)
    upper = np.where(b == 64, ones, (U64(1) << np.minimum(b, 63).astype(U64)) - U64(1))
    mask = upper & ~((U64(1) << a.astype(U64)) - U64(1))
    slot = layout.seg_country[seg].astype(np.int64)
    whole = (a == 0) & (b == 64)
    word_slot = np.full(n_words, -1, np.int64)
    word_slot[word[whole]] = slot[whole]
    split = ~whole
    split_start = np.searchsorted(word[split], np.arange(n_words + 1)).astype(np.int64)
    return word_slot, split_start, word[split].astype(np.int64), mask[split], slot[split]


# Sizes that shape the work, never the results; read at call time (tests force them small)
TILE_WORDS = 8  # source words per tile: 512 sources, one 64-byte cache line per row
CLASS_CHUNK = 256  # stub-class rows built, then reduced, at a time


def thread_bytes(n_transit: int, n: int, n_slots: int) -> int:
    """One thread's memory: the tile's U and P rows of the transit ASes, class rows, and its own counts."""
    return 8 * (TILE_WORDS * (2 * n_transit + CLASS_CHUNK + 2 * n_slots) + n + n_slots * n_slots)


def compiled_threads(plan: Plan, n_slots: int, held: dict[str, int], budget: int, n_threads: int) -> int:
    """Threads whose rows and counts fit ``budget`` beside the ``held`` arrays (name → bytes) and the plan's flat
    arrays (``40 × n_edges`` bytes); raises MemoryBudgetError when not even one fits."""
    n_edges = len(plan.up) + len(plan.peer) + len(plan.down)
    fixed = sum(held.values()) + 40 * n_edges
    one = thread_bytes(len(plan.transit), plan.n, n_slots)
    if fixed + one > budget:
        keep = "the kept matrix" in held
        raise MemoryBudgetError(
            f"reachability needs about {gib(fixed + one)} even for one tile of {64 * TILE_WORDS} sources "
            f"({', '.join(['transit rows', 'the flat plan', *held])}), over the memory_budget of {gib(budget)}: "
            f"raise memory_budget{', drop keep_matrix' if keep else ''} or sample sources"
        )
    return int(max(1, min(n_threads, (budget - fixed) // one)))


def run(graph: tuple, fwd_arrays: tuple, red_arrays: tuple, n: int, n_slots: int, n_words: int, n_threads: int):
    """Every tile on ``n_threads`` threads: (total, dest_counts, country_pairs with own bits)."""
    from sim.reach import jit

    n_threads = max(1, min(n_threads, -(-n_words // TILE_WORDS)))
    _, row_size, _, _, members = graph[-2]
    accs = [
        (np.zeros(1, np.int64), np.zeros(n, np.int64), np.zeros((n_slots, n_slots), np.int64), np.zeros_like(row_size))
        for _ in range(n_threads)
    ]

    def one(k: int) -> None:
        jit.run_tiles(k, n_threads, n_words, TILE_WORDS, CLASS_CHUNK, graph, fwd_arrays, red_arrays, accs[k])

    if n_threads == 1:
        one(0)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(one, range(n_threads)))  # the compiled tiles release the GIL
    dest_counts = np.sum([a[1] for a in accs], axis=0)
    dest_counts[members] += np.repeat(np.sum([a[3] for a in accs], axis=0), row_size)  # every member counts its row
    return int(sum(int(a[0][0]) for a in accs)), dest_counts, np.sum([a[2] for a in accs], axis=0)


def cone_counts(plan: Plan, weights: np.ndarray | None, n_threads: int) -> np.ndarray:
    """(n_transit,) int64: for each transit row of ``plan`` (every AS a source, at bit = its index), the ASes in its
    customer cone, itself included, or the sum of their integer ``weights``. Only the up pass is laid out (a cone
    call's plan is its own: nothing to keep for later calls)."""
    from sim.reach import jit

    n = plan.n
    n_t, n_words = len(plan.transit), -(-n // 64)
    up = _phase(plan, plan.up, plan.up_levels)
    ub_t, ub_b = _seeded(*_up_single(plan), one_bit_each(np.arange(n, dtype=np.int64)), 64 * n_words)  # bit = AS
    bit_weight = np.zeros(64 * n_words, np.int64)
    if weights is not None:
        bit_weight[:n] = weights
    n_threads = max(1, min(n_threads, -(-n_words // TILE_WORDS)))
    counts = [np.zeros(n_t, np.int64) for _ in range(n_threads)]

    def one(k: int) -> None:
        jit.cone_tiles(
            k, n_threads, n_words, TILE_WORDS, n_t, (ub_t, ub_b), up, bit_weight, weights is not None, counts[k]
        )

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        list(pool.map(one, range(n_threads)))
    return np.sum(counts, axis=0)


def seeded_rows(plan: Plan, seeds: tuple, n_words: int) -> np.ndarray:
    """(n, n_words) uint64: the D row of every AS (a stub's is its class's, without its own seeds) when each AS
    starts with its ``seeds`` (ptr, bit) instead of a source bit of its own. One tile, on this thread."""
    from sim.reach import jit

    n = plan.n
    no_bit = np.full(n, -1, np.int64)
    graph = graph_arrays(plan, no_bit, 64 * n_words, np.zeros(n, np.int64), np.zeros((0, n), bool), seeds)
    words = np.zeros((n, n_words), U64)
    out = (np.zeros(1, np.int64), np.zeros((0, n), bool), np.zeros((0, n_words), U64), words, False, True)
    split = (np.zeros(0, np.int64), np.zeros(0, U64), np.zeros(0, np.int64))
    pieces = (np.full(n_words, -1, np.int64), np.zeros(n_words + 1, np.int64), *split)
    counts = (np.zeros(1, np.int64), np.zeros(n, np.int64), np.zeros((1, 1), np.int64))
    acc = (*counts, np.zeros(len(graph[-2][1]), np.int64))
    fwd_arrays = (False, np.zeros((1, 1), U64), np.zeros(n, np.int64), no_bit)
    jit.run_tiles(0, 1, n_words, max(TILE_WORDS, n_words), CLASS_CHUNK, graph, fwd_arrays, (pieces, out), acc)
    return words


def sets_reached(plan: Plan, sets: np.ndarray) -> np.ndarray:
    """(n, n_sets) bool: whether each AS reaches at least one AS of each set (``sets``: (n_sets, n) bool; an AS of
    a set reaches it; a removed AS reaches nothing). Without transit restrictions reachability is symmetric, so one
    pass with one bit per set, seeded at the sets' members, answers for every AS."""
    n_sets, n = sets.shape
    n_words = max(1, -(-n_sets // 64))
    member, which = np.nonzero((sets & plan.alive).T)  # (AS, set) pairs, by AS
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(member, minlength=n), out=ptr[1:])
    words = seeded_rows(plan, (ptr, which.astype(np.int64)), n_words)
    hit = np.unpackbits(words.astype("<u8").view(np.uint8), axis=1, bitorder="little")[:, :n_sets].astype(bool)
    return (hit | sets.T) & plan.alive[:, None]
