"""What a case study reports for its focus country, from a run folder: who is cut off, who else loses, and
which ASes become chokepoints.

The network at the run's last step is rebuilt from the run's files: its topology (``config.yaml``) minus the
links still cut (``cut_links.csv``, ``restored_step = -1``). That is exact for the regulations case studies
use (shutdown, gateways, sanctions cut links); a run that re-homed links (M7) or restricted transit is refused.

- **cut off from the world**: an AS of the country that reaches no AS located in another country (valley-free,
  exact: every AS of the country is a source).
- **chokepoint**: an AS carrying a share of the country's remaining cross-border links (either side of the
  border); for the largest ones, the share of the country's ASes that would be cut off if it failed too (every
  candidate's failure in one batched pass, :func:`sim.reach.whatif.reach_any_without`).
- **link chokepoint**: a remaining border link (exactly one end in the country) whose cut alone would cut off some
  of the country's ASes, those cutting off most first; every border link is tried
  (``sim.experiments.link_chokepoints``), and the case's row counts them (``n_border_links``,
  ``n_chokepoint_links``).
- **best-path dependence**: the share of the country's inbound chosen paths (BGP's best paths, after the
  regulation, destinations weighted by address space: :func:`sim.routes`) that cross each AS. It sits beside the
  any-path view: the chokepoints get their ``best_path_share``, and the case's row names its top best-path network,
  the share of the country cut off if that network failed too, and whether it is also the any-path chokepoint
  whose failure cuts off most (``views_agree``). BGP may route most traffic through a network that has a way
  around it, and an any-path chokepoint may carry little of the chosen traffic.
- **who else loses**: every other country's loss (share of its AS pairs with the world lost), split into its
  pairs with the focus country and its other pairs (collateral), from the run's country matrices.
- **people**: the share of the world's population living in countries that lose more than 1%, 10% and 50% of
  their reach with the world, and the population-weighted mean loss (:mod:`sim.analysis.people`); and a world map
  of every country's loss, one panel per case (:func:`case_map`).
- **located by inference**: how many of the country's ASes are counted in it only because their neighbours all
  are (``Topology.country_inferred``), so a reader can judge how much of "the country" the data files name.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data.topology import Topology
from sim.experiments import Run
from sim.experiments.link_chokepoints import rank_border_links
from sim.reach import ReachPlan
from sim.reach.api import reachability
from sim.reach.reuse import shared_plan
from sim.reach.whatif import reach_any_without
from sim.routes import routes
from sim.runner.run import build_topology

COLORS = {"direct": "tab:orange", "collateral": "tab:brown", "before": "tab:gray", "after": "tab:purple"}
LEGEND = {
    "direct": "its pairs with the country in the case",
    "collateral": "its other pairs (collateral)",
    "before": "before the regulation",
    "after": "after",
}
Case = tuple[str, dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]
"""One case of a study: (label, summary row, chokepoints, other losers, link chokepoints), from :func:`outcome_rows`."""
CHUNK = 2048  # sources per kernel call: bounds the (sources × ASes) matrix to ~110 MB on the 2016 graph


def final_cuts(run: Run, topo: Topology) -> np.ndarray:
    """(n_links,) bool: the links still cut at the run's last step."""
    cut = run.table("cut_links.csv")
    if len(cut) and cut["link"].max() >= topo.n_links:
        raise ValueError(f"{run.folder}: the run re-homed links (M7); case studies read link cuts only")
    if run.cfg["scenario"].get("imposed") and any(
        ev["kind"] == "transit_restriction" for ev in run.cfg["scenario"]["imposed"]
    ):
        raise ValueError(f"{run.folder}: transit restrictions are not link cuts; case studies read link cuts only")
    mask = np.zeros(topo.n_links, bool)
    mask[cut.loc[cut["restored_step"] < 0, "link"].to_numpy()] = True
    return mask


def foreign_reach(topo: Topology, country: int, removed_links=None, removed_ases=None) -> np.ndarray:
    """For each AS of ``country`` (ascending index), how many ASes located in other countries it reaches."""
    own = np.flatnonzero(topo.country == country)
    foreign = (topo.country != country) & (topo.country >= 0)
    counts = np.zeros(len(own), np.int64)
    for start in range(0, len(own), CHUNK):
        chunk = own[start : start + CHUNK]
        r = reachability(
            topo, topo.asns[chunk].tolist(), removed_links=removed_links, removed_ases=removed_ases, keep_matrix=True
        )
        counts[start : start + len(chunk)] = r.matrix[:, foreign].sum(axis=1)
    return counts


