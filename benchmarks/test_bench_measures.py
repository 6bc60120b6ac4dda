"""Benchmarks of the path measures on the CAIDA 2016 graph: all-pairs routes with every measure, per backend.

    python -m pytest benchmarks/test_bench_measures.py --benchmark-enable --benchmark-json=results/bench_measures.json

One round is the regulated all-pairs pass with every measure: the routes of all 55,809 destinations with a regulation's
links removed (every link between two countries of a sanctions pair), with transit load, country dependence
for every country, path lengths, the per-pair stretch against the unregulated baseline (given as a result
without stored columns: its columns are computed block by block beside the regulated ones) and jurisdiction
exposure between the 20 countries with the most ASes, all in one pass (``exposure=``), then the exposure table
read from it. Median of 3 rounds, per backend (numba, numpy), so the
claim that numpy alone does not reach the target is measured here. Run as a plain test (``--benchmark-disable``,
as in CI) one round covers 512 sampled destinations instead. ``extra_info`` records the parts' times and
the process's peak resident memory. The target: ≤ 10 s and ≤ 8 GB.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pytest

from sim import routes

SANCTIONS = ("US", "RU")  # the removed links: every link between an AS of one and an AS of the other


def regulation(topo) -> np.ndarray:
    slot = topo.country_slot[topo.link_endpoints()]
    a, b = (topo.country_index(c) for c in SANCTIONS)
    return ((slot[:, 0] == a) & (slot[:, 1] == b)) | ((slot[:, 0] == b) & (slot[:, 1] == a))


def largest_countries(topo, n: int) -> list[str]:
    counts = np.bincount(topo.country_slot, minlength=topo.n_slots)[: len(topo.country_codes)]
    return [topo.country_codes[c] for c in np.argsort(-counts, kind="stable")[:n]]


def every_measure(topo, cut, countries, backend: str, destinations=None) -> dict:
    t0 = time.perf_counter()
    base = routes(topo, [])
    r = routes(topo, destinations, removed_links=cut, measures=True, baseline=base, exposure=countries, backend=backend)
    t1 = time.perf_counter()
    exposure = r.exposure(countries)  # counted in the pass (the numpy backend: its own pass, inside routes)
    t2 = time.perf_counter()
    return {"result": r, "exposure": exposure, "routes_measures_stretch_exposure_s": t1 - t0, "read_s": t2 - t1}


@pytest.mark.benchmark(group="routes + every measure, CAIDA 2016 all pairs")
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_every_measure_real_all_pairs(benchmark, real_topology, backend):
    topo = real_topology
    cut, countries = regulation(topo), largest_countries(topo, 20)
    parts: list[dict] = []

    # as a plain test (benchmarks disabled, as in CI) one round on sampled destinations checks the code path;
    # timed, every destination
    sample = None if not benchmark.disabled else np.random.default_rng(0).choice(topo.asns, 512, replace=False)

    def run():
        parts.append(every_measure(topo, cut, countries, backend, sample))
        return parts[-1]

    out = benchmark.pedantic(run, rounds=3, warmup_rounds=0)
    r = out["result"]
    benchmark.extra_info.update(
        backend=backend,
        removed_links=int(cut.sum()),
        exposure_countries=countries,
        routes_measures_stretch_exposure_s=[p["routes_measures_stretch_exposure_s"] for p in parts],
        read_s=[p["read_s"] for p in parts],
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )
    assert r.path_lengths()["pairs"].sum() > 0 and r.stretch()["pairs"].sum() > 0
    assert len(r.dependence_concentration()) > (100 if sample is None else 10) and len(out["exposure"]) > 0
