"""The figures of the tipping-point experiment (``sim.experiments.tipping_points``): per mechanism, the
intensities at which the loss first reaches each threshold, and the loss curves they are read from.

Intensities are drawn in the words of the axis (:data:`WORDS`): an adoption share as a number of states, on a
symmetric log axis (linear up to the smallest positive grid value, so that zero stays on it); a profile spread
as it is. Each panel marks, dotted, where the other panels hold its intensity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd

from sim.analysis.figures import loss_axis, mechanism_label, new_figure, save

if TYPE_CHECKING:
    from sim.experiments import Study
    from sim.experiments.tipping_points import AxisRuns


@dataclass(frozen=True)
class AxisWords:
    """How a delegate reads an axis: its title, its label, the value the other panels hold it at."""

    title: str
    label: str  #: ``{n}``: the number of states
    held: str  #: ``{v}``: the value
    in_states: bool = False  #: drawn as a number of states (share × states)
    log: bool = False  #: a log axis (linear up to its smallest positive grid value), for grids in even ratios


WORDS = {
    "scenario.adoption_frac": AxisWords(
        "Adoption: how many states regulate",
        "states that may adopt extraterritorial rules, largest markets first (of {n})",
        "{v:.0%} of states may adopt",
        in_states=True,
        log=True,
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
    """The x axis of ``runs``' intensity, ticks at the grid (in states: the model's rounded counts); returns it."""
    words = _words(runs.sweep.key)
    grid = runs.grid * _scale(runs)
    positive = grid[grid > 0]
    if words.log:  # symmetric log: zero stays on the axis
        ax.set_xscale("symlog", linthresh=positive[0] if len(positive) else 1.0, linscale=0.6)
    labels = [f"{v:.0f}" if words.in_states else f"{v:.3g}" for v in grid]
    ax.set_xticks(grid, labels, rotation=90 if len(grid) > 12 else 0)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    held = "; ".join(
        _words(o.sweep.key).held.format(v=float(_config_value(study, o.sweep.key))) for o in axes if o is not runs
    )
    ax.set(title=f"{words.title}" + (f" ({held})" if held else ""), xlabel=words.label.format(n=runs.n_states))
    if len(axes) > 1:  # where the other panels hold this intensity
        ax.axvline(float(_config_value(study, runs.sweep.key)) * _scale(runs), color="grey", linestyle=":", lw=1)
    return grid


def _tipping_panel(ax, study: Study, runs: AxisRuns, axes, tips: pd.DataFrame, order, thresholds) -> None:
    grid = _x_axis(ax, study, runs, axes)
    low, high = grid[0], grid[-1]
    if _words(runs.sweep.key).log:  # room on the right for the censored seeds' arrows and counts
        arrow_x, text_x, right = high * 1.5, high * 1.7, high * 12
    else:
        span = high - low
        arrow_x, text_x, right = high + 0.05 * span, high + 0.07 * span, high + 0.45 * span
    ax.set_xlim(low - 0.4 * (grid[grid > 0][0] if (grid > 0).any() else 1), right)
    y = np.arange(len(order))
    for k, (t, dy) in enumerate(zip(thresholds, np.linspace(-0.2, 0.2, len(thresholds)), strict=True)):
        color = THRESHOLD_COLORS[k % len(THRESHOLD_COLORS)]
        cell = tips[(tips["axis"] == runs.sweep.name) & np.isclose(tips["threshold"], t)]
        cell = cell.set_index("mechanism").reindex(order)
        mean = cell["mean"].to_numpy() * _scale(runs)
        ci = np.clip(cell[["ci_low", "ci_high"]].to_numpy() * _scale(runs), low, high)  # a crossing lies in range
        err = np.nan_to_num(np.clip(np.vstack([mean - ci[:, 0], ci[:, 1] - mean]), 0, None))
        face = "white" if k == 0 else color
        label = f"tipping point: loss reaches {t * 100:.3g}%"
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


def figure_tipping_points(
    study: Study, axes: list[AxisRuns], tips: pd.DataFrame, thresholds: list[float], text: str
) -> list[Path]:
    """``tipping_points``: one panel per axis, one row per mechanism, a dot per threshold with its whisker.

    Parameters
    ----------
    study : Study
    axes : list of AxisRuns
        The axes' runs, in panel order.
    tips : pandas.DataFrame
        ``tipping_points.csv``: mechanism, axis, threshold, mean, ci_low, ci_high and the seed counts, in the axis
        key's units.
    thresholds : list of float
        Increasing; the first is drawn open, the others filled.
    text : str
        The caption.

    Returns
    -------
    list of Path
        The PNG and the SVG.

    Notes
    -----
    Whiskers are drawn within the swept range, where every crossing lies. Seeds censored beyond the range are an
    arrow at its right end with their count, seeds below it an arrow at its left end; a mechanism not run on an
    axis leaves its row of that panel empty.
    """
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


def figure_curves(
    study: Study, axes: list[AxisRuns], curves: pd.DataFrame, thresholds: list[float], text: str
) -> list[Path]:
    """``loss_vs_intensity``: the mean loss at the last step against each axis, with 95% bands (drawn within
    [0, 100] %), the thresholds dashed, on a symmetric log axis of loss (linear below 1 %). ``curves`` is
    ``loss_vs_intensity.csv``; returns the PNG and the SVG."""
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
        loss_axis(ax, float(loss["mean"].min()) * 100)
        ax.set(ylabel="AS pairs no longer reachable (%)")
    handles, labels = np.atleast_1d(panels)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    fig.suptitle("Connectivity loss at the last step, by intensity (dashed: the tipping thresholds)", fontsize=11)
    return save(fig, study.out, "loss_vs_intensity", text)


def _order(names: pd.Series) -> list[str]:
    """Single mechanisms in order (M0, M1, ...), then combinations."""
    return sorted(names.unique(), key=lambda m: (len(m) > 2, m))