def foreign_pairs(topo: Topology, country: int, removed_links=None, plan: ReachPlan | None = None) -> int:
    """Reachable (AS of ``country``, AS located in another country) pairs: the sum of :func:`foreign_reach`, from the
    country × country counts of one call (no matrix)."""
    own = topo.asns[topo.country == country].tolist()
    if not own:
        return 0
    pairs = reachability(topo, own, removed_links=removed_links, per_source=False, plan=plan).country_pairs
    foreign = np.arange(len(topo.country_codes)) != country  # known countries only: slot K is "unknown"
    return int(pairs[country, : len(topo.country_codes)][foreign].sum())


def cut_off_without(
    topo: Topology, country: int, candidates, removed_links=None, plan: ReachPlan | None = None
) -> np.ndarray:
    """(1 + n_candidates, n_own) bool: which ASes of ``country`` (ascending index) reach no AS located in another
    country, as they are (row 0) and if each candidate failed too (row ``1 + j``; a failed AS counts as cut off).
    Equal to ``foreign_reach(...) == 0`` with the candidate removed, for all candidates in one batched pass."""
    own = np.flatnonzero(topo.country == country)
    foreign = (topo.country != country) & (topo.country >= 0)
    return ~reach_any_without(topo, foreign, own, np.asarray(candidates, np.int64), removed_links, plan=plan)


#: per topology object and country: its ASes cut off from the world and its foreign pairs with nothing removed
_UNREGULATED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def unregulated(topo: Topology, country: int, plan: ReachPlan | None = None) -> tuple[np.ndarray, int]:
    """``(cut off, foreign pairs)`` of ``country`` with nothing removed (:func:`cut_off_without`,
    :func:`foreign_pairs`): the same for every run of an experiment, so computed once per topology object."""
    known = _UNREGULATED.setdefault(topo, {})
    if country not in known:
        known[country] = (cut_off_without(topo, country, [], plan=plan)[0], foreign_pairs(topo, country, plan=plan))
    return known[country]


def border_shares(topo: Topology, country: int, removed: np.ndarray) -> pd.DataFrame:
    """Per AS at either end of the country's cross-border links: its share of those links before and after."""
    ends = topo.link_endpoints().astype(np.int64)
    ec = topo.country[ends]
    cross = ((ec[:, 0] == country) | (ec[:, 1] == country)) & (ec[:, 0] != ec[:, 1]) & (ec >= 0).all(axis=1)
    rows = []
    for label, alive in (("before", cross), ("after", cross & ~removed)):
        ases = ends[alive].ravel()
        total = max(int(alive.sum()), 1)
        idx, n = np.unique(ases, return_counts=True)
        rows.append(pd.Series(n / total, index=idx, name=f"share_{label}"))
    df = pd.concat(rows, axis=1).fillna(0.0)
    df.index.name = "as_idx"
    return df.reset_index()


@dataclass(frozen=True)
class CaseOutcome:
    """A focus country's fate at the last step of a run."""

    country: str
    n_ases: int
    n_country_inferred: int  #: of the n_ases, those located from their neighbours, not by a data file
    cut_off_before: int  #: ASes already reaching no foreign AS before any regulation
    cut_off_after: int
    foreign_pairs_retained: float  #: the country's reachable (own AS, foreign AS) pairs, after / before
    chokepoints: pd.DataFrame  #: asn, side, share_before, share_after, cut_off_if_failed, best_path_share
    link_chokepoints: pd.DataFrame  #: asn, neighbour_asn, neighbour_country, neighbour_role, newly_cut_off, ...
    border: dict  #: n_border_links (remaining), n_chokepoint_links (those whose cut alone cuts off some AS)
    best_path: dict  #: top_best_path_asn, top_best_path_share, top_best_path_cut_off_if_failed, views_agree
    other_losers: pd.DataFrame  #: code, loss, direct_loss, collateral_loss (other countries, most hurt first)
    pairs: dict  #: domestic_retained, cross_border_retained, world_cost


