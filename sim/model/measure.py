"""Step 5: reachability under the regulations in force, and the metrics the data collector reports."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from sim.data.topology import Topology
from sim.model.metrics import (
    PEOPLE_THRESHOLDS,
    cross_border_pairs,
    gini,
    n_segments,
    people_losing,
    people_weighted_loss,
    per_country_cross_border_loss,
    per_country_loss,
    transit_concentration,
)
from sim.model.world import World
from sim.reach.api import ReachResult
from sim.reach.incremental import IncrementalReach


@dataclass(frozen=True)
class Measurement:
    """One step's reachability, reduced."""

    reach_frac: float
    reach_frac_stderr: float
    country_pairs: np.ndarray  # (K+1, K+1) reachable pairs by [country(s), country(d)]
    source_slots: np.ndarray  # (K+1,) sources per country slot
    core_share: dict[str, float]  # share of sources reaching each protected set
    result: ReachResult
    country_loss: np.ndarray | None = None  # (K,) share of each country's baseline pairs lost (NaN: had none)
    country_cross_border_loss: np.ndarray | None = None  # (K,) the same for its cross-border pairs only

    def country_frame(self, topo: Topology) -> pd.DataFrame:
        """Reachable fraction of each (source country, destination country) pair of ASes."""
        codes = list(topo.country_codes) + ["??"]
        dest = np.bincount(topo.country_slot, minlength=topo.n_slots)
        with np.errstate(invalid="ignore", divide="ignore"):
            # pairs exclude s = d: a country's own sources have one destination fewer each
            frac = self.country_pairs / (np.outer(self.source_slots, dest) - np.diag(self.source_slots))
        return pd.DataFrame(frac, index=pd.Index(codes, name="source"), columns=pd.Index(codes, name="dest"))


def measure(
    world: World,
    cut: np.ndarray,
    sources: list[int] | None,
    protected_sets: dict[str, np.ndarray],
    forbid: np.ndarray | None,
    exempt: np.ndarray | None,
    baseline: Measurement | None,
    tracker: IncrementalReach | None = None,
) -> Measurement:
    """Reachability over ``world`` with the ``cut`` links (bool over the model's link ids) removed.

    Parameters
    ----------
    world : World
    cut : ndarray of bool, shape (n_links,)
    sources : list of int or None
        Sampled source ASNs (None: exact all-pairs).
    protected_sets : dict of str to ndarray of bool
        Named AS sets whose reachability is reported (``core_share``).
    forbid, exempt : ndarray or None
        ``forbid_transit[t, c]`` of the transit restrictions in force, and the ASes exempt from them.
    baseline : Measurement or None
        Step 0's measurement; None when measuring the baseline itself.
    tracker : IncrementalReach, optional
        The run's reachability across steps (made for ``world``, ``sources`` and ``protected_sets``): a step that
        changed nothing reuses the previous answer, an exact step that changed a few links is updated
        incrementally. Without one, reachability is computed afresh (with the world's reused plan).

    Returns
    -------
    Measurement
        With ``country_loss`` and ``country_cross_border_loss`` relative to ``baseline`` (None for the baseline).
    """
    topo = world.kernel_topology()
    if tracker is None:
        tracker = reach_tracker(world, sources, protected_sets)
    r = tracker.update(world.to_kernel(cut), forbid_transit=forbid, transit_exempt=exempt)
    source_slots = np.bincount(topo.country_slot[r.source_idx], minlength=topo.n_slots)
    core = {name: float(hit.mean()) if len(hit) else 0.0 for name, hit in r.reach_any.items()}
    loss = cross = None
    if baseline is not None:
        loss = per_country_loss(r.country_pairs, baseline.country_pairs)
        cross = per_country_cross_border_loss(r.country_pairs, baseline.country_pairs)
    return Measurement(r.reach_frac(), r.reach_frac_stderr(), r.country_pairs, source_slots, core, r, loss, cross)


def reach_tracker(world: World, sources: list[int] | None, protected_sets: dict[str, np.ndarray]) -> IncrementalReach:
    """The :class:`~sim.reach.incremental.IncrementalReach` of a run on ``world`` (exact all-pairs when ``sources``
    is None, else a sample), with the world's reused plan and its memo of answers (shared by the runs on it)."""
    sampled = sources is not None
    return IncrementalReach(
        world.kernel_topology(),
        sources,
        sampled=sampled,
        per_source=sampled,
        reach_any=protected_sets,
        plan=world.reach_plan,
        memo=world.reach_memo,
    )


