"""Sovereign isolation: a country keeps its cross-border links only at its k largest transit networks.

For each country and gateway count k: the share of its domestic reachable pairs retained, of its cross-border pairs
retained, the cost to the rest of the world (loss of the pairs between other countries) and the share of its ASes
cut off from the world. Tables: ``sovereign_isolation.csv``, ``sovereign_isolation_chokepoints.csv``,
``sovereign_isolation_other_losers.csv``, ``sovereign_isolation_link_chokepoints.csv``. Figures:
``sovereign_isolation`` (the measures vs k) and ``sovereign_isolation_cases`` (cut off, who else loses, chokepoints
at the smallest k), ``sovereign_isolation_map`` (every country's loss at the smallest k, one world map per country).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.figures import country_label, new_figure, percent_axis, save
from sim.experiments import Study, caption, complete_runs
from sim.experiments.cases import case_figure, case_map, case_outcome, case_tables, outcome_rows, run_summary

PANELS = {
    "domestic_retained": "Domestic reachability retained",
    "cross_border_retained": "Its reachability to the world retained",
    "cut_off_share": "Its ASes cut off from the world",
    "world_cost": "Cost to the rest of the world",
}
UNITS = {
    "domestic_retained": "domestic AS pairs still reachable (%)",
    "cross_border_retained": "its cross-border AS pairs still reachable (%)",
    "cut_off_share": "ASes reaching no foreign AS (%)",
    "world_cost": "AS pairs between other countries lost (%)",
}


def analyze(study: Study) -> list[Path]:
    runs = complete_runs(study.runs)
    n = int(study.analysis.get("chokepoints", 5))
    cases, by_case = [], {}
    for run in runs:
        ev = run.cfg["scenario"]["imposed"][0]
        by_case[(ev["country"], int(ev["k"]))] = run
        row, choke, losers, links = outcome_rows(case_outcome(run, ev["country"], n), k=int(ev["k"]))
        label = f"{country_label(ev['country'])}, {ev['k']} gateway(s)"
        cases.append((label, {**row, **run_summary(run)}, choke, losers, links))
    cases.sort(key=lambda c: (c[1]["country"], c[1]["k"]))
    paths = case_tables(study, cases, "sovereign_isolation")
    table = pd.DataFrame([row for _, row, *_ in cases])
    steps = max(int(r.cfg["scenario"]["steps"]) for r in runs)
    text = caption(
        study,
        len(runs),
        1,
        steps,
        "Deterministic: exact reachability, no random choice. Gateways: "
        "the country's transit networks with the largest customer cones; every other cross-border "
        "link of its networks is cut.",
    )

    fig, axes = new_figure(width=11, height=7.5, nrows=2, ncols=2)
    for ax, (metric, title) in zip(axes.ravel(), PANELS.items(), strict=True):
        for code, cell in table.groupby("country"):
            cell = cell.sort_values("k")
            ax.plot(cell["k"], cell[metric] * 100, marker="o", label=country_label(code))
        ax.set_xscale("log", base=2)
        ax.set(title=title, xlabel="gateways kept (count, log scale)", ylabel=UNITS[metric])
        if metric != "world_cost":  # the rest of the world loses little: its own scale
            ax.set_ylim(-3, 103)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xticks(sorted(table["k"].unique()), [str(k) for k in sorted(table["k"].unique())])
        percent_axis(ax)
    axes[0, 0].legend(loc="lower right")
    paths += save(fig, study.out, "sovereign_isolation", text)
    smallest = table["k"].min()
    detail = [c for c in cases if c[1]["k"] == smallest]
    paths += case_figure(
        study.out,
        "sovereign_isolation_cases",
        f"Sovereign gateways: each country keeps {smallest} gateway(s)",
        detail,
        text,
    )
    paths += case_map(
        study.out,
        "sovereign_isolation_map",
        f"Sovereign gateways ({smallest} per country): who loses reach with the world",
        [
            (f"{country_label(row['country'])}, {smallest} gateway(s)", by_case[(row["country"], smallest)])
            for _, row, *_ in detail
        ],
        text,
    )
    return paths
