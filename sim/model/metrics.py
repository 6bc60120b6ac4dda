"""The measures of fragmentation, from the kernel's country × country pair counts.

Countries are the topology's country slots; the last slot (unknown jurisdiction) takes part in totals but not
in per-country measures. Losses are relative to the run's baseline (step 0, before any regulation).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from sim.model.world import World


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: all equal; → 1: one holds everything)."""
    v = np.sort(np.asarray(values, dtype=float))
    if len(v) == 0 or v.sum() <= 0:
        return 0.0
    n = len(v)
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * v.sum()))


def cross_border_pairs(pairs: np.ndarray) -> int:
    """Reachable pairs between two different known countries."""
    known = pairs[:-1, :-1]
    return int(known.sum() - np.trace(known))


def country_involvement(pairs: np.ndarray) -> np.ndarray:
    """Reachable pairs with a source or a destination in each known country (its pairs with the world)."""
    known = pairs[:-1]
    return known.sum(axis=1) + pairs[:, :-1].sum(axis=0) - np.diag(pairs)[:-1]


def country_cross_border(pairs: np.ndarray) -> np.ndarray:
    """Reachable pairs between each known country and the other known countries, both directions."""
    known = pairs[:-1, :-1]
    return known.sum(axis=1) + known.sum(axis=0) - 2 * np.diag(known)


def per_country_cross_border_loss(pairs: np.ndarray, base_pairs: np.ndarray) -> np.ndarray:
    """Share of each country's baseline cross-border pairs that is lost (NaN where it had none)."""
    now, base = country_cross_border(pairs), country_cross_border(base_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base > 0, 1.0 - now / np.maximum(base, 1), np.nan)


def per_country_loss(pairs: np.ndarray, base_pairs: np.ndarray) -> np.ndarray:
    """Share of each country's baseline pairs with the world that is lost (NaN where it had none)."""
    now, base = country_involvement(pairs), country_involvement(base_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base > 0, 1.0 - now / np.maximum(base, 1), np.nan)


#: the loss thresholds of the population measures: the share of the world's people in countries losing more
PEOPLE_THRESHOLDS = (0.01, 0.10, 0.50)


def _people_counted(loss: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Countries that count in the population measures: a measured loss and a known population."""
    return np.isfinite(loss) & np.isfinite(population) & (population > 0)


def people_losing(loss: np.ndarray, population: np.ndarray, threshold: float) -> float:
    """Share of the world's population living in countries that lost more than ``threshold`` of their reach
    with the world.

    Parameters
    ----------
    loss : (K,) float
        Per-country loss (:func:`per_country_loss`; NaN: not measured).
    population : (K,) float
        Each country's population (NaN: unknown).
    threshold : float
        A country counts when its loss is strictly above it.

    Returns
    -------
    float
        Population of the countries above the threshold over the population of every country counted (a measured
        loss and a known population); NaN when no country counts.
    """
    counted = _people_counted(loss, population)
    total = population[counted].sum()
    if total <= 0:
        return float("nan")
    return float(population[counted & (np.nan_to_num(loss, nan=0.0) > threshold)].sum() / total)


def people_weighted_loss(loss: np.ndarray, population: np.ndarray) -> float:
    """The population-weighted mean of the per-country loss: the loss of the average person's country (NaN when
    no country counts; see :func:`people_losing`)."""
    counted = _people_counted(loss, population)
    total = population[counted].sum()
    return float(population[counted] @ loss[counted] / total) if total > 0 else float("nan")


def n_segments(pairs: np.ndarray, base_pairs: np.ndarray, threshold: float) -> int:
    """Groups of countries still mutually reachable: two countries are joined when every direction measured
    between them (a direction is measured when it had baseline pairs; with sampled sources some have none)
    keeps at least ``threshold`` of its baseline pairs; segments are the connected groups of countries."""
    base = base_pairs[:-1, :-1].astype(float)
    now = pairs[:-1, :-1].astype(float)
    measured = base > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = ~measured | (now / np.maximum(base, 1) >= threshold)
    joined = ok & ok.T & (measured | measured.T)
    present = (base.sum(axis=0) + base.sum(axis=1)) > 0
    joined = joined[np.ix_(present, present)]
    if not joined.shape[0]:
        return 0
    n, _ = connected_components(csr_matrix(joined), directed=False)
    return int(n)


def transit_concentration(world: World, cut: np.ndarray) -> np.ndarray:
    """For each country, the Herfindahl index of its upstream transit across foreign providers: the share of
    its ASes' alive customer→provider links to each foreign AS, squared and summed (1: one chokepoint).
    NaN for countries without foreign transit."""
    links = np.flatnonzero(world.is_p2c & ~cut & world.cross)
    prov, cust = world.ends[links, 0], world.ends[links, 1]
    home = world.country[cust]
    keep = home >= 0
    home, prov = home[keep], prov[keep]
    k = world.n_states
    totals = np.bincount(home, minlength=k).astype(float)
    order = np.lexsort((prov, home))
    home, prov = home[order], prov[order]
    new = np.r_[True, (home[1:] != home[:-1]) | (prov[1:] != prov[:-1])] if len(home) else np.zeros(0, bool)
    start = np.flatnonzero(new)
    counts = np.diff(np.r_[start, len(home)])
    share = counts / np.maximum(totals[home[start]], 1)
    hhi = np.bincount(home[start], weights=share**2, minlength=k)
    return np.where(totals > 0, hhi, np.nan)


def chokepoints(world: World, cut: np.ndarray, country: int, top: int = 5) -> list[tuple[int, float]]:
    """The foreign ASes carrying the largest shares of ``country``'s upstream transit: (ASN, share)."""
    links = np.flatnonzero(world.is_p2c & ~cut & world.cross)
    prov, cust = world.ends[links, 0], world.ends[links, 1]
    mine = world.country[cust] == country
    if not mine.any():
        return []
    ases, counts = np.unique(prov[mine], return_counts=True)
    order = np.argsort(-counts, kind="stable")[:top]
    return [(int(world.topo.asns[ases[i]]), float(counts[i] / mine.sum())) for i in order]