def case_outcome(run: Run, code: str, n_chokepoints: int = 5, n_losers: int = 10) -> CaseOutcome:
    """The case-study report for country ``code`` in a complete run."""
    topo = build_topology(run.topology_config())
    country = topo.country_codes.index(code)
    removed = final_cuts(run, topo)
    plan = shared_plan(topo)  # one plan for every case of the experiment (the topology is cached)
    shares = border_shares(topo, country, removed)
    shares = shares[shares["share_after"] > 0].sort_values(["share_after", "as_idx"], ascending=[False, True])
    shares = shares.head(n_chokepoints).copy()
    own = topo.asns[topo.country == country].tolist()
    dep = routes(topo, own, removed_links=removed, measures=True).country_dependence(code)
    best_share = dict(zip(topo.asn_to_idx(dep["asn"].to_numpy()).tolist(), dep["share"].tolist(), strict=True))
    shares["best_path_share"] = [best_share.get(idx, 0.0) for idx in shares["as_idx"]]
    top = int(topo.asn_to_idx([int(dep["asn"].iloc[0])])[0]) if len(dep) else None
    candidates = shares["as_idx"].to_numpy(np.int64)
    cut_before, before = unregulated(topo, country, plan)
    failing = np.array([*candidates.tolist(), *([] if top is None else [top])], np.int64)
    cut = cut_off_without(topo, country, failing, removed, plan)
    shares["cut_off_if_failed"] = cut[1 : 1 + len(candidates)].mean(axis=1)
    best_path = {"top_best_path_asn": -1, "top_best_path_share": 0.0, "top_best_path_cut_off_if_failed": 0.0}
    if top is not None:
        best_path = {
            "top_best_path_asn": int(topo.asns[top]),
            "top_best_path_share": float(dep["share"].iloc[0]),
            "top_best_path_cut_off_if_failed": float(cut[-1].mean()),
        }
    worst = shares.sort_values(["cut_off_if_failed", "share_after"], ascending=False, kind="stable").head(1)
    best_path["views_agree"] = (
        bool(len(worst)) and int(topo.asns[int(worst["as_idx"].iloc[0])]) == best_path["top_best_path_asn"]
    )
    shares["asn"] = topo.asns[shares["as_idx"].to_numpy()]
    shares["side"] = np.where(topo.country[shares["as_idx"].to_numpy()] == country, "domestic", "foreign")
    shares["as_country"] = [
        topo.country_codes[c] if c >= 0 else "??" for c in topo.country[shares["as_idx"].to_numpy()]
    ]
    links = rank_border_links(topo, country, removed, plan)
    codes, now, before_pairs = pair_counts(run, topo)
    after = foreign_pairs(topo, country, removed, plan)
    return CaseOutcome(
        country=code,
        n_ases=len(cut_before),
        n_country_inferred=int(topo.country_inferred[topo.country == country].sum()),
        cut_off_before=int(cut_before.sum()),
        cut_off_after=int(cut[0].sum()),
        foreign_pairs_retained=float(after / before) if before else float("nan"),
        chokepoints=shares[
            ["asn", "as_country", "side", "share_before", "share_after", "cut_off_if_failed", "best_path_share"]
        ],
        link_chokepoints=links[links["newly_cut_off"] > 0].head(n_chokepoints),
        border={"n_border_links": len(links), "n_chokepoint_links": int((links["newly_cut_off"] > 0).sum())},
        best_path=best_path,
        other_losers=other_losers(codes, now, before_pairs, code, n_losers),
        pairs=pair_measures(codes, now, before_pairs, code),
    )


def run_summary(run: Run) -> dict:
    """Links cut, global connectivity loss and the losses counted in people at the run's last step."""
    from sim.analysis.people import people_measures

    metrics = run.table("metrics.csv")
    last = metrics[metrics["step"] == metrics["step"].max()].set_index("metric")["value"]
    people = people_measures(run.final_states().set_index("code")["loss"])
    return {"links_cut": int(last["n_links_cut"]), "global_loss": float(last["loss"]), **people}


def case_map(out, name: str, title: str, panels: list[tuple[str, Run]], caption: str) -> list:
    """World maps of every country's loss at the last step, one panel per ``(label, run)``, each panel's title
    adding the share of the world's people in countries losing more than 10%."""
    from sim.analysis.maps import LOSS_SCALE, figure_world_maps
    from sim.analysis.people import people_measures, people_words

    maps = []
    for label, run in panels:
        loss = run.final_states().set_index("code")["loss"]
        share = people_measures(loss)["pop_frac_over_10pct"]
        maps.append((f"{label}\n{people_words(share)} of people in countries losing >10%", loss.to_dict()))
    text = caption + " People: Natural Earth population estimates."
    return figure_world_maps(maps, LOSS_SCALE, out, name, title, text, ncols=1 if len(maps) == 1 else 2)


