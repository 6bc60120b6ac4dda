"""Best-path routes for all pairs, as BGP with Gao-Rexford preferences chooses them.

For each destination, every AS's chosen route under BGPy 13's default BGP policy: routes learned from customers
are preferred to routes from peers, preferred to routes from providers; then the shorter AS path; then the lowest
next-hop ASN. Routes from customers (and the destination's own) are exported to everyone, routes from peers or
providers to customers only. The ASes holding a route are exactly those that :func:`sim.reachability` finds.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sim.arrays import Buffers, empty_base_pages, unique_sorted
from sim.backend import Backend, resolve_backend
from sim.data.topology import Topology
from sim.reach.checks import check_mask
from sim.routes.kernel import Keys, block_router
from sim.routes.measures import (
    PathMeasures,
    Tally,
    block_tally,
    column_bytes,
    exposure_counts,
    make_views,
    source_classes,
    tally_sums,
)
from sim.routes.plan import DestKind, make_plan
from sim.routes.result import RoutesResult
from sim.routes.stretch import block_stretch, make_joint, make_side, stretch_bytes

DEFAULT_MEMORY_BUDGET = 4 << 30  # bytes
# SCRATCH_BYTES and MAX_BLOCK shape the blocks, never the results; read at call time (tests force them small)
SCRATCH_BYTES = 128 << 20  # the kernel's gathers, target groups and peer candidates of one block
MAX_BLOCK = 2048  # destination columns per block


def _block_bytes(n_transit: int, width: int, key_bytes: int, measure_col: int = 0) -> int:
    """One block in flight: the keys, the providers' offers, a gathered copy, and scratch; with the measures,
    ``measure_col`` more bytes per column (:func:`sim.routes.measures.column_bytes`)."""
    return n_transit * width * (3 * key_bytes) + width * measure_col + SCRATCH_BYTES


def _destinations(topo: Topology, destinations) -> np.ndarray:
    if destinations is None:
        return np.arange(topo.n_ases)
    if isinstance(destinations, (str, bytes)) or not np.iterable(destinations):
        raise TypeError(f"destinations must be an iterable of ASNs, got {type(destinations).__name__}")
    asns = np.asarray(list(destinations))
    if asns.size and asns.dtype.kind not in "iu":
        raise TypeError(f"destinations must hold integer ASNs, got dtype {asns.dtype}")
    return unique_sorted(topo.asn_to_idx(asns)) if asns.size else np.zeros(0, np.int64)


def routes(
    topology: Topology,
    destinations=None,
    removed_links=None,
    removed_ases=None,
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    n_threads: int | None = None,
    measures: bool = False,
    backend: Backend | str | None = None,
    baseline: RoutesResult | None = None,
    exposure=None,
) -> RoutesResult:
    """Every AS's best route to each destination under Gao-Rexford preferences (BGPy 13's default BGP).

    Parameters
    ----------
    topology : Topology
    destinations : iterable of ASNs, optional
        The destinations (origins); default all ASes.
    removed_links : (n_links,) bool, optional
        Links that no longer exist (ids as in :class:`~sim.data.topology.Topology`: c2p first, then p2p).
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: they hold no route, carry none, and nobody reaches them.
    memory_budget : int
        Bytes the stored columns and the blocks in flight may use.
    n_threads : int, optional
        Blocks of destinations processed at once (default: the machine's cores, at most 4). Results do not
        depend on it.
    measures : bool
        Also compute the path measures (transit load, country dependence, path lengths) in the same pass.
    backend : {"numba", "numpy"}, optional
        The routes' and path measures' implementation (here and in ``exposure``); default numba when installed,
        else numpy, or ``$FRAGSIM_MEASURES_BACKEND``. Both give the same results.
    baseline : RoutesResult, optional
        With ``measures=True``: the routes before the removals (same topology, removals a subset of these), for
        the per-pair stretch (:meth:`RoutesResult.stretch`). Its stored columns are reused; columns it lacks are
        computed block by block, so ``sim.routes(topo, [])`` (no columns) serves without holding the baseline.
    exposure : list of str, optional
        With ``measures=True``: country codes whose jurisdiction exposure (:meth:`RoutesResult.exposure`, without
        ``via``) is counted in the same pass, from the source classes the measures route anyway; asking
        ``exposure`` for these countries, in this order, then reads it instead of a pass of its own.

    Returns
    -------
    RoutesResult
        ``tree(dst_asn)`` (a DataFrame of every AS's route) and ``path(src_asn, dst_asn)``.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named in the message.
    KeyError
        A destination ASN is not in the topology.
    MemoryError
        The stored columns and one block of one destination exceed ``memory_budget`` (estimate in the message).

    Notes
    -----
    The decision process: routes from customers, then peers, then providers; then the shorter AS path; then the
    lowest next-hop ASN. Export: routes from customers and the origin's own go to every neighbour, routes from
    peers or providers to customers only; an AS refuses a path that holds it. The result is BGP's stable state,
    which with these preferences is unique; on graphs without customer→provider cycles it is what BGPy computes
    (up to providers by rank, one peer hop, down to customers), and cycles are closed by a fixpoint.

    Only transit ASes (those with a customer; 8,422 of 55,809 in 2016) hold stored rows, and only transit
    destinations and one representative per class of stubs with the same providers and peers hold columns (25,889
    in 2016): a stub's route follows from its neighbours' rows, a single-homed stub without peers has its
    provider's routes one hop longer. Memory::

        columns     n_transit × n_columns × K bytes          (one key per entry: class rank, length and next
                                                              hop packed in K = 4 bytes; 8 when they need more
                                                              than 29 bits, beyond about 4 million ASes)
        per block   n_transit × width × 3 × K bytes + 128 MiB scratch
        measures    + width × (n_transit × 80 + n_classes × (K + 16)) bytes per block

    with ``width`` (at most 2,048 destinations) the widest that fits the budget, one block per thread. Work per
    destination: its upstream cone (the customer routes, breadth-first) expanded over providers and peers, then
    one dense pass over the transit-to-transit customer→provider links for the provider routes:
    O(n_columns × (n_transit + n_transit_c2p)) in all; loops run over lengths, levels and rounds.
    """
    topo = topology
    if not isinstance(topo, Topology):
        raise TypeError(f"topology must be a Topology, got {type(topo).__name__}")
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    removed_ases = check_mask("removed_ases", removed_ases, topo.n_ases)
    if not isinstance(memory_budget, (int, np.integer)) or memory_budget <= 0:
        raise ValueError(f"memory_budget must be a positive number of bytes, got {memory_budget!r}")
    threads = _n_threads(n_threads)
    backend = resolve_backend(backend)
    _check_baseline(baseline, topo, measures, removed_links, removed_ases)
    exposure_slots = _exposure_slots(topo, exposure, measures)
    dst = _destinations(topo, destinations)
    plan = make_plan(topo, removed_links, removed_ases)
    served = np.isin(plan.kind[dst], [DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH])
    anchors = unique_sorted(plan.anchor[dst[served]])
    keys = Keys.for_plan(topo.n_ases, plan.max_length)
    n_t, n_cols = len(plan.transit), len(anchors)
    key_bytes = np.dtype(keys.dtype).itemsize
    if measures:
        sc = source_classes(topo, plan)
    extra = column_bytes(n_t, len(sc.size), key_bytes) if measures else 0
    if baseline is not None:
        extra += stretch_bytes(n_t, len(sc.size), key_bytes)
    width, threads = _plan_blocks(n_t, n_cols, key_bytes, int(memory_budget), threads, extra)
    key = empty_base_pages((n_t, n_cols), keys.dtype)  # written in column blocks by several threads
    if measures:
        views = make_views(topo, plan, sc, dst, anchors)
        k = 0 if exposure_slots is None else len(exposure_slots)
        made, lock = [], threading.Lock()
        sums = _PerThread(made, tally_sums, topo, plan, sc, k, backend)
        buffers = Buffers()  # the blocks' large scratch arrays, reused by each thread
    if baseline is not None:
        side_a = make_side(topo, plan, keys, backend, sc)
        side_b = make_side(topo, baseline.plan, baseline.keys, backend)
        joint = make_joint(side_a, side_b)
        n_bins = 2 * (max(plan.max_length, baseline.plan.max_length) + 2) + 1
        change, lost = np.zeros(n_bins, np.int64), [0]
        dst_col = np.searchsorted(anchors, plan.anchor[dst])
        dst_col[~served] = -1

    route = side_a.route if baseline is not None else block_router(plan, keys, backend)

    def run(cols: tuple[int, int]) -> None:
        c0, c1 = cols
        route(anchors[c0:c1], key[:, c0:c1])
        if measures:
            la = None  # the compiled tally writes the stretch's lengths after the removals on its way
            if baseline is not None and backend is Backend.NUMBA:
                la = buffers.take("lengths after", (c1 - c0, n_t + len(sc.size)), np.int16)
            block = key[:, c0:c1]
            block_tally(
                topo, plan, keys, sc, views.block(c0, c1), anchors[c0:c1], block, sums.value, backend, la,
                exposure_slots,
            )  # fmt: skip
            if baseline is not None:
                here = dst[(dst_col >= c0) & (dst_col < c1)]
                stretched = block_stretch(
                    topo, side_a, side_b, joint, here, block, anchors[c0:c1], baseline, n_bins, backend, la, buffers
                )
                with lock:
                    change[:] += stretched[0]
                    lost[0] += stretched[1]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, _blocks(n_cols, width, threads)))  # numpy releases the GIL in the gathers and minimums
    if baseline is not None:  # destinations that no column serves any more: every route they had is lost
        gone = dst[~served]
        for g0 in range(0, len(gone), MAX_BLOCK):
            h, n_lost = block_stretch(
                topo, side_a, side_b, joint, gone[g0 : g0 + MAX_BLOCK], None, None, baseline, n_bins, backend
            )
            change += h
            lost[0] += n_lost
    stretch = (change, lost[0]) if baseline is not None else None
    if measures:
        tally = Tally.empty(n_t, topo.n_slots, plan.max_length, k)
        for part in made:
            tally.add(part.as_tally())
    result = RoutesResult(topo, plan, dst, anchors, keys, key, (removed_links, removed_ases), None, backend)
    if not measures:
        return result
    if exposure_slots is not None and backend is not Backend.NUMBA:  # the numpy tally leaves it to a pass of its own
        _, tally.paths[:], tally.third[:], _ = exposure_counts(result, exposure_slots, want_via=False)
    return dataclasses.replace(result, measures=PathMeasures(topo, plan.transit, tally, stretch, exposure_slots))


class _PerThread(threading.local):
    """``value``: ``make(*args)``, made once per thread on its first use, and listed in ``made`` (shared)."""

    def __init__(self, made: list, make, *args) -> None:
        self._made, self._make, self._args, self._value = made, make, args, None

    @property
    def value(self):
        if self._value is None:
            self._value = self._make(*self._args)
            self._made.append(self._value)  # one thread's sums: added up once every block is done
        return self._value


def _exposure_slots(topo: Topology, exposure, measures: bool) -> np.ndarray | None:
    """The country slots of ``exposure`` (country codes), checked; None when not asked for."""
    if exposure is None:
        return None
    if not measures:
        raise ValueError("exposure= is counted with the path measures: pass measures=True with it")
    if isinstance(exposure, str) or not all(isinstance(c, str) for c in exposure):
        raise TypeError(f"exposure must be a list of country codes, got {exposure!r}")
    slots = np.array([topo.country_index(c) for c in exposure], np.int64)
    if len(np.unique(slots)) != len(slots):
        raise ValueError(f"exposure must name distinct countries, got {list(exposure)}")
    return slots


def _check_baseline(baseline, topo: Topology, measures: bool, removed_links, removed_ases) -> None:
    if baseline is None:
        return
    if not isinstance(baseline, RoutesResult):
        raise TypeError(f"baseline must be a RoutesResult, got {type(baseline).__name__}")
    if not measures:
        raise ValueError("baseline is for the per-pair stretch, a path measure: pass measures=True with it")
    other = baseline.topology
    if other is not topo and (other.n_ases != topo.n_ases or other.n_links != topo.n_links):
        raise ValueError("baseline must be computed on the same topology")
    for name, before, now in zip(
        ("removed_links", "removed_ases"), baseline.restrictions, (removed_links, removed_ases), strict=True
    ):
        if before is not None and (now is None or np.any(before & ~now)):
            raise ValueError(f"baseline's {name} must be a subset of this call's (the stretch of removals)")


def _n_threads(n_threads: int | None) -> int:
    if n_threads is None:
        return min(4, os.cpu_count() or 1)
    if not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer, got {n_threads!r}")
    return n_threads


def _blocks(n_cols: int, width: int, threads: int) -> list[tuple[int, int]]:
    """``(c0, c1)`` of each block of columns, in the order the threads take them: ``width`` columns while many
    remain, then narrower, down to an eighth of that, so that the threads' last blocks end close together (the
    first to finish would otherwise wait up to a whole block for the other)."""
    out, c0 = [], 0
    while c0 < n_cols:
        w = min(width, max(width // 8, -(-(n_cols - c0) // (2 * threads)), 1))
        out.append((c0, min(c0 + w, n_cols)))
        c0 += w
    return out


def _plan_blocks(n_t: int, n_cols: int, key_bytes: int, budget: int, threads: int, measure_col: int = 0):
    """(columns per block, blocks in flight): the widest blocks that fit ``budget`` beside the stored columns,
    split so that every thread has work."""
    stored = n_cols * n_t * key_bytes
    threads = max(1, min(threads, n_cols))
    if stored + threads * _block_bytes(n_t, 1, key_bytes, measure_col) > budget:
        threads = 1
    need = stored + _block_bytes(n_t, 1, key_bytes, measure_col)
    if need > budget:
        raise MemoryError(
            f"routes needs about {need / 2**30:.2f} GiB ({stored / 2**30:.2f} GiB of stored columns for "
            f"{n_cols:,} destination columns × {n_t:,} transit ASes, and one block), over the memory_budget of "
            f"{budget / 2**30:.2f} GiB: raise memory_budget or ask for fewer destinations"
        )
    per_col = threads * (n_t * 3 * key_bytes + measure_col)
    spare = budget - stored - threads * _block_bytes(n_t, 0, key_bytes)
    width = int(min(MAX_BLOCK, max(1, spare // max(per_col, 1)), max(1, -(-n_cols // threads))))
    return width, threads
