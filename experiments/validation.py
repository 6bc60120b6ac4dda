"""Validation: public observations the model must reproduce, each held to a tolerance.

Each observation states the observed figure, its source, a bound the model's figure must respect ("at most" or
"at least") and the measure the model's figure is read from:

- **status quo**: the extraterritorial rules in force today (US, CN, RU, the EU-27) from step 1, nobody else
  adopting → connectivity loss at the last step (the run's ``loss`` metric), at most 2%; seeded: the verdict
  uses the worst seed (the largest loss).
- **Russia 2022**: every link between a Russian AS and Cogent (AS174) or Lumen (AS3356) removed → the share of
  Russia's cross-border reachable pairs lost, at most 1% (the reachability kernel on the graph, exact).
- **US primary sanctions on Russia** → the share of Russia's cross-border pairs kept, at least 95% (exact, from
  the links the run cut).
- **Iran, November 2019** (two rows) → the share of Iran's ASes cut off from every foreign AS, at least 90%;
  the share of Iran's domestic reachable pairs kept, at least 90% (exact, from the links the run cut).
- **Syria, November 2012** → the share of Syria's ASes cut off from every foreign AS, at least 90% (exact).

Cross-border pairs of a country: ordered reachable AS pairs with one end in it and the other in another known
country, both directions (every AS is a source). Table ``validation.csv`` (one row per observation: observed,
source, tolerance, the model's figure as mean / min / max over seeds, verdict, and for an observation about one
country how many of its ASes were located by inference from their neighbours, ``n_country_inferred``); figure
``validation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data.topology import Topology
from sim.experiments import Run, Study, complete_runs, write_csv
from sim.experiments.cases import final_cuts, foreign_reach, involvement
from sim.reach.api import reachability
from sim.runner.schema import ConfigError

AT_MOST, AT_LEAST = "at most", "at least"


@dataclass(frozen=True)
class Observation:
    """A public observation: what was observed, by whom, and the bound the model's figure must respect."""

    key: str
    observation: str
    observed: str
    source: str
    measure: str  #: the model's figure, in words (a share, 0–1)
    direction: str  #: AT_MOST or AT_LEAST
    bound: float
    short: str  #: the figure's row label
    seeded: bool = False  #: whether the model's figure depends on the run's seed
    country: str = ""  #: the country the measure is about ("" for the whole world)

    def __post_init__(self):
        if self.direction not in (AT_MOST, AT_LEAST):
            raise ValueError(f"direction must be {AT_MOST!r} or {AT_LEAST!r}, got {self.direction!r}")
        if not 0 <= self.bound <= 1:
            raise ValueError(f"bound must be a share in [0, 1], got {self.bound!r}")

    def tolerance(self) -> str:
        return f"{self.direction} {self.bound:.0%}"


OBSERVATIONS = (
    Observation(
        "status_quo",
        "Status quo: US, CN, RU and EU-27 extraterritorial rules in force",
        "no AS-level fragmentation",
        "public routing data (e.g. CAIDA AS relationships, RIPE NCC RIS) show no AS-level partition while the "
        "CLOUD Act (2018), GDPR (2018), Russia's 242-FZ (2015) and China's CSL (2017) / PIPL (2021) are in force",
        "share of reachable AS pairs lost at the last step",
        AT_MOST,
        0.02,
        "Status quo (US, CN, RU, EU-27 rules)",
        seeded=True,  # operators' choices and the sampled sources
    ),
    Observation(
        "russia_2022",
        "Russia 2022: Cogent (AS174) and Lumen (AS3356) leave Russia",
        "negligible network-level effect; traffic shifted to other transit",
        "Kentik (Doug Madory), analyses of Cogent's and Lumen's exits from Russia, March 2022",
        "share of Russia's cross-border reachable AS pairs lost",
        AT_MOST,
        0.01,
        "Russia 2022 (Cogent, Lumen leave)",
        country="RU",
    ),
    Observation(
        "sanctions_ru",
        "US primary sanctions on Russia (US networks drop their links with RU)",
        "Russia stayed connected (no observed outage)",
        "outage monitors (IODA, Kentik) recorded no Russia-wide outage under the US sanctions of 2014-2022",
        "share of Russia's cross-border reachable AS pairs kept",
        AT_LEAST,
        0.95,
        "US primary sanctions on Russia",
        country="RU",
    ),
    Observation(
        "iran_2019_cut_off",
        "Iran, November 2019 shutdown: international links cut",
        "international connectivity fell to about 5% of normal",
        "NetBlocks, Oracle Internet Intelligence / Kentik and IODA reports, 16-21 November 2019",
        "share of Iran's ASes reaching no foreign AS",
        AT_LEAST,
        0.90,
        "Iran, November 2019 shutdown",
        country="IR",
    ),
    Observation(
        "iran_2019_domestic",
        "Iran, November 2019 shutdown: the national network",
        "the national network kept working",
        "NetBlocks, Oracle Internet Intelligence / Kentik and IODA reports, 16-21 November 2019",
        "share of Iran's domestic reachable AS pairs kept",
        AT_LEAST,
        0.90,
        "Iran, November 2019 shutdown",
        country="IR",
    ),
    Observation(
        "syria_2012_cut_off",
        "Syria, 29 November 2012 shutdown: the country left the Internet",
        "every Syrian network withdrawn from the global routing table for about two days",
        "Renesys (J. Cowie), 'Syrian Internet Shutdown', 29 November 2012; Akamai and Cloudflare reports of the "
        "same day",
        "share of Syria's ASes reaching no foreign AS",
        AT_LEAST,
        0.90,
        "Syria, November 2012 shutdown",
        country="SY",
    ),
)
SCENARIOS = {
    "status_quo": "validation_status_quo",
    "sanctions_ru": "validation_sanctions_ru",
    "iran": "shutdown_ir_2019",
    "syria": "shutdown_sy_2012",
}