def outcome_rows(outcome: CaseOutcome, **labels) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(summary row, chokepoint rows, other-loser rows, link chokepoint rows), each labelled with ``labels``
    (e.g. k=4)."""
    row = {
        **labels,
        "country": outcome.country,
        "n_ases": outcome.n_ases,
        "n_country_inferred": outcome.n_country_inferred,
        "cut_off_share_before": outcome.cut_off_before / max(outcome.n_ases, 1),
        "cut_off_share": outcome.cut_off_after / max(outcome.n_ases, 1),
        "foreign_pairs_retained": outcome.foreign_pairs_retained,
        **outcome.pairs,
        **outcome.best_path,
        **outcome.border,
    }
    choke = outcome.chokepoints.assign(**labels, country=outcome.country)
    losers = outcome.other_losers.assign(**labels, country=outcome.country)
    links = outcome.link_chokepoints.assign(**labels, country=outcome.country)
    return row, choke, losers, links


def pair_counts(run: Run, topo: Topology) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(country codes, reachable AS pairs now, before) by [source country, destination country], from the run's
    country matrices (fractions) and the countries' AS counts."""
    final, base = run.matrix("country_matrix.csv"), run.matrix("country_matrix_baseline.csv")
    codes = list(final.index)
    n = topo.ases_per_country()
    size = np.array([n[topo.country_codes.index(c)] for c in codes], float)
    possible = np.outer(size, size) - np.diag(size)
    now = np.nan_to_num(final.loc[codes, codes].to_numpy()) * possible
    before = np.nan_to_num(base.loc[codes, codes].to_numpy()) * possible
    return codes, now, before


def involvement(pairs: np.ndarray) -> np.ndarray:
    """Each country's pairs with the world (as source or destination, its domestic pairs once)."""
    return pairs.sum(axis=1) + pairs.sum(axis=0) - np.diag(pairs)


def pair_measures(codes: list[str], now: np.ndarray, before: np.ndarray, code: str) -> dict:
    """The share of the country's domestic reachable pairs retained, of its cross-border pairs (both
    directions) retained, and the loss of the pairs between all other countries (the rest of the world's cost)."""
    i = codes.index(code)
    rest = np.ones(len(codes), bool)
    rest[i] = False
    cross_now, cross_before = involvement(now)[i] - now[i, i], involvement(before)[i] - before[i, i]
    return {
        "domestic_retained": now[i, i] / before[i, i] if before[i, i] else float("nan"),
        "cross_border_retained": cross_now / cross_before if cross_before else float("nan"),
        "world_cost": 1.0 - now[np.ix_(rest, rest)].sum() / before[np.ix_(rest, rest)].sum(),
    }


MIN_LOSS = 1e-4  # a country losing less than 0.01% of its pairs is not listed as losing


def other_losers(codes: list[str], now: np.ndarray, before: np.ndarray, code: str, top: int) -> pd.DataFrame:
    """The other countries losing most (at least ``MIN_LOSS``): the share of each one's pairs with the world lost,
    split into its pairs with the focus country (``direct_loss``) and all its other pairs (``collateral_loss``)."""
    i = codes.index(code)
    base = involvement(before)
    direct = (before[:, i] + before[i, :] - now[:, i] - now[i, :]) / np.maximum(base, 1)
    total = 1.0 - involvement(now) / np.maximum(base, 1)
    df = pd.DataFrame(
        {
            "code": codes,
            "loss": total,
            "direct_loss": direct,
            "collateral_loss": np.where(np.abs(total - direct) < 1e-12, 0.0, total - direct),
        }
    )
    df = df[(df["code"] != code) & (df["loss"] >= MIN_LOSS)]
    return df.sort_values(["loss", "code"], ascending=[False, True]).head(top).reset_index(drop=True)


