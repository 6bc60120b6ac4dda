"""Baseline: what the Internet looks like before any regulation, for each data set.

Table ``baseline_facts.csv``: one row per data set (ASes, links by kind, countries, Tier-1, stubs, state-owned
ASes, reachable ordered pairs and their share, cross-border share of reachable pairs, median AS degree).
Figure ``baseline``: degree distribution (CCDF, log-log) and the share of ASes in the largest countries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.figures import country_label, new_figure, percent_axis, save
from sim.experiments import Study, data_label, write_csv
from sim.model.metrics import cross_border_pairs
from sim.reach.api import reachability
from sim.runner.run import build_topology
from sim.runner.schema import TopologyConfig


def facts(topo) -> dict:
    """The data set's facts, with exact all-pairs reachability."""
    s = topo.summary()
    r = reachability(topo)
    row = {
        key: s[key]
        for key in (
            "n_ases",
            "n_p2c",
            "n_p2p",
            "n_countries",
            "n_tier1",
            "n_stubs",
            "n_state_owned",
            "n_state_owned_abroad",
            "n_with_country",
        )
    }
    row.update(
        reachable_pairs=r.n_pairs(),
        reach_frac=r.reach_frac(),
        cross_border_share=cross_border_pairs(r.country_pairs) / max(r.n_pairs(), 1),
        median_degree=float(np.median(topo.degree())),
        max_degree=s["max_degree"],
    )
    return row


def country_shares(topo) -> pd.Series:
    """Share of the located ASes in each country, largest first."""
    counts = topo.ases_per_country()
    return pd.Series(counts / max(counts.sum(), 1), index=list(topo.country_codes)).sort_values(
        ascending=False, kind="stable"
    )


def analyze(study: Study) -> list[Path]:
    configs = [study.cfg.topology]
    if study.analysis.get("compare_synthetic", True) and study.cfg.topology.kind != "synthetic":
        configs.append(TopologyConfig())
    topos = [build_topology(cfg) for cfg in configs]
    labels = [data_label(cfg) for cfg in configs]
    rows = [{"data": label, **facts(topo)} for label, topo in zip(labels, topos, strict=True)]
    table = write_csv(pd.DataFrame(rows), study.out / "baseline_facts.csv")

    fig, (ax1, ax2) = new_figure(2, width=11, height=4.6)
    for label, topo in zip(labels, topos, strict=True):
        d = np.sort(topo.degree())
        ax1.loglog(d, (1.0 - np.arange(len(d)) / len(d)) * 100, label=label)
    ax1.set(
        title="Degree distribution",
        xlabel="links of an AS (count, log scale)",
        ylabel="ASes with at least that many links (%, log)",
    )
    ax1.legend(loc="lower left")
    n_top = int(study.analysis.get("top_countries", 15))
    shares = [country_shares(topo) for topo in topos]
    top = list(shares[0].index[:n_top])
    y = np.arange(len(top))
    height = 0.8 / len(shares)
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        ax2.barh(y + i * height, share.reindex(top).fillna(0).to_numpy() * 100, height=height, label=label)
    ax2.set_yticks(y + height * (len(shares) - 1) / 2, [country_label(c) for c in top])
    ax2.invert_yaxis()
    ax2.set(title=f"Where the ASes are: the {n_top} largest countries", xlabel="share of the located ASes (%)")
    percent_axis(ax2, "x")
    ax2.legend(loc="lower right")
    caption = (
        "Data: "
        + "; ".join(
            f"{label}: {r['n_ases']:,} ASes, {r['n_countries']} countries, "
            f"{r['reach_frac']:.1%} of ordered AS pairs reachable valley-free, "
            f"{r['cross_border_share']:.0%} of them cross-border"
            for label, r in zip(labels, rows, strict=True)
        )
        + ". No regulation; exact all-pairs reachability (deterministic, no seed)."
    )
    return [table, *save(fig, study.out, "baseline", caption)]