def worst(values, direction: str) -> float:
    """The value a verdict is read from.

    Parameters
    ----------
    values : sequence of float
        The model's figure, one per seed (or a single figure).
    direction : str
        ``"at most"`` or ``"at least"``: the kind of bound.

    Returns
    -------
    float
        The largest value for an "at most" bound, the smallest for "at least": the seed farthest from agreeing.

    Raises
    ------
    ValueError
        When ``direction`` is neither, or ``values`` is empty or holds NaN.
    """
    if direction not in (AT_MOST, AT_LEAST):
        raise ValueError(f"direction must be {AT_MOST!r} or {AT_LEAST!r}, got {direction!r}")
    values = np.asarray(values, float)
    if not len(values) or np.isnan(values).any():
        raise ValueError(f"values must be a non-empty list of numbers, got {values.tolist()!r}")
    return float(values.max() if direction == AT_MOST else values.min())


def verdict(values, direction: str, bound: float) -> str:
    """The verdict on an observation: "agrees" when every value respects the bound (the worst one does, a value
    on the bound included), else "disagrees". ``values``, ``direction`` as in :func:`worst`."""
    value = worst(values, direction)
    return "agrees" if (value <= bound if direction == AT_MOST else value >= bound) else "disagrees"


def _country_index(topo: Topology, code: str) -> int:
    if code not in topo.country_codes:
        raise ConfigError(f"validation: country {code!r} is not in the topology")
    return topo.country_codes.index(code)


def cross_border_pairs(topo: Topology, country: int, removed_links=None) -> int:
    """A country's cross-border reachable pairs, exact.

    Parameters
    ----------
    topo : Topology
    country : int
        Index into ``topo.country_codes``.
    removed_links : (n_links,) bool, optional
        Links that no longer exist.

    Returns
    -------
    int
        Ordered pairs ``(s, d)`` with ``d`` reachable from ``s`` (valley-free), one of them in ``country`` and the
        other in another known country, both directions; ASes of unknown country are not counted.

    Notes
    -----
    Every AS is a source: one all-pairs kernel call (about a second on the 55,809 ASes of the 2016 graph).
    """
    pairs = reachability(topo, removed_links=removed_links).country_pairs[: len(topo.country_codes)]
    pairs = pairs[:, : len(topo.country_codes)]  # ASes of unknown country are no country's border
    return int(involvement(pairs)[country] - pairs[country, country])


def links_between(topo: Topology, country: int, asns) -> np.ndarray:
    """(n_links,) bool: the links between an AS of ``country`` (an index) and one of ``asns`` (ASNs), whatever
    their relationship; a ``ConfigError`` naming ``analysis.russia_2022_asns`` when an ASN is not in ``topo``."""
    missing = sorted(set(asns) - set(topo.asns.tolist()))
    if missing:
        raise ConfigError(f"analysis.russia_2022_asns: AS {missing} not in the topology")
    ends = topo.link_endpoints().astype(np.int64)
    named = np.isin(topo.asns[ends], np.asarray(list(asns)))
    home = topo.country[ends] == country
    return (named[:, 0] & home[:, 1]) | (named[:, 1] & home[:, 0])


