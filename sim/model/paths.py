"""Path-level measures per step (``path_measures.enabled``): the routes traffic takes under the links in force.

Reachability says whether some valley-free path is left; the chosen routes (:func:`sim.routes`) say which path
traffic takes, and so whose networks and jurisdictions it depends on. When the switch is on, the model computes,
after every step's reachability, the chosen routes to the destinations it measures (the sampled sources, or every
AS when exact) with the links cut by regulations removed, and records:

- per country, the **dependence concentration** of its inbound chosen paths: ``dependence_hhi``, the sum of the
  squared shares of :meth:`~sim.routes.result.RoutesResult.country_dependence`, and ``dependence_top``, the
  largest share (its most influential transit network);
- **exposure**: the share of the cross-border chosen paths between the ``exposure_countries`` largest countries
  that cross a third country (over the run, ``path_exposure``; per country, its paths from and to the others;
  ``exposure_countries=0``: not measured, the costliest part skipped);
- **stretch**: the mean AS-path length of the pairs that have a route, over the same mean at step 0
  (``path_stretch``); and per pair, against the routes of step 0 (kept from step 0, columns and all): the mean
  change of AS hops of the pairs routed both now and at step 0 (``path_stretch_mean``) and the share of them whose
  path got longer (``path_longer_frac``).

Cost per step: one routes pass with measures over the destinations (with the per-pair stretch: each column's
source classes routed also under step 0's routes, and one pass over the source groups per destination), one
exposure pass over its stored columns; step 0's result is kept for the run (``n_transit × n_columns × 4`` bytes:
0.81 GiB for all pairs of the 2016 graph, a few MiB for 128 sampled destinations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.memory import kernel_budget
from sim.model.world import World
from sim.routes import routes


@dataclass(frozen=True)
class PathMeasurement:
    """One step's path measures; per-country arrays are indexed by country slot (NaN: not measured)."""

    mean_length: float  # mean AS hops over the (source, destination) pairs with a route (NaN: none)
    n_pairs: int  # those pairs
    dependence_hhi: np.ndarray  # (K,) sum of the squared dependence shares of the country's inbound paths
    dependence_top: np.ndarray  # (K,) the largest of them
    exposure: np.ndarray  # (K,) share of the country's paths to and from the exposure countries crossing a third
    exposure_all: float  # the same over every cross-border pair of exposure countries
    mean_change: float = float("nan")  # mean change of AS hops per pair routed now and at step 0 (NaN: no baseline)
    longer_frac: float = float("nan")  # share of those pairs whose path is longer now

    def stretch(self, baseline: PathMeasurement) -> float:
        """Mean path length now over the baseline's (NaN when either has no pair)."""
        return self.mean_length / baseline.mean_length if baseline.mean_length > 0 else float("nan")


def exposure_countries(world: World, n: int) -> list[str]:
    """The ``n`` countries with the most ASes (ties: the lower country slot first); none for ``n = 0``."""
    counts = world.n_ases_in
    present = np.flatnonzero(counts > 0)
    order = present[np.lexsort((present, -counts[present]))]
    return [world.topo.country_codes[c] for c in order[:n]]


