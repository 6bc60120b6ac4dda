"""Sanctions and de-peering: a large state's networks drop their links with a target country's networks
(primary), and with secondary effect third-country networks linked to both must choose a side.

Tables: ``sanctions.csv`` (one row per target and variant: the target's ASes cut off, its cross-border pairs
retained, the cost to the rest of the world, links cut, how many of the target's ASes were located by inference),
``sanctions_chokepoints.csv``, ``sanctions_other_losers.csv``, ``sanctions_link_chokepoints.csv``. Figures:
``sanctions``, ``sanctions_map`` (every country's loss, one world map per case).
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.figures import country_name
from sim.experiments import Study, caption, complete_runs
from sim.experiments.cases import case_figure, case_map, case_outcome, case_tables, outcome_rows, run_summary


def analyze(study: Study) -> list[Path]:
    runs = complete_runs(study.runs)
    n = int(study.analysis.get("chokepoints", 5))
    cases, panels = [], []
    for run in sorted(
        runs, key=lambda r: (r.cfg["scenario"]["imposed"][0]["target"], r.cfg["scenario"]["imposed"][0]["secondary"])
    ):
        ev = run.cfg["scenario"]["imposed"][0]
        variant = "with secondary effect" if ev["secondary"] else "primary only"
        label = f"{country_name(ev['country'])} sanctions {country_name(ev['target'])}, {variant}"
        row, choke, losers, links = outcome_rows(
            case_outcome(run, ev["target"], n), state=ev["country"], secondary=bool(ev["secondary"])
        )
        cases.append((label, {**row, **run_summary(run)}, choke, losers, links))
        panels.append((label, run))
    steps = max(int(r.cfg["scenario"]["steps"]) for r in runs)
    text = caption(
        study,
        len(runs),
        1,
        steps,
        "Deterministic: exact reachability, no random choice. Primary: "
        "links between the two countries' networks are cut; secondary: third-country networks linked "
        "to both keep the larger market. Cut off: reaches no AS located in another country.",
    )
    return [
        *case_tables(study, cases, "sanctions"),
        *case_figure(study.out, "sanctions", "Sanctions: a large state's networks leave a target country", cases, text),
        *case_map(study.out, "sanctions_map", "Sanctions: who loses reach with the world", panels, text),
    ]