def domestic_pairs(topo: Topology, country: int, removed_links=None) -> int:
    """Ordered reachable AS pairs within ``country`` (exact: its every AS is a source)."""
    own = topo.asns[topo.country == country].tolist()
    return int(reachability(topo, own, removed_links=removed_links).country_pairs[country, country])


def _runs_of(runs: list[Run], scenario: str) -> list[Run]:
    chosen = [r for r in runs if r.cfg["scenario"]["name"] == scenario]
    if not chosen:
        raise FileNotFoundError(f"validation: no complete run of scenario {scenario!r}")
    return sorted(chosen, key=lambda r: r.cfg["seed"])


def _final_loss(run: Run) -> float:
    metrics = run.table("metrics.csv")
    last = metrics[(metrics["step"] == metrics["step"].max()) & (metrics["metric"] == "loss")]
    return float(last["value"].iloc[0])


def model_figures(study: Study, runs: list[Run]) -> dict[str, tuple[list[float], list[int]]]:
    """Per observation: (the model's figure per run, the runs' seeds; empty for the graph itself)."""
    topo = study.topology()
    ru, ir = _country_index(topo, "RU"), _country_index(topo, "IR")
    ru_before = cross_border_pairs(topo, ru)
    exits = links_between(topo, ru, study.analysis.get("russia_2022_asns", [174, 3356]))
    figures = {"russia_2022": ([1.0 - cross_border_pairs(topo, ru, exits) / ru_before], [])}
    quo = _runs_of(runs, SCENARIOS["status_quo"])
    figures["status_quo"] = ([_final_loss(r) for r in quo], [r.cfg["seed"] for r in quo])
    sanctions = _runs_of(runs, SCENARIOS["sanctions_ru"])
    figures["sanctions_ru"] = (
        [cross_border_pairs(topo, ru, final_cuts(r, topo)) / ru_before for r in sanctions],
        [r.cfg["seed"] for r in sanctions],
    )
    iran = _runs_of(runs, SCENARIOS["iran"])
    ir_before = domestic_pairs(topo, ir)
    cuts = [final_cuts(r, topo) for r in iran]
    figures["iran_2019_cut_off"] = ([float((foreign_reach(topo, ir, c) == 0).mean()) for c in cuts], [])
    figures["iran_2019_domestic"] = ([domestic_pairs(topo, ir, c) / ir_before for c in cuts], [])
    seeds = [r.cfg["seed"] for r in iran]
    for key in ("iran_2019_cut_off", "iran_2019_domestic"):
        figures[key] = (figures[key][0], seeds)
    syria = _runs_of(runs, SCENARIOS["syria"])
    sy = _country_index(topo, "SY")
    figures["syria_2012_cut_off"] = (
        [float((foreign_reach(topo, sy, final_cuts(r, topo)) == 0).mean()) for r in syria],
        [r.cfg["seed"] for r in syria],
    )
    return figures


def inferred_counts(topo: Topology) -> dict[str, int]:
    """For each country an observation is about, how many of its ASes ``topo`` located by inference."""
    codes = sorted({obs.country for obs in OBSERVATIONS if obs.country})
    return {code: int(topo.country_inferred[topo.country == _country_index(topo, code)].sum()) for code in codes}


def validation_table(
    figures: dict[str, tuple[list[float], list[int]]], inferred: dict[str, int] | None = None
) -> pd.DataFrame:
    """One row per observation: observed, source, tolerance, the model's figure (mean, min, max), verdict, and
    (``inferred``, from :func:`inferred_counts`) the ASes of its country located by inference, blank for an
    observation about the whole world."""
    inferred = inferred or {}
    rows = []
    for obs in OBSERVATIONS:
        values, seeds = figures[obs.key]
        rows.append(
            {
                "observation": obs.observation,
                "observed": obs.observed,
                "source": obs.source,
                "measure": obs.measure,
                "tolerance": obs.tolerance(),
                "direction": obs.direction,
                "bound": obs.bound,
                "model_mean": float(np.mean(values)),
                "model_min": float(np.min(values)),
                "model_max": float(np.max(values)),
                "seeds": " ".join(str(s) for s in seeds) or "none (the graph itself)",
                "randomness": "seeded" if obs.seeded else "deterministic",
                "verdict": verdict(values, obs.direction, obs.bound),
                "n_country_inferred": inferred.get(obs.country) if obs.country else None,
            }
        )
    return pd.DataFrame(rows)


