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
- **stretch**: the mean AS-path length of the pairs that have a route, over the same mean at step 0.
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

    def stretch(self, baseline: PathMeasurement) -> float:
        """Mean path length now over the baseline's (NaN when either has no pair)."""
        return self.mean_length / baseline.mean_length if baseline.mean_length > 0 else float("nan")


def exposure_countries(world: World, n: int) -> list[str]:
    """The ``n`` countries with the most ASes (ties: the lower country slot first); none for ``n = 0``."""
    counts = world.n_ases_in
    present = np.flatnonzero(counts > 0)
    order = present[np.lexsort((present, -counts[present]))]
    return [world.topo.country_codes[c] for c in order[:n]]


def measure_paths(world: World, cut: np.ndarray, destinations: list[int] | None, countries: list[str]):
    """The chosen routes to ``destinations`` (ASNs; None: every AS) with the ``cut`` links (bool over the model's
    link ids) removed, reduced to a :class:`PathMeasurement`.

    Notes
    -----
    Routes honour cut links, not transit restrictions (the routes kernel has no per-source restriction): under a
    transit restriction the chosen path is the one BGP would choose were the restriction not enforced on it. Sources
    are every AS, destinations those given. Cost: one routes pass with measures over the destinations, and one
    exposure pass over their stored columns for ``countries``, per call.
    """
    topo = world.kernel_topology()
    r = routes(topo, destinations, removed_links=world.to_kernel(cut), measures=True, memory_budget=kernel_budget())
    lengths = r.path_lengths()
    n_pairs = int(lengths["pairs"].sum())
    mean = float((lengths["length"] * lengths["pairs"]).sum() / n_pairs) if n_pairs else float("nan")
    k = len(topo.country_codes)
    hhi, top, exposure = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    conc = r.dependence_concentration()
    slots = np.array([topo.country_index(c) for c in conc["country"]], np.int64)
    hhi[slots], top[slots] = conc["hhi"].to_numpy(), conc["top_share"].to_numpy()
    exposure_all = float("nan")
    if not countries:  # exposure off (exposure_countries=0): its pass is the costliest part
        return PathMeasurement(mean, n_pairs, hhi, top, exposure, exposure_all)
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
    return PathMeasurement(mean, n_pairs, hhi, top, exposure, exposure_all)


# -- reporters (named functions of the model and of a state) ---------------------------------------------------


def path_length_mean(model) -> float:
    return model.paths_now.mean_length


def path_stretch(model) -> float:
    return model.paths_now.stretch(model.paths_baseline)


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
    "path_exposure": path_exposure,
    "dependence_hhi_mean": dependence_hhi_mean,
    "dependence_top_mean": dependence_top_mean,
}
STATE_REPORTERS = {
    "dependence_hhi": state_dependence_hhi,
    "dependence_top": state_dependence_top,
    "path_exposure": state_path_exposure,
}
