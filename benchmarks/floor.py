"""The memory-traffic floor of a reachability call: the bytes of bitset rows its plan must move, over the machine's
measured copy bandwidth. A kernel cannot beat it without moving fewer rows (a better plan) or fewer bytes per row.

    python -m benchmarks.floor            # on the 2016 graph: rows, bytes, bandwidth, floor, one timed call

Rows counted (each ``8 × n_words`` bytes): one read per edge that gathers a row (transit customers going up, transit
peers, providers going down, into transit ASes and stub-class representatives), one write per transit up row, peer
row and stub-class row, and one read per row the reduction reads (transit and class rows). Single-bit edges (a stub
customer or peer contributes its own bit) move no row.
"""

from __future__ import annotations

import time

import numpy as np

from sim.reach.plan import Plan


def rows_moved(plan: Plan) -> int:
    """Rows of one source word that the kernel reads or writes for ``plan`` (module doc)."""
    transit = plan.row_of >= 0
    reps = np.zeros(plan.n, bool)
    reps[plan.classes.rep] = True
    target = transit | reps
    reads = 0
    for edges, from_rows in ((plan.up, transit), (plan.peer, transit), (plan.down, transit)):
        reads += int(np.count_nonzero(from_rows[edges.src] & target[edges.dst]))
    n_transit, n_classes = int(transit.sum()), len(plan.classes.rep)
    writes = 2 * n_transit + n_classes
    return reads + writes + n_transit + n_classes


def copy_bandwidth(n_bytes: int = 256 << 20, repeats: int = 5) -> float:
    """Bytes per second of a large ``np.copyto`` (read and write counted), median of ``repeats``."""
    src = np.ones(n_bytes // 8, np.uint64)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - t0)
    return 2 * n_bytes / float(np.median(times))


def floor_seconds(plan: Plan, n_sources: int, bandwidth: float) -> tuple[float, float]:
    """(bytes moved, seconds at ``bandwidth``) for ``n_sources`` sources on ``plan``."""
    n_words = -(-n_sources // 64)
    moved = 8.0 * n_words * rows_moved(plan)
    return moved, moved / bandwidth


def main() -> None:
    from sim import plan_reachability, reachability
    from sim.data.load import load_topology
    from sim.data.paths import data_dir

    d = data_dir()
    topo = load_topology(
        d / "caida" / "20161101.as-rel.txt.bz2",
        d / "geo" / "as_country_2018.csv.gz",
        d / "state_owned" / "state_owned_ases.csv",
    )
    plan = plan_reachability(topo)
    bandwidth = copy_bandwidth()
    moved, floor = floor_seconds(plan.restrict(None, None, True), topo.n_ases, bandwidth)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        reachability(topo, plan=plan)
        times.append(time.perf_counter() - t0)
    median = float(np.median(times))
    print(
        f"{topo.n_ases:,} ASes: {moved / 1e9:.2f} GB of rows, copy bandwidth {bandwidth / 1e9:.1f} GB/s, "
        f"floor {floor:.3f} s; all pairs with a reused plan {median:.3f} s (median of 5) = {median / floor:.1f}× floor"
    )


if __name__ == "__main__":
    main()