def analyze(study: Study) -> list[Path]:
    if study.cfg.topology.kind != "caida":
        raise ConfigError(f"experiment validation needs the real graph: {study.analysis.get('real_data_only')}")
    runs = complete_runs(study.runs)
    table = validation_table(model_figures(study, runs), inferred_counts(study.topology()))
    return [write_csv(table, study.out / "validation.csv"), *validation_figure(study, table, runs)]


VERDICT_COLORS = {"agrees": "tab:green", "disagrees": "tab:red"}


def _short_label(obs: Observation) -> str:
    return f"{obs.short}\n{obs.measure}\n({obs.tolerance()})"


def validation_figure(study: Study, table: pd.DataFrame, runs: list[Run]) -> list[Path]:
    """Each observation on its own row: the tolerance band (shaded), the model's figure (mean, whiskers from the
    smallest to the largest seed) coloured by verdict, and the numbers written beside it."""
    from matplotlib.patches import Patch

    from sim.analysis.figures import new_figure, percent_axis, save

    fig, ax = new_figure(1, width=10, height=1.05 * len(table) + 1.4)
    for i, (obs, row) in enumerate(zip(OBSERVATIONS, table.itertuples(), strict=True)):
        low, high = (0.0, obs.bound) if obs.direction == AT_MOST else (obs.bound, 1.0)
        ax.barh(i, (high - low) * 100, left=low * 100, height=0.7, color="tab:green", alpha=0.18, zorder=1)
        ax.plot([obs.bound * 100] * 2, [i - 0.35, i + 0.35], color="tab:green", linewidth=1.5, zorder=2)
        color = VERDICT_COLORS[row.verdict]
        mean, lo, hi = row.model_mean * 100, row.model_min * 100, row.model_max * 100
        xerr = [[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]]  # rounding can put the mean a hair outside
        ax.errorbar(mean, i, xerr=xerr, fmt="o", color=color, markersize=8, capsize=4, zorder=3)
        spread = f" (seeds: {lo:.1f}–{hi:.1f}%)" if hi - lo > 0.05 else ""
        text = f"model {mean:.1f}%{spread}: {row.verdict}"
        left = hi > 65  # the text goes where there is room: left of the marker near the right edge
        ax.annotate(
            text,
            (lo if left else hi, i),
            xytext=(-10 if left else 10, 0),
            textcoords="offset points",
            ha="right" if left else "left",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
            va="center",
            fontsize=8,
            color=color,
            fontweight="bold",
        )
    ax.set_yticks(range(len(table)), [_short_label(obs) for obs in OBSERVATIONS], fontsize=8)
    ax.invert_yaxis()
    ax.set(
        xlim=(-2, 102),
        xlabel="the model's figure (% of the measure named on the left)",
        title="Validation: the model against public observations (shaded: the observed tolerance)",
    )
    percent_axis(ax, "x")
    handles = [Patch(color="tab:green", alpha=0.18, label="tolerance: what was observed")] + [
        Patch(color=c, label=f"model {v}") for v, c in VERDICT_COLORS.items()
    ]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.1 / len(table)), ncol=3, frameon=False
    )
    return save(fig, study.out, "validation", _validation_caption(study, runs))


def _validation_caption(study: Study, runs: list[Run]) -> str:
    quo = _runs_of(runs, SCENARIOS["status_quo"])
    steps = int(quo[0].cfg["scenario"]["steps"])
    sources = quo[0].cfg["n_sources"]
    sampled = "exact all-pairs" if sources is None else f"{sources:,} sampled sources per step"
    return (
        f"Data: {study.data_label()}. {len(runs)} runs. Status quo: {len(quo)} seed{'s' if len(quo) > 1 else ''}, "
        f"{steps} step{'s' if steps > 1 else ''}, {sampled}, no coordination (M0); marker: mean over seeds, "
        "whiskers: smallest to largest seed; the verdict reads the worst seed. Sanctions, Iran and Syria: one step, "
        "deterministic, measured exactly (all pairs) from the links the runs cut. Russia 2022: the graph minus "
        "every link between a Russian AS and AS174 or AS3356, exact all pairs. Cross-border pairs: ordered "
        "reachable AS pairs with one end in Russia and the other in another known country, both directions."
    )
