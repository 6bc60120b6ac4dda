"""Adoption sweep: connectivity loss as more states adopt extraterritorial rules, by coordination mechanism.

Table ``loss_vs_adoption.csv``: per mechanism, adoption share and metric (connectivity loss, cross-border
loss) at the last step: mean over seeds, 95% t-interval, number of seeds. Figure ``loss_vs_adoption``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.analysis.figures import mechanism_label, new_figure, percent_axis, save
from sim.analysis.runs import load_runs, summarize
from sim.experiments import Study, caption, write_csv

METRICS = {"loss": "Connectivity loss", "cross_border_loss": "Cross-border connectivity loss"}
KEY = "scenario.adoption_frac"


def analyze(study: Study) -> list[Path]:
    metrics, _, _, _ = load_runs(study.runs)
    if KEY not in metrics.columns:
        metrics[KEY] = study.cfg.scenario.adoption_frac
    last = metrics["step"].max()
    final = metrics[(metrics["step"] == last) & metrics["metric"].isin(list(METRICS))]
    table = summarize(final, ["mechanism.name", KEY, "metric"]).rename(
        columns={"mechanism.name": "mechanism", KEY: "adoption_frac"}
    )
    table.insert(1, "mechanism_label", table["mechanism"].map(mechanism_label))
    path = write_csv(table, study.out / "loss_vs_adoption.csv")

    fig, axes = new_figure(len(METRICS), width=11, height=4.4)
    levels = sorted(table["adoption_frac"].unique())  # evenly spaced: the low levels matter most
    for ax, (metric, title) in zip(axes, METRICS.items(), strict=True):
        for name, cell in table[table["metric"] == metric].groupby("mechanism"):
            cell = cell.sort_values("adoption_frac")
            x = [levels.index(v) for v in cell["adoption_frac"]]
            ax.plot(x, cell["mean"] * 100, marker="o", label=mechanism_label(name))
            ax.fill_between(x, np.clip(cell["ci_low"], 0, 1) * 100, np.clip(cell["ci_high"], 0, 1) * 100, alpha=0.2)
        ax.set_xticks(range(len(levels)), [f"{v * 100:g}%" for v in levels])
        ax.set(
            title=f"{title} at step {last}",
            xlabel="states that may adopt extraterritorial rules (% of states; uneven steps)",
            ylabel="AS pairs no longer reachable (% of baseline)",
            ylim=(-2, 102),
        )
        percent_axis(ax, "y")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), frameon=False)  # clear of the bands
    seeds = int(metrics.groupby(["mechanism.name", KEY])["seed"].nunique().min())
    text = caption(
        study, metrics["run"].nunique(), seeds, int(last), "States adopt in order of market size (the largest first)."
    )
    return [path, *save(fig, study.out, "loss_vs_adoption", text)]
