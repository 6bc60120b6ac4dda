"""Baseline: what the Internet looks like before any regulation, for each data set.

Table ``baseline_facts.csv``: one row per data set (ASes, links by kind, countries, Tier-1, stubs, state-owned
ASes, reachable ordered pairs and their share, cross-border share of reachable pairs, median AS degree).
Figure ``baseline``: degree distribution (CCDF, log-log) and the distribution of each AS's reachable share.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.figures import new_figure, percent_axis, save
from experiments.studies import Study, data_label, write_csv
from scenarios.run import build_topology
from scenarios.schema import TopologyConfig
from sim.metrics import cross_border_pairs
from sim.reach import reachability


def facts(topo) -> tuple[dict, np.ndarray, np.ndarray]:
    """(facts row, per-AS degree, per-AS reachable share) with exact all-pairs reachability."""
    s = topo.summary()
    r = reachability(topo, per_source=True)
    n = topo.n_ases
    row = {key: s[key] for key in ("n_ases", "n_p2c", "n_p2p", "n_countries", "n_tier1", "n_stubs",
                                   "n_state_owned", "n_state_owned_abroad", "n_with_country")}
    row.update(reachable_pairs=r.n_pairs(), reach_frac=r.reach_frac(),
               cross_border_share=cross_border_pairs(r.country_pairs) / max(r.n_pairs(), 1),
               median_degree=float(np.median(topo.degree())), max_degree=s["max_degree"])
    return row, topo.degree(), r.source_counts / max(n - 1, 1)


def analyze(study: Study) -> list[Path]:
    configs = [study.cfg.topology]
    if study.analysis.get("compare_synthetic", True) and study.cfg.topology.kind != "synthetic":
        configs.append(TopologyConfig())
    rows, degrees, shares, labels = [], [], [], []
    for cfg in configs:
        row, deg, share = facts(build_topology(cfg))
        labels.append(data_label(cfg))
        rows.append({"data": labels[-1], **row})
        degrees.append(deg)
        shares.append(share)
    table = write_csv(pd.DataFrame(rows), study.out / "baseline_facts.csv")

    fig, (ax1, ax2) = new_figure(2, width=10, height=4)
    for label, deg, share in zip(labels, degrees, shares):
        d = np.sort(deg)
        ccdf = 1.0 - np.arange(len(d)) / len(d)
        ax1.loglog(d, ccdf * 100, label=label)
        s = np.sort(share) * 100
        ax2.plot(s, np.arange(1, len(s) + 1) / len(s) * 100, label=label)
    ax1.set(title="Degree distribution", xlabel="links of an AS (count, log scale)",
            ylabel="ASes with at least that many links (%, log)")
    ax2.set(title="How much of the Internet each AS reaches",
            xlabel="share of all other ASes it reaches, valley-free (%)",
            ylabel="ASes reaching at most that share (%)")
    percent_axis(ax2, "x")
    percent_axis(ax2, "y")
    for ax in (ax1, ax2):
        ax.legend(loc="lower left")
    caption = ("Data: " + "; ".join(f"{l} ({r['n_ases']:,} ASes)" for l, r in zip(labels, rows))
               + ". No regulation; exact all-pairs valley-free reachability (deterministic, no seed).")
    return [table, *save(fig, study.out, "baseline", caption)]
