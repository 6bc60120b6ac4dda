"""Tipping points: where fragmentation begins, for each coordination mechanism.

Two intensity axes, each swept alone with the other at the scenario's value (``analysis.sweeps`` in the
experiment's config; ``fragsim-experiment`` runs one ``fragsim -m`` per axis, each crossed with the mechanisms and
the seeds):

- **adoption** (``scenario.adoption_frac``): the share of states that may adopt extraterritorial rules, the
  largest markets first; the model makes ``round(adoption_frac × number of states)`` of them eligible, so the
  grid is written as numbers of states over the number of states of the data.
- **severity** (``scenario.profile_spread``): how far apart the states' rules are, the spread of their regulatory
  profiles around the common centre. Chosen over ``scenario.conflict_tolerance`` because it describes the
  states, not a threshold of the model, and because it acts alike under every mechanism: a seed draws the same
  standard-normal profiles at every spread, scaled by it (the points of one seed's curve are paired), so every
  distance between two states grows with it against every threshold at once, the conflict tolerance as mutual
  recognition's (M4) wider one, and so does the distance a forum (M5) must harmonise away. Lowering the
  conflict tolerance instead would leave M4 untouched by construction below its recognition tolerance.
  Profiles are clipped to [0, 1], so distances grow more slowly than the spread beyond about 0.3.

For one mechanism, one seed and one threshold ``t`` (``analysis.thresholds``), the **tipping point** is the
intensity at which the seed's final connectivity loss (metric ``loss`` at the last step) first reaches ``t``,
interpolated linearly between the grid points around that first crossing (:func:`first_crossing`). A seed whose
loss stays below ``t`` over the whole grid is censored, "beyond the range"; one whose loss is at ``t`` or above
from the lowest intensity is "below the range". Both are counted, neither is given a number: the mean and its 95%
t-interval are over the seeds that cross within the range (``n_crossed``), and the figure counts the others.

Tables: ``tipping_points.csv`` (mechanism, axis, threshold: mean, 95% t-interval, ``n_seeds``, ``n_crossed``,
``n_censored`` beyond the range, ``n_below``; in the axis key's units, ``n_states`` to turn an adoption share
into states), ``tipping_points_by_seed.csv`` (every seed's crossing and its status) and ``loss_vs_intensity.csv``
(the curves: connectivity and cross-border loss at the last step per mechanism and intensity, mean and 95%
t-interval over seeds). Figures (drawn by ``sim.experiments.tipping_figures``): ``tipping_points`` (per
mechanism, the two tipping points on each axis) and ``loss_vs_intensity`` (the curves they are read from).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.figures import mechanism_label
from sim.analysis.runs import last_steps, load_runs, run_folders, summarize
from sim.experiments import Study, SubSweep, caption, write_csv
from sim.experiments.tipping_figures import figure_curves, figure_tipping_points
from sim.runner.files import read_table
from sim.runner.schema import ConfigError

METRICS = ("loss", "cross_border_loss")  #: the curves' metrics; the tipping point is read on the first


class Crossing(StrEnum):
    """Where a seed's loss curve meets a threshold, within the swept range."""

    CROSSED = "crossed"  #: between two grid points: a value
    BEYOND = "beyond"  #: never within the range (censored)
    BELOW = "below"  #: already at the lowest intensity