def case_figure(out, name: str, title: str, cases: list[Case], caption: str) -> list:
    """One row per case → three panels: the share of the country's ASes cut off from the world, the other countries
    losing most, the chokepoint ASes."""
    from sim.analysis.figures import country_label, new_figure, percent_axis, save

    fig, axes = new_figure(width=13, height=2.5 * len(cases) + 0.8, nrows=len(cases), ncols=3, squeeze=False)
    for row, (label, summary, choke, losers, _) in zip(axes, cases, strict=True):
        a, b, c = row
        before, after = summary["cut_off_share_before"] * 100, summary["cut_off_share"] * 100
        a.barh([0, 1], [before, after], color=["tab:gray", "tab:red"])
        a.set_yticks([0, 1], ["before", "after"])
        a.invert_yaxis()
        a.set(xlim=(0, 100), title=f"{label}\nits ASes cut off from the world", xlabel="% of the country's ASes")
        a.text(min(after, 100) + 1, 1, f"{after:.0f}% of {summary['n_ases']:,} ASes", va="center", fontsize=8)
        a.text(
            0.98,
            0.93,
            f"its cross-border AS pairs still reachable: {summary['cross_border_retained']:.1%}",
            ha="right",
            va="top",
            fontsize=8,
            transform=a.transAxes,
        )
        percent_axis(a, "x")
        y = np.arange(len(losers))
        direct = losers["direct_loss"].to_numpy() * 100
        b.barh(y, direct, color=COLORS["direct"])
        b.barh(y, losers["collateral_loss"].to_numpy() * 100, left=direct, color=COLORS["collateral"])
        b.set_yticks(y, [country_label(x) for x in losers["code"]])
        b.invert_yaxis()
        b.set(title="who else loses", xlabel="the country's AS pairs with the world lost (%)")
        b.ticklabel_format(axis="x", useOffset=False, style="plain")
        if not len(losers):
            b.text(
                0.5,
                0.5,
                f"no other country loses {MIN_LOSS:.2%} or more",
                ha="center",
                va="center",
                transform=b.transAxes,
            )
            b.set_xticks([])
        y = np.arange(len(choke))
        c.barh(y - 0.2, choke["share_before"].to_numpy() * 100, height=0.4, color=COLORS["before"])
        c.barh(y + 0.2, choke["share_after"].to_numpy() * 100, height=0.4, color=COLORS["after"])
        c.set_yticks(
            y,
            [
                f"AS{asn} ({cc}, {side})"
                for asn, cc, side in zip(choke["asn"], choke["as_country"], choke["side"], strict=True)
            ],
        )
        c.invert_yaxis()
        c.set(
            title="chokepoints: share of its remaining cross-border links",
            xlabel="% of cross-border links",
            xlim=(0, 115),
        )
        for i, lost in enumerate(choke["cut_off_if_failed"]):
            c.text(
                min(choke["share_after"].iloc[i] * 100, 100) + 1,
                i + 0.2,
                f"if it fails: {lost:.0%} cut off",
                va="center",
                fontsize=7,
            )
        if not len(choke):
            c.text(0.5, 0.5, "no cross-border link left", ha="center", va="center", transform=c.transAxes)
    from matplotlib.patches import Patch

    handles = [Patch(color=COLORS[key], label=label) for key, label in LEGEND.items()]
    legend = fig.legend(
        handles=handles, loc="outside upper center", ncol=len(handles), title=title, frameon=False
    )  # the legend's title is the figure's
    legend.get_title().set_fontsize(12)
    return save(fig, out, name, caption)


def case_tables(study, cases: list[Case], prefix: str) -> list:
    """Write ``PREFIX.csv`` (one row per case), ``PREFIX_chokepoints.csv``, ``PREFIX_other_losers.csv`` and
    ``PREFIX_link_chokepoints.csv``."""
    from sim.experiments import write_csv

    summary = pd.DataFrame([{"case": label, **row} for label, row, *_ in cases])
    # the border link counts came after the other columns: they go last, so the others keep their places
    last = [c for c in ("n_border_links", "n_chokepoint_links") if c in summary.columns]
    summary = summary[[c for c in summary.columns if c not in last] + last]
    written = [write_csv(summary, study.out / f"{prefix}.csv")]
    for k, suffix in ((2, "chokepoints"), (3, "other_losers"), (4, "link_chokepoints")):
        df = pd.concat([case[k].assign(case=case[0]) for case in cases], ignore_index=True)
        written.append(
            write_csv(df[["case", *[c for c in df.columns if c != "case"]]], study.out / f"{prefix}_{suffix}.csv")
        )
    return written
