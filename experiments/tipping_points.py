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
t-interval are over the seeds that cross within the range, which the figure says beside every mean.

Tables: ``tipping_points.csv`` (mechanism, axis, threshold: mean, 95% t-interval, ``n_seeds``, ``n_crossed``,
``n_censored`` beyond the range, ``n_below``; in the axis key's units, ``n_states`` to turn an adoption share
into states), ``tipping_points_by_seed.csv`` (every seed's crossing and its status) and ``loss_vs_intensity.csv``
(the curves: connectivity and cross-border loss at the last step per mechanism and intensity, mean and 95%
t-interval over seeds). Figures: ``tipping_points`` (per mechanism, the two tipping points on each axis) and
``loss_vs_intensity`` (the curves they are read from).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sim.analysis.figures import mechanism_label, new_figure, save
from sim.analysis.runs import load_runs, summarize
from sim.experiments import Study, SubSweep, caption, write_csv
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
    final: pd.DataFrame  #: one row per run and metric: mechanism, seed, x, metric, value (at the last step)
    n_states: int  #: states in the world (the adoption share's denominator)
    n_runs: int
    steps: int


def load_axis(study: Study, sweep: SubSweep) -> AxisRuns:
    """The runs of one axis (``runs/<sweep>/<axis>/``), restricted to the configured grid."""
    grid = _grid(sweep)
    metrics, states, varying, _ = load_runs(study.runs / sweep.name, keep=[sweep.key])
    extra = [k for k in varying if k != sweep.key and not k.startswith("mechanism.")]
    if extra:
        raise ConfigError(f"the runs of {study.runs / sweep.name} also vary in {extra}: one axis per sweep folder")
    x = metrics[sweep.key].astype(float)
    metrics = metrics[np.isclose(x.to_numpy()[:, None], grid[None, :]).any(axis=1)]  # runs of an older grid: out
    if metrics.empty:
        raise FileNotFoundError(f"no complete run of {study.runs / sweep.name} at {sweep.override}")
    last = metrics.groupby("run")["step"].transform("max")
    final = metrics[(metrics["step"] == last) & metrics["metric"].isin(METRICS)]
    final = final.rename(columns={"mechanism.name": "mechanism", sweep.key: "x"})[
        ["mechanism", "seed", "x", "metric", "value"]
    ]
    final = final.assign(x=final["x"].astype(float))
    if final.duplicated(["mechanism", "seed", "x", "metric"]).any():
        raise ConfigError(f"{study.runs / sweep.name} holds two runs of one mechanism, seed and {sweep.key}")
    n_states = int(states[states["step"] == 0].groupby("run")["code"].nunique().max())
    return AxisRuns(sweep, final, n_states, int(metrics["run"].nunique()), int(metrics["step"].max()))


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


def analyze(study: Study) -> list[Path]:
    sweeps = study.sub_sweeps()
    if not sweeps:
        raise ConfigError("experiment tipping_points: analysis.sweeps declares no axis")
    thresholds = sorted(float(t) for t in study.analysis.get("thresholds", [0.01, 0.1]))
    axes = [load_axis(study, s) for s in sweeps]
    parts = [axis_tables(a, thresholds) for a in axes]
    tips, by_seed, curves = (pd.concat([p[i] for p in parts], ignore_index=True) for i in range(3))
    paths = [
        write_csv(tips, study.out / "tipping_points.csv"),
        write_csv(by_seed, study.out / "tipping_points_by_seed.csv"),
        write_csv(curves, study.out / "loss_vs_intensity.csv"),
    ]
    levels = " and ".join(f"{t:.0%}" for t in thresholds)
    seeds = int(curves["n"].min())
    runs, steps = sum(a.n_runs for a in axes), max(a.steps for a in axes)
    paths += figure_tipping_points(
        study,
        axes,
        tips,
        thresholds,
        caption(
            study,
            runs,
            seeds,
            steps,
            f"Tipping point: the intensity at which a seed's connectivity loss at the last step first reaches "
            f"{levels} of the baseline reachable pairs, interpolated linearly between grid points; dots: mean over "
            "the seeds that cross within the swept range, whiskers: 95% t-intervals drawn within the range. "
            "k/n beyond: seeds whose loss stays below the threshold over the whole range (censored, no value); "
            "k/n below: seeds at or above it from the lowest intensity. States adopt the largest markets first.",
        ),
    )
    paths += figure_curves(
        study,
        axes,
        curves,
        thresholds,
        caption(
            study,
            runs,
            seeds,
            steps,
            f"Mean loss at the last step over seeds; dashed: the thresholds ({levels}). "
            "States adopt the largest markets first.",
        ),
    )
    return paths


# -- figures -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AxisWords:
    """How a delegate reads an axis: its title, its label, the value the other panels hold it at."""

    title: str
    label: str  #: ``{n}``: the number of states
    held: str  #: ``{v}``: the value
    in_states: bool = False  #: drawn as a number of states (share × states)


WORDS = {
    "scenario.adoption_frac": AxisWords(
        "Adoption: how many states regulate",
        "states that may adopt extraterritorial rules, largest markets first (of {n})",
        "{v:.0%} of states may adopt",
        in_states=True,
    ),
    "scenario.profile_spread": AxisWords(
        "Severity: how far apart their rules are",
        "spread of the states' regulatory profiles (s.d. around 0.5)",
        "profile spread {v:g}",
    ),
}
THRESHOLD_COLORS = ("tab:orange", "tab:red", "tab:purple", "tab:brown")


def _words(key: str) -> AxisWords:
    return WORDS.get(key, AxisWords(key, key, key + " = {v}"))


def _config_value(study: Study, key: str):
    value = study.cfg
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _scale(runs: AxisRuns) -> float:
    return float(runs.n_states) if _words(runs.sweep.key).in_states else 1.0


def _x_axis(ax, study: Study, runs: AxisRuns, axes: list[AxisRuns]) -> np.ndarray:
    """Symmetric-log x axis (linear up to the smallest positive grid value), ticks at the grid; returns it."""
    words = _words(runs.sweep.key)
    grid = np.sort(_grid(runs.sweep)) * _scale(runs)
    positive = grid[grid > 0]
    ax.set_xscale("symlog", linthresh=positive[0] if len(positive) else 1.0, linscale=0.6)
    ax.set_xticks(grid, [f"{v:.3g}" for v in grid], rotation=90 if len(grid) > 12 else 0)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    held = "; ".join(
        _words(o.sweep.key).held.format(v=float(_config_value(study, o.sweep.key))) for o in axes if o is not runs
    )
    ax.set(title=f"{words.title}" + (f" ({held})" if held else ""), xlabel=words.label.format(n=runs.n_states))
    return grid


def _tipping_panel(ax, study: Study, runs: AxisRuns, axes, tips: pd.DataFrame, order, thresholds) -> None:
    grid = _x_axis(ax, study, runs, axes)
    low, high = grid[0], grid[-1]
    arrow_x, text_x = high * 1.5, high * 1.7
    ax.set_xlim(low - 0.4 * (grid[grid > 0][0] if (grid > 0).any() else 1), high * 12)
    y = np.arange(len(order))
    for k, (t, dy) in enumerate(zip(thresholds, np.linspace(-0.2, 0.2, len(thresholds)), strict=True)):
        color = THRESHOLD_COLORS[k % len(THRESHOLD_COLORS)]
        cell = tips[(tips["axis"] == runs.sweep.name) & np.isclose(tips["threshold"], t)]
        cell = cell.set_index("mechanism").reindex(order)
        mean = cell["mean"].to_numpy() * _scale(runs)
        ci = np.clip(cell[["ci_low", "ci_high"]].to_numpy() * _scale(runs), low, high)  # a crossing lies in range
        err = np.nan_to_num(np.clip(np.vstack([mean - ci[:, 0], ci[:, 1] - mean]), 0, None))
        face = "white" if k == 0 else color
        label = f"tipping point: loss reaches {t:.0%}"
        ax.errorbar(mean, y + dy, xerr=err, fmt="o", color=color, mfc=face, capsize=2, label=label)
        for i, row in enumerate(cell.itertuples()):
            if pd.isna(row.n_seeds):  # the mechanism was not run on this axis
                continue
            for count, x, marker in ((row.n_censored, arrow_x, ">"), (row.n_below, low, "<")):
                if count:
                    ax.plot([x], [i + dy], marker=marker, color=color, mfc=face, linestyle="none")
            words = [
                f"{n:.0f}/{row.n_seeds:.0f} {w}" for n, w in ((row.n_censored, "beyond"), (row.n_below, "below")) if n
            ]
            ax.text(text_x, i + dy, "  " + ", ".join(words), va="center", fontsize=7)
    ax.set_yticks(y, [mechanism_label(m) for m in order])
    ax.set_ylim(len(order) - 0.5, -0.5)


def figure_tipping_points(study: Study, axes, tips: pd.DataFrame, thresholds, text: str) -> list[Path]:
    order = _order(tips["mechanism"])
    fig, panels = new_figure(len(axes), width=6 + 3.5 * len(axes), height=0.42 * len(order) + 2.2)
    for i, (ax, runs) in enumerate(zip(np.atleast_1d(panels), axes, strict=True)):
        _tipping_panel(ax, study, runs, axes, tips, order, thresholds)
        if i:
            ax.set_yticklabels([])
    handles, labels = np.atleast_1d(panels)[0].get_legend_handles_labels()
    handles.append(matplotlib.lines.Line2D([], [], marker=">", color="grey", linestyle="none"))
    handles.append(matplotlib.lines.Line2D([], [], marker="<", color="grey", linestyle="none"))
    labels += [
        "k/n beyond: seeds whose loss never reaches it in the range (censored)",
        "k/n below: already at the lowest",
    ]
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), frameon=False)
    return save(fig, study.out, "tipping_points", text)


