"""Shutdowns replayed from real events: which of the country's ASes are cut off, who else loses, and which
ASes become chokepoints (the exempted networks, and the foreign networks they still reach).

Tables: ``shutdown.csv`` (one row per event: ASes cut off before/after, the country's foreign pairs retained, links
cut, global loss, how many of the country's ASes were located by inference), ``shutdown_chokepoints.csv``,
``shutdown_other_losers.csv``, ``shutdown_link_chokepoints.csv``. Figures: ``shutdown``, ``shutdown_map`` (every
country's loss, one world map per event).
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.figures import country_name
from sim.experiments import Study, caption, complete_runs
from sim.experiments.cases import case_figure, case_map, case_outcome, case_tables, outcome_rows, run_summary


def event_label(cfg: dict) -> str:
    ev = cfg["scenario"]["imposed"][0]
    exempt = ", ".join(f"AS{a}" for a in ev["exempt"]) or "none"
    return f"{country_name(ev['country'])}: {cfg['scenario']['name']} (exempt: {exempt})"


def analyze(study: Study) -> list[Path]:
    runs = complete_runs(study.runs)
    n = int(study.analysis.get("chokepoints", 5))
    cases = []
    for run in runs:
        code = run.cfg["scenario"]["imposed"][0]["country"]
        row, choke, losers, links = outcome_rows(case_outcome(run, code, n), event=run.cfg["scenario"]["name"])
        cases.append((event_label(run.cfg), {**row, **run_summary(run)}, choke, losers, links))
    steps = max(int(r.cfg["scenario"]["steps"]) for r in runs)
    text = caption(
        study,
        len(runs),
        1,
        steps,
        "Deterministic: exact reachability, no random choice. "
        "Cut off: reaches no AS located in another country. Chokepoints: ASes holding the largest "
        "shares of the country's remaining cross-border links.",
    )
    return [
        *case_tables(study, cases, "shutdown"),
        *case_figure(study.out, "shutdown", "National shutdowns replayed from real events", cases, text),
        *case_map(
            study.out,
            "shutdown_map",
            "National shutdowns: who loses reach with the world",
            [(event_label(run.cfg), run) for run in runs],
            text,
        ),
    ]