def measure_paths(
    world: World, cut: np.ndarray, destinations: list[int] | None, countries: list[str], baseline=None
) -> tuple[PathMeasurement, object]:
    """The chosen routes to ``destinations`` (ASNs; None: every AS) with the ``cut`` links (bool over the model's
    link ids) removed, reduced to a :class:`PathMeasurement`; and the routes themselves (step 0's serve as the
    ``baseline`` of the per-pair stretch afterwards).

    Notes
    -----
    Routes honour cut links, not transit restrictions (the routes kernel has no per-source restriction): under a
    transit restriction the chosen path is the one BGP would choose were the restriction not enforced on it. Sources
    are every AS, destinations those given. The per-pair stretch needs the baseline's network as a subset of
    today's: on a topology that gained links (re-homing bought some) or where a link cut at step 0 is back, it is
    NaN. Cost: one routes pass with measures over the destinations, exposure among ``countries`` counted in it
    (the per-pair stretch routes the source classes once more per column, under the baseline's routes), per call.
    """
    topo = world.kernel_topology()
    removed = world.to_kernel(cut)
    if baseline is not None and not _comparable(baseline, topo, removed):
        baseline = None
    r = routes(
        topo,
        destinations,
        removed_links=removed,
        measures=True,
        memory_budget=kernel_budget(),
        baseline=baseline,
        exposure=list(countries) or None,
    )
    lengths = r.path_lengths()
    n_pairs = int(lengths["pairs"].sum())
    mean = float((lengths["length"] * lengths["pairs"]).sum() / n_pairs) if n_pairs else float("nan")
    change, longer = float("nan"), float("nan")
    if baseline is not None:
        st = r.stretch()
        both = int(st["pairs"].sum())
        if both:
            change = float((st["change"] * st["pairs"]).sum() / both)
            longer = float(st.loc[st["change"] > 0, "pairs"].sum() / both)
    k = len(topo.country_codes)
    hhi, top, exposure = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    conc = r.dependence_concentration()
    slots = np.array([topo.country_index(c) for c in conc["country"]], np.int64)
    hhi[slots], top[slots] = conc["hhi"].to_numpy(), conc["top_share"].to_numpy()
    exposure_all = float("nan")
    if not countries:  # exposure off (exposure_countries=0)
        return PathMeasurement(mean, n_pairs, hhi, top, exposure, exposure_all, change, longer), r
    ex = r.exposure(countries)
    ex = ex[ex["source"] != ex["destination"]]
    total = float(ex["paths"].sum())
    if total:
        exposure_all = float(ex["crossing"].sum()) / total
    for code in countries:
        mine = ex[(ex["source"] == code) | (ex["destination"] == code)]
        paths = float(mine["paths"].sum())
        if paths:
            exposure[topo.country_index(code)] = float(mine["crossing"].sum()) / paths
    return PathMeasurement(mean, n_pairs, hhi, top, exposure, exposure_all, change, longer), r


def _comparable(baseline, topo, removed: np.ndarray) -> bool:
    """Whether step 0's routes can serve as the baseline now: the same links, and its cut links still cut."""
    before = baseline.restrictions[0]
    if baseline.topology.n_links != topo.n_links:
        return False
    return before is None or not np.any(before & ~removed)


# -- reporters (named functions of the model and of a state) ---------------------------------------------------


def path_length_mean(model) -> float:
    return model.paths_now.mean_length


def path_stretch(model) -> float:
    return model.paths_now.stretch(model.paths_baseline)


def path_stretch_mean(model) -> float:
    return model.paths_now.mean_change


def path_longer_frac(model) -> float:
    return model.paths_now.longer_frac


def path_exposure(model) -> float:
    return model.paths_now.exposure_all


def dependence_hhi_mean(model) -> float:
    v = model.paths_now.dependence_hhi
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def dependence_top_mean(model) -> float:
    v = model.paths_now.dependence_top
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def state_dependence_hhi(agent) -> float:
    return float(agent.model.paths_now.dependence_hhi[agent.country])


def state_dependence_top(agent) -> float:
    return float(agent.model.paths_now.dependence_top[agent.country])


def state_path_exposure(agent) -> float:
    return float(agent.model.paths_now.exposure[agent.country])


MODEL_REPORTERS = {
    "path_length_mean": path_length_mean,
    "path_stretch": path_stretch,
    "path_stretch_mean": path_stretch_mean,
    "path_longer_frac": path_longer_frac,
    "path_exposure": path_exposure,
    "dependence_hhi_mean": dependence_hhi_mean,
    "dependence_top_mean": dependence_top_mean,
}
STATE_REPORTERS = {
    "dependence_hhi": state_dependence_hhi,
    "dependence_top": state_dependence_top,
    "path_exposure": state_path_exposure,
}
