"""The figures of the sensitivity experiment (``sim.experiments.sensitivity``): the screening (μ* against σ
per output, and the robustness of the mechanisms' ranking as a matrix) and μ* of the final loss per mechanism."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from sim.analysis.figures import mechanism_label, new_figure, save
from sim.experiments import Study

PANELS = {  # output: (title, unit of mu* and sigma, scale)
    "loss": ("Final connectivity loss", "percentage points of AS pairs", 100),
    "cross_border_loss": ("Final cross-border loss", "percentage points of cross-border pairs", 100),
    "tipping_step": ("Tipping step (first step with loss above the threshold)", "steps", 1),
}


def _short(mechanism: str) -> str:
    return mechanism.upper().replace("_", "+")


def _scatter(ax, table: pd.DataFrame, title: str, unit: str, scale: float, label_top: int) -> None:
    mu, conf, sigma = (table[c].to_numpy() * scale for c in ("mu_star", "mu_star_conf", "sigma"))
    ax.errorbar(mu, sigma, xerr=conf, fmt="o", color="tab:blue", ecolor="tab:blue", alpha=0.75, ms=4, capsize=2)
    top = [i for i in np.argsort(-mu, kind="stable")[:label_top] if mu[i] > 0]  # no effect: not named
    for rank, i in enumerate(top):
        offset = (4, 4 - 10 * (rank % 2))  # alternate above and below: neighbours' labels overlap less
        ax.annotate(
            table["parameter"].iloc[i], (mu[i], sigma[i]), xytext=offset, textcoords="offset points", fontsize=7
        )
    high = max(float(np.nanmax(mu + conf)), float(np.nanmax(sigma)), 1e-9) * 1.15
    ax.plot([0, high], [0, high], linestyle="--", color="grey", linewidth=0.8, label="σ = μ*")
    ax.set(
        title=title,
        xlabel=f"μ*: mean absolute effect ({unit})",
        ylabel=f"σ: spread of the effects ({unit})",
        xlim=(0, high),
        ylim=(0, high),
    )
    ax.legend(loc="upper left")


def _matrix(ax, matrix: pd.DataFrame) -> None:
    ax.grid(False)
    cmap = matplotlib.colormaps["Greens"].with_extremes(bad="lightgrey")
    values = matrix.to_numpy(float) * 100
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=100)
    names = list(matrix.index)
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j and np.isfinite(values[i, j]):
                color = "white" if values[i, j] > 60 else "black"
                ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(names)), [_short(m) for m in names])
    ax.set_yticks(range(len(names)), [mechanism_label(m) for m in names], fontsize=7)
    ax.set(title="Robustness: the row's mechanism loses less than the column's", xlabel="compared with")
    bar = ax.figure.colorbar(im, ax=ax, shrink=0.8)
    bar.set_label("share of parameter samples (%)")


def figure_screening(study: Study, pooled: pd.DataFrame, matrix: pd.DataFrame, label_top: int, text: str):
    """μ* against σ for each output (pooled over the mechanisms; the ``label_top`` largest μ* named) and the
    matrix of shares in which each mechanism has the lower final loss than each other one."""
    fig, axes = new_figure(width=13, height=11, nrows=2, ncols=2)
    for ax, (output, (title, unit, scale)) in zip(axes.ravel()[:3], PANELS.items(), strict=True):
        _scatter(ax, pooled[pooled["output"] == output], title, unit, scale, label_top)
    _matrix(axes[1, 1], matrix)
    fig.suptitle("Which parameters move the outcome (all mechanisms pooled), and does the ranking of mechanisms hold?")
    caption = text + (
        f" Named: the {label_top} parameters with the largest μ* per panel, if not zero (all in morris.csv)."
    )
    return save(fig, study.out, "sensitivity", caption)


def figure_by_mechanism(study: Study, loss: pd.DataFrame, order: list[str], pooled: str, text: str) -> list[Path]:
    """μ* of the final loss, parameter × mechanism (and pooled), parameters by pooled μ*: which parameters
    matter under which mechanism (a mechanism's own parameters act only under it)."""
    wide = loss.pivot(index="parameter", columns="mechanism", values="mu_star")[[*order, pooled]] * 100
    wide = wide.sort_values(pooled, ascending=False, kind="stable")
    fig, ax = new_figure(1, width=9, height=0.3 * len(wide) + 2)
    ax.grid(False)
    im = ax.imshow(wide.to_numpy(), cmap="viridis", aspect="auto", vmin=0)
    high = float(np.nanmax(wide.to_numpy())) if wide.size else 0.0
    for (i, j), value in np.ndenumerate(wide.to_numpy()):
        color = "black" if value > 0.6 * high else "white"
        ax.text(j, i, f"{value:.1f}" if value else "–", ha="center", va="center", fontsize=6, color=color)
    ax.set_xticks(range(wide.shape[1]), [_short(m) if m != pooled else "all pooled" for m in wide.columns])
    ax.set_yticks(range(len(wide)), list(wide.index), fontsize=7)
    ax.set(
        title="μ* of the final connectivity loss, by mechanism (percentage points of AS pairs)",
        xlabel="mechanism",
        ylabel="parameter",
    )
    fig.colorbar(im, ax=ax, shrink=0.8).set_label("μ* (percentage points)")
    return save(fig, study.out, "sensitivity_by_mechanism", text + " –: no effect (every elementary effect zero).")
