"""Kernel scaling: how long valley-free reachability takes as the Internet grows and as sources are added,
beside the baseline libraries, all measured in the same run on this machine.

- vs ASes: synthetic Internets of ``analysis.sizes`` ASes (generator seed 0), ``sources_at_size`` sampled
  sources each (and exact all-pairs where ``n_ases ≤ all_pairs_max``).
- vs sources: the experiment's data set, ``source_counts`` sampled sources and all ASes.

The kernel's time is the median of ``repeats`` calls. The baselines (one BFS per source on the same
state-expanded graph, built beforehand: ``scipy.sparse.csgraph`` and ``networkx``) are timed from a few sampled
sources and scaled linearly to the question's number of sources (their cost is linear in it); the table marks
those rows ``extrapolated``. Table ``kernel_scaling.csv``; figure ``kernel_scaling``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim import synthetic_topology
from sim.analysis.figures import new_figure, save
from sim.backend import REACH_ENV, resolve_backend
from sim.experiments import Study, write_csv
from sim.experiments.baselines import networkx_reach_counts, networkx_state_graph, scipy_reach_counts, scipy_state_graph
from sim.reach.api import reachability

METHODS = {
    "kernel": f"fragsim kernel ({resolve_backend(None, REACH_ENV).value}, bit-parallel)",
    "scipy": "scipy BFS per source",
    "networkx": "networkx BFS per source",
}


def _sample(n: int, k: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, size=min(k, n), replace=False))


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _per_source(topo, method: str, k: int) -> tuple[float, int]:
    """Seconds per source of a baseline (graph built beforehand, not timed), from ``k`` sampled sources."""
    build, count = {
        "scipy": (scipy_state_graph, scipy_reach_counts),
        "networkx": (networkx_state_graph, networkx_reach_counts),
    }[method]
    graph = build(topo)
    src = _sample(topo.n_ases, k, seed=1)
    start = time.perf_counter()
    count(topo, src, graph=graph)
    return (time.perf_counter() - start) / len(src), len(src)


def measure(topo, source_counts: list[int], a: dict, panel: str) -> list[dict]:
    """Rows (panel, method, n_ases, n_sources, seconds, basis) for one topology."""
    rows = []
    repeats = int(a.get("repeats", 3))
    reachability(synthetic_topology(200, seed=0))  # untimed: the process's first call loads the compiled kernel
    source_counts = sorted({min(int(k), topo.n_ases) for k in source_counts})
    for k in source_counts:
        src = None if k == topo.n_ases else topo.asns[_sample(topo.n_ases, k)].tolist()
        seconds = _median_time(lambda src=src: reachability(topo, src), repeats if k < topo.n_ases else 1)
        rows.append(
            dict(
                panel=panel,
                method="kernel",
                n_ases=topo.n_ases,
                n_sources=k,
                seconds=seconds,
                basis="measured" + (" (all pairs)" if src is None else ""),
            )
        )
    for method in ("scipy", "networkx"):
        if method == "networkx" and topo.n_ases > int(a.get("networkx_max_ases", 100_000)):
            continue
        per, sampled = _per_source(topo, method, int(a.get(f"{method}_sources", 8)))
        for k in source_counts:
            rows.append(
                dict(
                    panel=panel,
                    method=method,
                    n_ases=topo.n_ases,
                    n_sources=k,
                    seconds=per * k,
                    basis=f"extrapolated from {sampled} sources" if k > sampled else "measured",
                )
            )
    return rows


def analyze(study: Study) -> list[Path]:
    a = study.analysis
    rows = []
    at = int(a.get("sources_at_size", 1024))
    all_pairs_max = int(a.get("all_pairs_max", 100_000))
    for n in a.get("sizes", [1000, 10_000, 100_000, 1_000_000]):
        topo = synthetic_topology(int(n), seed=0)
        counts = [at] + ([topo.n_ases] if topo.n_ases <= all_pairs_max else [])
        rows += measure(topo, counts, a, "vs_ases")
    topo = study.topology()
    counts = [*a.get("source_counts", [16, 256, 4096]), topo.n_ases]
    rows += measure(topo, counts, a, "vs_sources")
    table = pd.DataFrame(rows)
    paths = [write_csv(table, study.out / "kernel_scaling.csv")]

    fig, (ax1, ax2) = new_figure(2, width=11, height=4.6)
    styles = {"kernel": ("tab:blue", "o"), "scipy": ("tab:orange", "s"), "networkx": ("tab:green", "^")}
    vs_ases = table[table["panel"] == "vs_ases"]
    for method, label in METHODS.items():
        color, marker = styles[method]
        cell = vs_ases[(vs_ases["method"] == method) & (vs_ases["n_sources"] == np.minimum(at, vs_ases["n_ases"]))]
        ax1.loglog(cell["n_ases"], cell["seconds"], marker=marker, color=color, label=f"{label}, {at:,} sources")
        if method == "kernel":
            full = vs_ases[(vs_ases["method"] == method) & (vs_ases["n_sources"] == vs_ases["n_ases"])]
            ax1.loglog(
                full["n_ases"], full["seconds"], marker=marker, color=color, linestyle="--", label=f"{label}, all pairs"
            )
        cell = table[(table["panel"] == "vs_sources") & (table["method"] == method)]
        ax2.loglog(cell["n_sources"], cell["seconds"], marker=marker, color=color, label=label)
    ax1.set(
        title="Time vs size of the Internet (synthetic)",
        xlabel="ASes (count, log scale)",
        ylabel="seconds for one reachability computation (log)",
    )
    ax2.set(
        title=f"Time vs number of sources ({study.data_label()})",
        xlabel="source ASes (count, log scale; the last point: all ASes)",
        ylabel="seconds (log)",
    )
    for ax in (ax1, ax2):
        ax.legend(loc="upper left")
    threads = os.cpu_count()
    text = (
        f"Data: synthetic Internets (generator seed 0) and {study.data_label()}; sources sampled with seed "
        f"0. Measured on this machine ({threads} cores) in one run; kernel: median of {a.get('repeats', 3)} "
        f"calls. Baselines: one BFS per source on the same state-expanded graph (built beforehand, not "
        f"timed), timed from {a.get('scipy_sources', 8)} (scipy) and {a.get('networkx_sources', 8)} "
        f"(networkx) sampled sources and scaled linearly to the number of sources; networkx is not run "
        f"above {int(a.get('networkx_max_ases', 100_000)):,} ASes."
    )
    return paths + save(fig, study.out, "kernel_scaling", text)