def figure_curves(study: Study, axes, curves: pd.DataFrame, thresholds, text: str) -> list[Path]:
    """Mean loss at the last step against each axis, with 95% bands; the thresholds dashed."""
    order = _order(curves["mechanism"])
    colors = matplotlib.colormaps["tab10"].colors
    fig, panels = new_figure(len(axes), width=5 + 4 * len(axes), height=4.8)
    for ax, runs in zip(np.atleast_1d(panels), axes, strict=True):
        _x_axis(ax, study, runs, axes)
        loss = curves[(curves["axis"] == runs.sweep.name) & (curves["metric"] == "loss")]
        for i, name in enumerate(order):
            cell = loss[loss["mechanism"] == name].sort_values("intensity")
            x = cell["intensity"].to_numpy() * _scale(runs)
            style = dict(color=colors[i % 10], linestyle=["-", "--", ":", "-."][(i // 10 + i) % 4])
            ax.plot(x, cell["mean"] * 100, marker=".", label=mechanism_label(name), **style)
            band = np.clip(cell[["ci_low", "ci_high"]].to_numpy(), 0, 1) * 100
            ax.fill_between(x, band[:, 0], band[:, 1], alpha=0.12, color=style["color"], linewidth=0)
        for t in thresholds:
            ax.axhline(t * 100, color="grey", linestyle="--", linewidth=0.8)
        ax.set_yscale("symlog", linthresh=1, linscale=0.6)
        ticks = [0, 0.5, 1, 2, 5, 10, 20, 50, 100]
        ax.set_yticks(ticks, [f"{t:g}%" for t in ticks])
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set(ylim=(min(0.0, float(loss["mean"].min()) * 100), 100), ylabel="AS pairs no longer reachable (%)")
    handles, labels = np.atleast_1d(panels)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    fig.suptitle("Connectivity loss at the last step, by intensity (dashed: the tipping thresholds)", fontsize=11)
    return save(fig, study.out, "loss_vs_intensity", text)


def _order(names: pd.Series) -> list[str]:
    """Single mechanisms in order (M0, M1, ...), then combinations."""
    return sorted(names.unique(), key=lambda m: (len(m) > 2, m))