def first_crossing(x, y, threshold: float) -> tuple[float, Crossing]:
    """The intensity at which a loss curve first reaches ``threshold``, linearly interpolated.

    Parameters
    ----------
    x : array_like
        Intensities, strictly increasing.
    y : array_like
        The loss at each intensity (any shape of curve: it may fall again after crossing).
    threshold : float

    Returns
    -------
    value : float
        With ``j`` the first index where ``y[j] >= threshold``: ``x[j-1] + (threshold - y[j-1]) (x[j] - x[j-1]) /
        (y[j] - y[j-1])``, in ``(x[j-1], x[j]]``; NaN when there is no such ``j`` or ``j = 0``.
    status : Crossing
        CROSSED, BEYOND (no ``j``: censored) or BELOW (``j = 0``).

    Raises
    ------
    ValueError
        ``x`` and ``y`` differ in length, are empty, or ``x`` is not strictly increasing.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1 or not len(x):
        raise ValueError(f"x and y must be two 1-d arrays of one length, got shapes {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError(f"x must be strictly increasing, got {x.tolist()}")
    above = np.flatnonzero(y >= threshold)
    if not len(above):
        return float("nan"), Crossing.BEYOND
    j = int(above[0])
    if j == 0:
        return float("nan"), Crossing.BELOW
    return float(x[j - 1] + (threshold - y[j - 1]) * (x[j] - x[j - 1]) / (y[j] - y[j - 1])), Crossing.CROSSED


def seed_crossings(final: pd.DataFrame, thresholds: list[float]) -> pd.DataFrame:
    """Every (mechanism, seed, threshold)'s tipping point on one axis.

    ``final``: one row per run with ``mechanism``, ``seed``, ``x`` (the intensity) and ``loss`` (at the last
    step). Returns ``mechanism``, ``seed``, ``threshold``, ``value`` (NaN unless crossed) and ``status``.
    """
    rows = []
    for (mechanism, seed), curve in final.groupby(["mechanism", "seed"], sort=True):
        curve = curve.sort_values("x")
        for t in thresholds:
            value, status = first_crossing(curve["x"], curve["loss"], t)
            rows.append((mechanism, seed, t, value, status.value))
    return pd.DataFrame(rows, columns=["mechanism", "seed", "threshold", "value", "status"])


def tipping_table(crossings: pd.DataFrame) -> pd.DataFrame:
    """Per mechanism and threshold: mean and 95% t-interval of the tipping point over the seeds that cross
    within the range, and how many seeds there are, crossed, censored beyond the range, or below it."""
    table = summarize(crossings, ["mechanism", "threshold"])  # NaN (not crossed) is left out of n
    counts = crossings.groupby(["mechanism", "threshold"])["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=[c.value for c in Crossing], fill_value=0)
    table = table.merge(counts.reset_index(), on=["mechanism", "threshold"])
    table["n_seeds"] = table[[c.value for c in Crossing]].sum(axis=1)
    table = table.rename(columns={"crossed": "n_crossed", "beyond": "n_censored", "below": "n_below"})
    return table[
        ["mechanism", "threshold", "mean", "sd", "ci_low", "ci_high", "n_seeds", "n_crossed", "n_censored", "n_below"]
    ]


@dataclass(frozen=True)
class AxisRuns:
    """One axis' runs, reduced to what the analysis reads."""

    sweep: SubSweep
    grid: np.ndarray  #: the configured values, sorted
    final: pd.DataFrame  #: one row per run and metric: mechanism, seed, x, metric, value (at the last step)
    n_states: int  #: states in the world (the adoption share's denominator)
    n_runs: int
    steps: int


def load_axis(study: Study, sweep: SubSweep) -> AxisRuns:
    """The runs of one axis (``runs/<sweep>/<axis>/``), restricted to the configured grid."""
    grid = _grid(sweep)
    metrics, _, varying, _ = load_runs(study.runs / sweep.name, keep=[sweep.key], states=False)
    extra = [k for k in varying if k != sweep.key and not k.startswith("mechanism.")]
    if extra:
        raise ConfigError(f"the runs of {study.runs / sweep.name} also vary in {extra}: one axis per sweep folder")
    x = metrics[sweep.key].astype(float)
    metrics = metrics[np.isclose(x.to_numpy()[:, None], grid[None, :]).any(axis=1)]  # runs of an older grid: out
    if metrics.empty:
        raise FileNotFoundError(f"no complete run of {study.runs / sweep.name} at {sweep.override}")
    final = last_steps(metrics)
    final = final[final["metric"].isin(METRICS)]
    final = final.rename(columns={"mechanism.name": "mechanism", sweep.key: "x"})[
        ["mechanism", "seed", "x", "metric", "value"]
    ]
    final = final.assign(x=final["x"].astype(float))
    if final.duplicated(["mechanism", "seed", "x", "metric"]).any():
        raise ConfigError(f"{study.runs / sweep.name} holds two runs of one mechanism, seed and {sweep.key}")
    # the runs of an axis folder share their topology (a sweep of the topology is refused above, unless it is
    # the axis itself, which no experiment sweeps): one run's states
    first = next(f for f in run_folders(study.runs / sweep.name) if (f / "DONE").is_file())
    states = read_table(first, "states")
    n_states = int(states.loc[states["step"] == 0, "code"].nunique())
    return AxisRuns(sweep, np.sort(grid), final, n_states, int(metrics["run"].nunique()), int(metrics["step"].max()))


