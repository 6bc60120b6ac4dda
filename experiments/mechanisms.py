"""Mechanisms compared at equal regulatory intensity: which coordination keeps the Internet whole?

Tables: ``mechanisms.csv`` (per mechanism: connectivity loss, cross-border loss, per-country loss Gini,
national segments at the last step, and steps to fragmentation, each mean ± 95% t-interval over seeds;
``never_fragmented`` counts the runs that never reached the loss threshold), ``headline_country_loss.csv``
(per-country loss under the headline mechanism) and ``headline_country_matrix.csv`` (reachability retained
between the largest countries), ``people.csv`` (per mechanism: the share of the world's population living in
countries that lose more than 1%, 10% and 50% of their reach with the world, and the population-weighted mean
loss, each mean ± 95% t-interval over seeds) and ``people_by_seed.csv``. Figures: ``mechanisms_compared``,
``loss_over_time``, ``headline_map`` (a world map of the headline mechanism's per-country loss, its title stating
the share of people in countries losing more than 10%), ``adoption_map`` (where the headline's extraterritorial
rules are), ``headline_heatmap``, ``headline_country_loss``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from scipy.cluster.hierarchy import leaves_list, linkage

from sim.analysis.figures import country_label, loss_axis, mechanism_label, new_figure, percent_axis, save
from sim.analysis.maps import ADOPTED_SCALE, LOSS_SCALE, MEMBERSHIP, figure_world_maps
from sim.analysis.people import PEOPLE_MEASURES, people_by_run, people_words
from sim.analysis.runs import load_runs, summarize
from sim.experiments import Study, caption, complete_runs, write_csv

PANELS = {  # metric: (title, axis label, scale, (lowest, highest) possible value)
    "loss": ("Connectivity loss", "AS pairs no longer reachable (%)", 100, (0, 1)),
    "cross_border_loss": ("Cross-border loss", "cross-border AS pairs lost (%)", 100, (0, 1)),
    "loss_gini": ("Inequality of the loss", "Gini of per-country loss (0 = equal)", 1, (0, 1)),
    "n_segments": ("National segments", "groups of countries still connected (count)", 1, (1, np.inf)),
    "steps_to_fragmentation": ("Time to fragmentation", "steps until loss first reaches the threshold", 1, (1, np.inf)),
}


def steps_to_fragmentation(metrics: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per run: the first step whose connectivity loss reaches ``threshold`` (NaN: never)."""
    loss = metrics[metrics["metric"] == "loss"]
    first = loss[loss["value"] >= threshold].groupby("run")["step"].min()
    runs = loss.drop_duplicates("run")[["run", "seed", "mechanism.name"]].set_index("run")
    runs["value"] = first.reindex(runs.index)
    return runs.reset_index().assign(metric="steps_to_fragmentation")


def summary_table(metrics: pd.DataFrame, threshold: float) -> pd.DataFrame:
    last = metrics["step"].max()
    final = metrics[(metrics["step"] == last) & metrics["metric"].isin(list(PANELS))]
    ttf = steps_to_fragmentation(metrics, threshold)
    both = pd.concat([final, ttf], ignore_index=True)  # never fragmented: NaN, not counted in n
    table = summarize(both, ["mechanism.name", "metric"]).rename(columns={"mechanism.name": "mechanism"})
    never = ttf["value"].isna().groupby(ttf["mechanism.name"]).sum()
    table["never_fragmented"] = np.where(
        table["metric"] == "steps_to_fragmentation", table["mechanism"].map(never).fillna(0).astype(int), 0
    )
    table.insert(1, "mechanism_label", table["mechanism"].map(mechanism_label))
    return table