# -- model reporters (named functions of the model) ------------------------------------------------------------


def reach_frac(model) -> float:
    return model.current.reach_frac


def reach_frac_stderr(model) -> float:
    return model.current.reach_frac_stderr


def loss(model) -> float:
    base = model.baseline.reach_frac
    return 1.0 - model.current.reach_frac / base if base > 0 else 0.0


def cross_border_loss(model) -> float:
    base = cross_border_pairs(model.baseline.country_pairs)
    return 1.0 - cross_border_pairs(model.current.country_pairs) / base if base > 0 else 0.0


def loss_gini(model) -> float:
    losses = per_country_loss(model.current.country_pairs, model.baseline.country_pairs)
    return gini(np.clip(losses[np.isfinite(losses)], 0.0, None))


def _country_loss(model) -> np.ndarray:
    """(K,) float: each country's loss with the world now (at the baseline: 0 where it has pairs, else NaN)."""
    if model.current.country_loss is not None:
        return model.current.country_loss
    return per_country_loss(model.current.country_pairs, model.current.country_pairs)


def pop_frac_over_1pct(model) -> float:
    return people_losing(_country_loss(model), model.population, PEOPLE_THRESHOLDS[0])


def pop_frac_over_10pct(model) -> float:
    return people_losing(_country_loss(model), model.population, PEOPLE_THRESHOLDS[1])


def pop_frac_over_50pct(model) -> float:
    return people_losing(_country_loss(model), model.population, PEOPLE_THRESHOLDS[2])


def pop_weighted_loss(model) -> float:
    return people_weighted_loss(_country_loss(model), model.population)


def segments(model) -> int:
    return n_segments(model.current.country_pairs, model.baseline.country_pairs, model.config.segment_threshold)


def core_availability(model) -> float:
    shares = list(model.current.core_share.values())
    return float(np.mean(shares)) if shares else 1.0


def core_set_availability(model, name: str) -> float:
    return model.current.core_share.get(name, 1.0)


def transit_hhi(model) -> float:
    hhi = transit_concentration(model.world, model.cut_by >= 0)
    return float(np.nanmean(hhi)) if np.isfinite(hhi).any() else 0.0


def n_adopters(model) -> int:
    return sum(s.adopted for s in model.states.values())


def n_regulations(model) -> int:
    return sum(r.active(model.steps) for r in model.regulations)


def n_conflicts(model) -> int:
    return model.n_conflicts


def n_links_cut(model) -> int:
    return int((model.cut_by >= 0).sum())


def n_exits(model) -> int:
    return model.n_exits


def compliance_cost(model) -> float:
    return model.compliance_cost


def n_links_restored(model) -> int:
    return model.n_restored


def n_links_rehomed(model) -> int:
    return len(model.bought)


def pressure(model) -> float:
    return model.pressure


MODEL_REPORTERS = {
    "reach_frac": reach_frac,
    "reach_frac_stderr": reach_frac_stderr,
    "loss": loss,
    "cross_border_loss": cross_border_loss,
    "loss_gini": loss_gini,
    "pop_frac_over_1pct": pop_frac_over_1pct,
    "pop_frac_over_10pct": pop_frac_over_10pct,
    "pop_frac_over_50pct": pop_frac_over_50pct,
    "pop_weighted_loss": pop_weighted_loss,
    "n_segments": segments,
    "core_availability": core_availability,
    "transit_hhi": transit_hhi,
    "n_adopters": n_adopters,
    "n_regulations": n_regulations,
    "n_conflicts": n_conflicts,
    "n_exits": n_exits,
    "compliance_cost": compliance_cost,
    "n_links_cut": n_links_cut,
    "n_links_restored": n_links_restored,
    "n_links_rehomed": n_links_rehomed,
    "pressure": pressure,
}


def reporters_for(protected_sets) -> dict:
    """The model reporters, with one ``core_<name>`` column per protected set."""
    out = dict(MODEL_REPORTERS)
    for name in protected_sets:
        out[f"core_{name}"] = partial(core_set_availability, name=name)
    return out