def _grid(sweep: SubSweep) -> np.ndarray:
    try:
        return np.asarray([float(v) for v in sweep.values])
    except ValueError:
        raise ConfigError(f"analysis.sweeps.{sweep.name}.values must be numbers, got {list(sweep.values)}") from None


def axis_tables(runs: AxisRuns, thresholds: list[float]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(tipping points, every seed's crossing, the loss curves) of one axis, each with ``axis`` and ``key``."""
    loss = runs.final[runs.final["metric"] == "loss"].rename(columns={"value": "loss"})
    crossings = seed_crossings(loss, thresholds)
    tips = tipping_table(crossings).assign(n_states=runs.n_states)
    curves = summarize(runs.final, ["mechanism", "x", "metric"]).rename(columns={"x": "intensity"})
    out = []
    for df in (tips, crossings, curves):
        df = df.copy()
        df.insert(1, "mechanism_label", df["mechanism"].map(mechanism_label))
        df.insert(2, "axis", runs.sweep.name)
        df.insert(3, "key", runs.sweep.key)
        out.append(df)
    return out[0], out[1], out[2]


def _thresholds(values) -> list[float]:
    ok = isinstance(values, list) and values and all(isinstance(v, (int, float)) and 0 < v <= 1 for v in values)
    if not ok or len(set(values)) != len(values):
        raise ConfigError(f"analysis.thresholds must be a list of distinct losses in (0, 1], got {values!r}")
    return sorted(float(v) for v in values)


def percent(t: float) -> str:
    """``0.01`` → ``1%``, ``0.005`` → ``0.5%``."""
    return f"{t * 100:.3g}%"


def analyze(study: Study) -> list[Path]:
    """Read both axes' runs, write the three tables and the two figures; returns their paths."""
    sweeps = study.sub_sweeps()
    if not sweeps:
        raise ConfigError("experiment tipping_points: analysis.sweeps declares no axis")
    thresholds = _thresholds(study.analysis.get("thresholds", [0.01, 0.1]))
    axes = [load_axis(study, s) for s in sweeps]
    parts = [axis_tables(a, thresholds) for a in axes]
    tips, by_seed, curves = (pd.concat([p[i] for p in parts], ignore_index=True) for i in range(3))
    paths = [
        write_csv(tips, study.out / "tipping_points.csv"),
        write_csv(by_seed, study.out / "tipping_points_by_seed.csv"),
        write_csv(curves, study.out / "loss_vs_intensity.csv"),
    ]
    levels = " and ".join(percent(t) for t in thresholds)
    described = partial(caption, study, sum(a.n_runs for a in axes), int(curves["n"].min()), max(a.steps for a in axes))
    held = "dotted: where the other panel holds this intensity. States adopt the largest markets first."
    paths += figure_tipping_points(
        study,
        axes,
        tips,
        thresholds,
        described(
            f"Tipping point: the intensity at which a seed's connectivity loss at the last step first reaches "
            f"{levels} of the baseline reachable pairs, interpolated linearly between grid points; dots: mean over "
            "the seeds that cross within the swept range, whiskers: 95% t-intervals drawn within the range. "
            "k/n beyond: seeds whose loss stays below the threshold over the whole range (censored, no value); "
            f"k/n below: seeds at or above it from the lowest intensity; {held}"
        ),
    )
    paths += figure_curves(
        study,
        axes,
        curves,
        thresholds,
        described(f"Mean loss at the last step over seeds; dashed: the thresholds ({levels}); {held}"),
    )
    return paths