def figure_compared(study: Study, table: pd.DataFrame, never_counts: dict, order: list[str], text: str) -> list[Path]:
    fig, axes = new_figure(width=11, height=9.5, nrows=3, ncols=2)
    axes = axes.ravel()
    y = np.arange(len(order))
    for ax, (metric, (title, label, scale, (low, high))) in zip(axes[: len(PANELS)], PANELS.items(), strict=True):
        cell = table[table["metric"] == metric].set_index("mechanism").reindex(order)
        mean = cell["mean"].to_numpy() * scale
        # the interval drawn within the values the metric can take
        ci = np.clip(cell[["ci_low", "ci_high"]].to_numpy(), low, high) * scale
        err = np.vstack([mean - ci[:, 0], ci[:, 1] - mean])
        ax.barh(
            y, np.nan_to_num(mean), xerr=np.nan_to_num(np.clip(err, 0, None)), color="tab:blue", alpha=0.8, capsize=2
        )
        ax.set_yticks(y, [mechanism_label(m) for m in order] if ax in (axes[0], axes[2], axes[4]) else [])
        ax.invert_yaxis()
        ax.set(title=title, xlabel=label)
        ax.set_xlim(left=0)
        if metric == "steps_to_fragmentation":
            ax.set_xlim(right=max(ax.get_xlim()[1], 1))  # even when no run fragmented
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole steps
            for i, m in enumerate(order):
                never, n = never_counts.get(m, (0, 0))
                if never:  # just after the bar (or the axis, when no run fragmented)
                    note = "never reached" if never == n else f"never in {never} of {n} runs"
                    xy = (np.nan_to_num(mean[i]), i)
                    ax.annotate(note, xy, xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    axes[5].axis("off")
    return save(fig, study.out, "mechanisms_compared", text)


def figure_over_time(study: Study, metrics: pd.DataFrame, order: list[str], text: str) -> list[Path]:
    """Mean loss per step for each mechanism: lines only (eleven bands would hide each other; the intervals are
    in ``mechanisms_compared``), each with its own colour and dash so that equal curves stay visible."""
    series = summarize(metrics[metrics["metric"] == "loss"], ["mechanism.name", "step"])
    fig, ax = new_figure(1, width=10, height=4.8)
    colors = matplotlib.colormaps["tab10"].colors
    dashes = ["-", "--", ":", "-."]
    for i, name in enumerate(order):
        cell = series[series["mechanism.name"] == name].sort_values("step")
        ax.plot(
            cell["step"],
            cell["mean"] * 100,
            label=mechanism_label(name),
            color=colors[i % 10],
            linestyle=dashes[(i // 10 + i) % 4],
            linewidth=1.8,
        )
    ax.set(
        title="Connectivity loss over time, by coordination mechanism (mean over seeds)",
        xlabel="step (policy cycle)",
        ylabel="AS pairs no longer reachable (%)",
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    loss_axis(ax, float(series["mean"].min()) * 100)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return save(
        fig,
        study.out,
        "loss_over_time",
        text + " Lines only: means over seeds (their intervals are in "
        "mechanisms_compared); equal means overlap (here M8 = M0, M5+M6 = M5).",
    )


def headline_matrix(study: Study, mechanism: str, n: int) -> pd.DataFrame:
    """Reachability retained (final / baseline, mean over seeds) between the ``n`` countries with most ASes,
    ordered by clustering (countries that stay connected sit together)."""
    runs = [r for r in complete_runs(study.runs) if r.cfg["mechanism"]["name"] == mechanism]
    topo = study.topology()
    counts = pd.Series(topo.ases_per_country(), index=list(topo.country_codes))
    retained = []
    for run in runs:
        final, base = run.matrix("country_matrix.csv"), run.matrix("country_matrix_baseline.csv")
        codes = [c for c in counts.sort_values(ascending=False, kind="stable").index if c in final.index][:n]
        retained.append((final.loc[codes, codes] / base.loc[codes, codes]).clip(upper=1.0).to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a country no seed sampled: NaN
        mean = pd.DataFrame(np.nanmean(retained, axis=0), index=codes, columns=codes)
    filled = mean.fillna(1.0).to_numpy()
    order = leaves_list(linkage(filled, method="average")) if len(filled) > 2 else np.arange(len(filled))
    codes = [mean.index[i] for i in order]
    return mean.loc[codes, codes]


def figure_heatmap(study: Study, matrix: pd.DataFrame, mechanism: str, text: str) -> list[Path]:
    fig, ax = new_figure(1, width=9.5, height=8.5)
    ax.grid(False)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="lightgrey")
    im = ax.imshow(matrix.to_numpy() * 100, cmap=cmap, vmin=0, vmax=100)
    ticks = [country_label(c) for c in matrix.index]
    ax.set_xticks(range(len(ticks)), ticks, rotation=90, fontsize=7)
    ax.set_yticks(range(len(ticks)), ticks, fontsize=7)
    ax.set(
        title=f"Who can still reach whom: {mechanism_label(mechanism)}",
        xlabel="destination country",
        ylabel="source country",
    )
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    bar.set_label("reachable AS pairs retained (% of baseline)")
    return save(fig, study.out, "headline_heatmap", text)


def figure_country_loss(study: Study, losses: pd.DataFrame, mechanism: str, text: str) -> list[Path]:
    fig, ax = new_figure(1, width=8, height=0.28 * len(losses) + 1.5)
    y = np.arange(len(losses))
    mean = losses["mean"].to_numpy() * 100
    ci = np.clip(losses[["ci_low", "ci_high"]].to_numpy(), 0, 1) * 100  # a loss lies in [0, 100] %
    err = np.vstack([mean - ci[:, 0], ci[:, 1] - mean])
    ax.barh(y, mean, xerr=np.nan_to_num(np.clip(err, 0, None)), color="tab:red", alpha=0.8, capsize=2)
    ax.set_yticks(y, [country_label(c) for c in losses["code"]])
    ax.invert_yaxis()
    ax.set(
        title=f"Countries losing most: {mechanism_label(mechanism)}",
        xlabel="the country's AS pairs with the world no longer reachable (%)",
        xlim=(0, min(100.0, max(1.0, float(ci[:, 1].max()) * 1.1))),  # the largest interval, at most 100%
    )
    percent_axis(ax, "x")
    return save(fig, study.out, "headline_country_loss", text)


def people_tables(states: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per run, per mechanism) population measures at the last step: ``people_by_seed`` and its summary."""
    by_seed = people_by_run(states, ["run", "seed", "mechanism.name"])
    table = summarize(by_seed, ["mechanism.name", "metric"]).rename(columns={"mechanism.name": "mechanism"})
    table["order"] = table["metric"].map(PEOPLE_MEASURES.index)  # 1%, 10%, 50%, weighted mean: as the docs list
    table = table.sort_values(["mechanism", "order"], kind="stable").drop(columns="order")
    table.insert(1, "mechanism_label", table["mechanism"].map(mechanism_label))
    return by_seed.drop(columns="run").rename(columns={"mechanism.name": "mechanism"}), table


def headline_people_sentence(people: pd.DataFrame, mechanism: str) -> str:
    """The headline's share of people in countries losing more than 10%, in words, from ``people.csv``."""
    row = people[(people["mechanism"] == mechanism) & (people["metric"] == "pop_frac_over_10pct")].iloc[0]
    return (
        f"{people_words(row['mean'], row['ci_low'], row['ci_high'])} of the world's people live in countries "
        f"losing more than 10% of their reach"
    )


def figure_maps(study: Study, head: pd.DataFrame, people: pd.DataFrame, mechanism: str, text: str) -> list[Path]:
    """The headline's world maps: per-country loss (mean over seeds) and where extraterritorial rules are."""
    loss = head.groupby("code")["loss"].mean()
    paths = figure_world_maps(
        [("", loss.to_dict())],
        LOSS_SCALE,
        study.out,
        "headline_map",
        f"Who loses reach with the world: {mechanism_label(mechanism)}\n{headline_people_sentence(people, mechanism)}",
        text + " Per country: mean loss over seeds; people: Natural Earth population estimates (people.csv).",
    )
    adopted = head.groupby("code")["adopted"].mean()
    return paths + figure_world_maps(
        [("", adopted.to_dict())],
        ADOPTED_SCALE,
        study.out,
        "adoption_map",
        f"Where the extraterritorial rules are: {mechanism_label(mechanism)}",
        text + " Colour: share of seeds in which the state has adopted an extraterritorial rule by the last step.",
    )


def figure_memberships(study: Study, ends: pd.DataFrame, order: list[str], text: str) -> list[Path]:
    """Who joins: for each mechanism whose states join something (complying with a leader, a forum, the public-core
    norm), the share of seeds in which each state is a member at the last step. None when no state ever joins (or
    the runs predate the ``memberships`` column)."""
    if MEMBERSHIP.source not in ends:
        return []
    member = ends.assign(member=MEMBERSHIP.per_run(ends[MEMBERSHIP.source]))
    shares = member.groupby(["mechanism.name", "code"])["member"].mean()
    panels = [
        (mechanism_label(m), shares[m].to_dict())
        for m in order
        if m in shares.index.get_level_values(0) and shares[m].max() > 0
    ]
    if not panels:
        return []
    return figure_world_maps(
        panels,
        MEMBERSHIP.scale,
        study.out,
        "membership_map",
        "Who joins the coordination mechanisms, at the last step",
        text + " Colour: share of seeds in which the state is a member (complied with the leader, M1; forum, M5; "
        "public-core norm, M6); mechanisms whose states join nothing are not drawn.",
        ncols=2,
    )


def analyze(study: Study) -> list[Path]:
    a = study.analysis
    threshold = float(a.get("fragmentation_loss", 0.1))
    headline = str(a.get("headline_mechanism", "m0"))
    metrics, states, _, _ = load_runs(study.runs)
    order = list(dict.fromkeys(sorted(metrics["mechanism.name"].unique(), key=lambda m: (len(m) > 2, m))))
    table = summary_table(metrics, threshold)
    ttf = steps_to_fragmentation(metrics, threshold)
    never_counts = {m: (int(g["value"].isna().sum()), len(g)) for m, g in ttf.groupby("mechanism.name")}
    paths = [write_csv(table, study.out / "mechanisms.csv")]
    last = int(metrics["step"].max())
    seeds = int(metrics.groupby("mechanism.name")["seed"].nunique().min())
    intensity = f"{study.cfg.scenario.adoption_frac:.0%} of states (largest markets) may adopt extraterritorial rules"
    text = caption(
        study,
        metrics["run"].nunique(),
        seeds,
        last,
        f"{intensity}; time to fragmentation: first step with loss ≥ {threshold:.0%}.",
    )
    paths += figure_compared(study, table, never_counts, order, text)
    paths += figure_over_time(study, metrics, order, text)

    head = states[(states["step"] == last) & (states["mechanism.name"] == headline)]
    losses = summarize(head, ["code"], value="loss").sort_values(["mean", "code"], ascending=[False, True])
    paths.append(write_csv(losses, study.out / "headline_country_loss.csv"))
    head_runs = head["run"].nunique()
    head_text = caption(study, head_runs, seeds, last, f"{intensity}; step {last}.")
    paths += figure_country_loss(study, losses.head(int(a.get("bar_countries", 25))), headline, head_text)
    by_seed, people = people_tables(states)
    paths += [write_csv(people, study.out / "people.csv"), write_csv(by_seed, study.out / "people_by_seed.csv")]
    paths += figure_maps(study, head, people, headline, head_text)
    paths += figure_memberships(study, states[states["step"] == last], order, text)
    matrix = headline_matrix(study, headline, int(a.get("heatmap_countries", 30)))
    paths.append(write_csv(matrix.reset_index(names="source"), study.out / "headline_country_matrix.csv"))
    paths += figure_heatmap(
        study,
        matrix,
        headline,
        head_text + f" Countries: the {len(matrix)} with most ASes, ordered by clustering; "
        "grey: no source sampled in the country.",
    )
    return paths
