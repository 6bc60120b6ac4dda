"""All chosen routes of the 2016 graph: fragsim beside BGPy 13 and matrix-bgpsim's CPU backend, in one run.

    python -m benchmarks.routes_side_by_side --origins 6 --columns 4 --out results/bench_routes_side_by_side.json
    python -m benchmarks.routes_side_by_side --reuse results/bench_routes_side_by_side.json --million 0 \
        --out results/bench_routes_side_by_side.json   # fragsim again, the other tools' figures kept

- **fragsim**: :func:`sim.routes` for all 55,809 destinations, without and with the path measures (transit
  load, country dependence, path lengths), and with every measure as ``benchmarks/test_bench_measures.py`` times
  it (a regulated pass with the stretch against the unregulated routes, then exposure among 20 countries), median
  of ``--rounds``; and a 1,000,000-AS synthetic Internet with 1,024 sampled destinations.
- **BGPy 13** (``bgpy-pkg``): one propagation per origin (its unit of work), on ``--origins`` sampled origins;
  all pairs extrapolated as (median seconds per origin) × 55,809.
- **matrix-bgpsim 1.0.2** (CPU backend, NumPy): its all-pairs state and next-hop matrices over its core ASes
  (single-homed branches are derived from their root); its worker's loop run in this process on ``--columns``
  destination columns, CPU seconds per column × the core size.

Peak memory is each tool's own: fragsim's process peak (``ru_maxrss``) after its runs; matrix-bgpsim's matrices
(state, two link matrices, next hop) as its runner allocates them for all pairs. Every timing shares the machine,
so the ratios are the figures to read. Needs ``bgpy-pkg`` and ``matrix-bgpsim`` (the ``bgpy`` extra), in an
environment of their own; ``--reuse`` keeps the other tools' figures from an earlier report instead (their runs
take minutes and their environment), and says so in the report (``reused_from``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np


def fragsim_all_pairs(topo, rounds: int) -> dict:
    from benchmarks.test_bench_measures import every_measure, largest_countries, regulation
    from sim import routes
    from sim.backend import resolve_backend

    backend = resolve_backend().value
    cut, countries = regulation(topo), largest_countries(topo, 20)
    passes = {
        "routes": lambda: routes(topo),
        "routes_and_measures": lambda: routes(topo, measures=True),
        # point 3's every measure, as benchmarks/test_bench_measures.py times it: a regulated pass with transit
        # load, dependence, path lengths and the stretch against the unregulated routes, then exposure
        "every_measure": lambda: every_measure(topo, cut, countries, backend),
    }
    out = {"measures_backend": backend}
    for label, run in passes.items():
        seconds = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - t0)
        out[label] = {"seconds": seconds, "median_s": float(np.median(seconds))}
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def fragsim_million(n_ases: int, n_dst: int) -> dict:
    from sim import routes, synthetic_topology

    t0 = time.perf_counter()
    topo = synthetic_topology(n_ases, seed=0)
    built = time.perf_counter() - t0
    dst = np.random.default_rng(0).choice(topo.asns, n_dst, replace=False).tolist()
    t0 = time.perf_counter()
    r = routes(topo, dst)
    seconds = time.perf_counter() - t0
    return {"n_ases": n_ases, "destinations": n_dst, "build_s": built, "seconds": seconds, "columns": len(r.anchors)}


def bgpy_per_origin(topo, n: int) -> dict:
    from benchmarks.bgpy_routes import bgpy_engine, bgpy_routes, sample_origins
    from sim import routes

    t0 = time.perf_counter()
    engine = bgpy_engine(topo)
    built = time.perf_counter() - t0
    seconds = []
    for origin in sample_origins(routes(topo, []), n, 0):
        t0 = time.perf_counter()
        bgpy_routes(engine, origin)
        seconds.append(time.perf_counter() - t0)
    return {"build_s": built, "seconds": seconds, "median_s_per_origin": float(np.median(seconds))}


def matrix_bgpsim_per_column(topo, n_cols: int) -> dict:
    import contextlib
    import io

    from matrix_bgpsim import RMatrix

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        a = topo.asns.astype(str)
        rels = [(a[p], a[c], -1) for p, c in zip(topo.provider.tolist(), topo.customer.tolist(), strict=True)]
        rels += [(a[x], a[y], 0) for x, y in zip(topo.peer_a.tolist(), topo.peer_b.tolist(), strict=True)]
        rm = RMatrix(rels)  # the same links (its CAIDA reader wants the uncompressed file)
        ngbrs = rm.__idx2ngbrs__  # its core ASes' neighbours (dunder names are not mangled)
        runner = RMatrix.__cpu_runner__(ngbrs, 1, 32, True)
    built = time.perf_counter() - t0
    size = len(ngbrs)
    state, link1, link2, shape, next_hop = _closure_args(runner)
    RMatrix.__init_worker_cpu__(state, link1, link2, shape, next_hop)
    left = size // 2  # a stretch of columns from the middle of the core
    c0 = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        RMatrix.__iterate_state_and_next_hop_cpu__(0, left, left + n_cols, 32)
    per_col = (time.process_time() - c0) / n_cols
    return {
        "build_s": built,
        "core_ases": size,
        "cpu_s_per_column": per_col,
        "all_pairs_bytes": size * size * (3 + 4),  # state, link1, link2 (uint8) and next hop (int32)
    }


def _closure_args(runner):
    """The shared arrays the CPU runner hands its pool (its closure's ``initargs``)."""
    names = runner.__code__.co_freevars
    cells = dict(zip(names, (c.cell_contents for c in runner.__closure__), strict=True))
    return cells["initargs"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fragsim all-pairs rounds (median)")
    parser.add_argument("--origins", type=int, default=6, help="BGPy origins timed")
    parser.add_argument("--columns", type=int, default=4, help="matrix-bgpsim destination columns timed")
    parser.add_argument("--million", type=int, default=1_000_000, help="ASes of the synthetic Internet (0: skip)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--reuse", type=Path, default=None, help="take BGPy's and matrix-bgpsim's figures from here")
    args = parser.parse_args(argv)

    from sim import load_topology
    from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED

    topo = load_topology(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    n = topo.n_ases
    report = {"n_ases": n, "fragsim": fragsim_all_pairs(topo, args.rounds)}
    if args.reuse:
        earlier = json.loads(args.reuse.read_text())
        report.update({k: earlier[k] for k in ("bgpy", "matrix_bgpsim")}, reused_from=str(args.reuse))
    else:
        report["bgpy"] = bgpy_per_origin(topo, args.origins)
        report["matrix_bgpsim"] = matrix_bgpsim_per_column(topo, args.columns)
    if args.million:
        report["fragsim_million"] = fragsim_million(args.million, 1024)
    plain = report["fragsim"]["routes"]["median_s"]
    ours = report["fragsim"]["routes_and_measures"]["median_s"]
    bgpy_all = report["bgpy"]["median_s_per_origin"] * n
    mb = report["matrix_bgpsim"]
    mb_all = mb["cpu_s_per_column"] * mb["core_ases"]
    every = report["fragsim"]["every_measure"]["median_s"]
    report["all_pairs_s"] = {
        "fragsim": ours,
        "fragsim_routes": plain,
        "fragsim_every_measure": every,
        "bgpy": bgpy_all,
        "matrix_bgpsim_cpu": mb_all,
    }
    report["ratio"] = {"bgpy": bgpy_all / ours, "matrix_bgpsim_cpu": mb_all / ours}
    report["ratio_routes_only"] = {"bgpy": bgpy_all / plain, "matrix_bgpsim_cpu": mb_all / plain}
    report["ratio_every_measure"] = {"bgpy": bgpy_all / every, "matrix_bgpsim_cpu": mb_all / every}
    f = report["fragsim"]
    print(
        f"fragsim routes, all pairs: median {plain:.1f} s; with measures ({f['measures_backend']}) {ours:.1f} s; "
        f"every measure (regulated, stretch, exposure) {every:.1f} s; peak {f['peak_rss_bytes'] / 2**30:.1f} GiB"
    )
    print(
        f"every measure against the others' routes alone: {bgpy_all / every:,.0f}× BGPy, "
        f"{mb_all / every:,.0f}× matrix-bgpsim CPU"
    )
    print(
        f"BGPy 13: median {report['bgpy']['median_s_per_origin']:.2f} s per origin → {bgpy_all / 3600:.1f} h "
        f"for all pairs ({bgpy_all / ours:,.0f}× fragsim)"
    )
    print(
        f"matrix-bgpsim CPU: {mb['cpu_s_per_column']:.2f} CPU-s per column × {mb['core_ases']:,} core ASes → "
        f"{mb_all / 3600:.1f} h, {mb['all_pairs_bytes'] / 2**30:.1f} GiB ({mb_all / ours:,.0f}× fragsim)"
    )
    if args.million:
        m = report["fragsim_million"]
        print(
            f"fragsim, {m['n_ases']:,} synthetic ASes, {m['destinations']:,} destinations: {m['seconds']:.1f} s "
            f"(the Internet built in {m['build_s']:.1f} s)"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
