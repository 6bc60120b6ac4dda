"""Dependence: who carries each country's inbound traffic on the chosen routes, whose jurisdictions the paths
between the largest countries cross, and where best paths and any-path chokepoints disagree.

From one all-pairs pass of :func:`sim.routes` with ``measures=True`` (nothing regulated):

- ``dependence_ranking.csv``: per country with at least ``min_ases`` ASes, its most influential transit network
  (the AS crossed by the largest share of its inbound chosen paths, destinations weighted by address space), the
  second, and the concentration of its dependence (the sum of the squared shares of every AS crossed);
- ``exposure.csv`` / ``exposure_via.csv``: for the ``exposure_countries`` largest countries, the share of the
  chosen paths from A to B that cross a third country, and which;
- ``chokepoints_compared.csv``: for the countries of ``compare``, their top best-path transit ASes and top
  cross-border neighbours, each with its best-path share and the share of the country's ASes cut off from every
  foreign AS if it failed (any path, valley-free): a network BGP routes most traffic through may still have a
  way around it.

Figure ``dependence``: the most dependent countries' top shares; the exposure matrix; best-path share against
the any-path cut-off. Figure ``dependence_map``: a world map of every country's top share.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.figures import country_label, new_figure, percent_axis, save
from sim.analysis.maps import DEPENDENCE_SCALE, figure_world_maps
from sim.experiments import Study, write_csv
from sim.experiments.cases import border_shares, cut_off_without
from sim.routes import routes


def ranking(topo, r, min_ases: int) -> pd.DataFrame:
    counts = topo.ases_per_country()
    rows = []
    for slot in np.flatnonzero(counts >= min_ases):
        code = topo.country_codes[slot]
        dep = r.country_dependence(code)
        if not len(dep):
            continue
        top = dep.iloc[0]
        second = dep.iloc[1] if len(dep) > 1 else None
        top_cc = topo.country[topo.asn_to_idx([int(top["asn"])])[0]]
        rows.append(
            {
                "country": code,
                "n_ases": int(counts[slot]),
                "top_asn": int(top["asn"]),
                "top_as_country": topo.country_codes[top_cc] if top_cc >= 0 else "??",
                "top_share": float(top["share"]),
                "second_asn": int(second["asn"]) if second is not None else -1,
                "second_share": float(second["share"]) if second is not None else 0.0,
                "concentration": float((dep["share"] ** 2).sum()),
            }
        )
    return pd.DataFrame(rows).sort_values(["top_share", "country"], ascending=[False, True], kind="stable")


def compare_chokepoints(topo, r, codes: list[str], n: int) -> pd.DataFrame:
    rows = []
    for code in codes:
        if code not in topo.country_codes:
            continue
        country = topo.country_index(code)
        dep = r.country_dependence(code)
        shares = border_shares(topo, country, np.zeros(topo.n_links, bool))
        border = shares.sort_values(["share_before", "as_idx"], ascending=[False, True])["as_idx"].head(n)
        best = topo.asn_to_idx(dep["asn"].head(n).to_numpy())
        candidates = list(dict.fromkeys([*best.tolist(), *border.tolist()]))
        ranked = topo.asn_to_idx(dep["asn"].to_numpy()).tolist()  # largest share first
        share = dict(zip(ranked, dep["share"].tolist(), strict=True))
        rank = {idx: i + 1 for i, idx in enumerate(ranked)}
        own = np.flatnonzero(topo.country == country)
        cut_off = cut_off_without(topo, country, candidates)  # every candidate's failure in one pass
        for j, idx in enumerate(candidates):
            keep = own != idx  # a domestic AS's own absence is not a loss of foreign reach
            cc = topo.country[idx]
            rows.append(
                {
                    "country": code,
                    "asn": int(topo.asns[idx]),
                    "as_country": topo.country_codes[cc] if cc >= 0 else "??",
                    "best_path_share": share.get(idx, 0.0),
                    "best_path_rank": rank.get(idx, -1),
                    "cut_off_if_failed": float(cut_off[1 + j][keep].mean()),
                }
            )
    return pd.DataFrame(rows)


def analyze(study: Study) -> list[Path]:
    a = study.analysis
    topo = study.topology()
    counts = topo.ases_per_country()
    largest = [
        topo.country_codes[s] for s in np.argsort(-counts, kind="stable")[: int(a.get("exposure_countries", 12))]
    ]
    r = routes(topo, measures=True, exposure=largest)  # the exposure matrix counted in the same pass
    every = ranking(topo, r, 1)  # the map shows every country with an AS, the table those with min_ases
    rank = every[every["n_ases"] >= int(a.get("min_ases", 10))]
    written = [write_csv(rank, study.out / "dependence_ranking.csv")]
    exposure = r.exposure(largest)
    via = r.exposure(largest, via=True).sort_values(["source", "destination", "share"], ascending=[True, True, False])
    written += [write_csv(exposure, study.out / "exposure.csv"), write_csv(via, study.out / "exposure_via.csv")]
    compared = compare_chokepoints(topo, r, list(a.get("compare", [])), int(a.get("candidates", 5)))
    written.append(write_csv(compared, study.out / "chokepoints_compared.csv"))

    fig, axes = new_figure(3, width=17, height=6.2)
    top = rank.head(int(a.get("top_ranked", 30)))
    y = np.arange(len(top))
    foreign = (top["top_as_country"] != top["country"]).to_numpy()
    axes[0].barh(y, top["top_share"] * 100, color=np.where(foreign, "tab:red", "tab:blue"))
    axes[0].set_yticks(
        y, [f"{country_label(c)}: AS{asn}" for c, asn in zip(top["country"], top["top_asn"], strict=True)]
    )
    axes[0].invert_yaxis()
    axes[0].tick_params(axis="y", labelsize=7)
    axes[0].set(
        title="Most dependent countries: their top transit network",
        xlabel="share of inbound chosen paths crossing it (%)",
    )
    percent_axis(axes[0], "x")
    axes[0].bar(0, 0, color="tab:red", label="a foreign network")
    axes[0].bar(0, 0, color="tab:blue", label="a domestic network")
    axes[0].legend(loc="lower right")

    grid = exposure.pivot(index="source", columns="destination", values="share").reindex(index=largest, columns=largest)
    im = axes[1].imshow(grid.to_numpy() * 100, cmap="magma_r", vmin=0, vmax=100)
    axes[1].set_xticks(range(len(largest)), largest, rotation=90)
    axes[1].set_yticks(range(len(largest)), largest)
    axes[1].set(title="Paths crossing a third country (%)", xlabel="destination country", ylabel="source country")
    fig.colorbar(im, ax=axes[1], shrink=0.7, label="share of the chosen paths A→B (%)")

    if len(compared):
        axes[2].scatter(compared["best_path_share"] * 100, compared["cut_off_if_failed"] * 100, s=14, alpha=0.7)
        for row in compared.sort_values("cut_off_if_failed", ascending=False).head(6).itertuples():
            axes[2].annotate(
                f"{row.country}: AS{row.asn}", (row.best_path_share * 100, row.cut_off_if_failed * 100), fontsize=7
            )
    axes[2].set(
        title="Best-path dependence vs any-path chokepoint",
        xlabel="share of the country's inbound chosen paths crossing the AS (%)",
        ylabel="the country's ASes cut off from the world if it failed (%)",
    )
    percent_axis(axes[2], "x")
    percent_axis(axes[2], "y")

    n_cmp = compared["country"].nunique() if len(compared) else 0
    zero = compared[(compared["best_path_rank"] == 1)]
    around = int((zero["cut_off_if_failed"] == 0).sum())
    caption = " ".join(
        [
            f"Data: {study.data_label()}. Chosen routes under BGP with Gao-Rexford preferences, all",
            f"{topo.n_ases:,} × {topo.n_ases:,} pairs, nothing regulated (deterministic). Left: the {len(top)}",
            f"countries (of {len(rank)} with ≥ {a.get('min_ases', 10)} ASes) whose inbound chosen paths depend",
            "most on one network; destinations weighted by address space. Middle: share of the chosen paths",
            f"between the {len(largest)} countries with the most ASes that cross an AS of a third country.",
            f"Right: for {n_cmp} countries, their top best-path and border networks; {around} of {len(zero)}",
            "countries' top best-path network can fail without cutting any of their ASes off the world",
            "(a valley-free way around exists).",
        ]
    )
    written += save(fig, study.out, "dependence", caption)
    return written + figure_world_maps(
        [("", dict(zip(every["country"], every["top_share"], strict=True)))],
        DEPENDENCE_SCALE,
        study.out,
        "dependence_map",
        "Who depends on one transit network: the share of each country's inbound chosen paths\n"
        "crossing its most used network (domestic or foreign), nothing regulated",
        f"Data: {study.data_label()}. Chosen routes under BGP with Gao-Rexford preferences, all pairs; every"
        " country with an AS located in it (dependence_ranking.csv lists those with"
        f" ≥ {a.get('min_ases', 10)} ASes); destinations weighted by address space.",
    )
