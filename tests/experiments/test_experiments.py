"""The experiments (``fragsim-experiment``): a smoke run of each on a tiny synthetic Internet, checking that its
figures and tables are written and hold the expected columns and plausible values; the case-study measures on
a hand-drawn world; and the command's errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.cases import (
    border_shares,
    cut_off_without,
    foreign_pairs,
    foreign_reach,
    involvement,
    other_losers,
    pair_measures,
)
from tests.worlds import world

SMALL = ["topology.n_ases=1000"]


def experiment(tmp_path: Path, *args: str) -> Path:
    """Run ``fragsim-experiment`` in ``tmp_path`` (its runs/ go there) on synthetic data; returns the results
    folder of the (single) experiment named first."""
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "sim.cli.experiment", *args, "--data", "synthetic", "--out", str(out)]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / args[0]


def table(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    df = pd.read_csv(folder / name, keep_default_na=False, na_values=[""])
    assert set(columns) <= set(df.columns), f"{name}: missing {set(columns) - set(df.columns)}"
    assert len(df), f"{name} is empty"
    return df


def figures(folder: Path, *names: str) -> None:
    for name in names:
        png, svg = folder / f"{name}.png", folder / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000, png
        text = svg.read_text()
        assert "<svg" in text and "Data: synthetic Internet" in text, svg  # the caption line is in the figure
        assert "dc:date" not in text  # no date: the same results give the same bytes


def between(values, low: float, high: float) -> bool:
    v = np.asarray(values, float)
    return bool(np.all((v >= low - 1e-9) & (v <= high + 1e-9)))


@pytest.mark.integration
def test_baseline(tmp_path):
    out = experiment(tmp_path, "baseline", *SMALL)
    df = table(
        out,
        "baseline_facts.csv",
        ["data", "n_ases", "n_p2c", "n_p2p", "n_countries", "reachable_pairs", "reach_frac", "cross_border_share"],
    )
    assert df["n_ases"].tolist() == [1000]
    assert 0 < df["reachable_pairs"][0] <= 1000 * 999 and between(df["reach_frac"], 0.5, 1)
    figures(out, "baseline")


@pytest.mark.integration
def test_tipping_points(tmp_path):
    out = experiment(
        tmp_path,
        "tipping_points",
        *SMALL,
        "scenario.steps=3",
        "n_sources=128",
        "seed=0,1",
        "mechanism=m0,m5",
        "analysis.sweeps.adoption.values=[0,0.1,1]",
        "analysis.sweeps.severity.values=[0,0.3]",
    )
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 1 and sorted(p.name for p in folders[0].iterdir()) == ["adoption", "severity"]
    for axis, n_runs in (("adoption", 12), ("severity", 8)):  # mechanisms x seeds x grid points
        assert sum(p.is_dir() for p in (folders[0] / axis).iterdir()) == n_runs
    tips = table(
        out,
        "tipping_points.csv",
        ["mechanism", "axis", "threshold", "mean", "ci_low", "ci_high", "n_seeds", "n_censored", "n_below"],
    )
    assert len(tips) == 2 * 2 * 2  # mechanisms x axes x thresholds
    assert ((tips["n_crossed"] + tips["n_censored"] + tips["n_below"]) == tips["n_seeds"]).all()
    assert (tips["n_seeds"] == 2).all() and (tips["n_states"] == 63).all()
    crossed = tips.dropna(subset=["mean"])
    top = crossed["axis"].map({"adoption": 1.0, "severity": 0.3})
    assert ((crossed["mean"] > 0) & (crossed["mean"] <= top)).all()  # a crossing lies within the swept range
    assert (tips.loc[tips["n_crossed"] == 0, "mean"].isna()).all()  # censored: no number
    curves = table(out, "loss_vs_intensity.csv", ["mechanism", "axis", "intensity", "metric", "mean", "n"])
    assert (curves["n"] == 2).all() and between(curves["mean"], 0, 1)
    adoption = curves[curves["axis"] == "adoption"]
    assert (adoption.loc[adoption["intensity"] == 0, "mean"] == 0).all()  # nobody may adopt: nothing is lost
    by_seed = table(out, "tipping_points_by_seed.csv", ["mechanism", "axis", "seed", "threshold", "value", "status"])
    assert set(by_seed["status"]) <= {"crossed", "beyond", "below"} and len(by_seed) == 2 * 2 * 2 * 2
    figures(out, "tipping_points", "loss_vs_intensity")


@pytest.mark.integration
def test_mechanisms(tmp_path):
    out = experiment(
        tmp_path,
        "mechanisms",
        *SMALL,
        "scenario.steps=3",
        "n_sources=128",
        "seed=0,1",
        "mechanism=m0,m5,m5_m6",
        "scenario.adoption_frac=0.5",
    )
    df = table(
        out,
        "mechanisms.csv",
        ["mechanism", "mechanism_label", "metric", "mean", "ci_low", "ci_high", "n", "never_fragmented"],
    )
    assert set(df["mechanism"]) == {"m0", "m5", "m5_m6"}
    assert set(df["metric"]) == {"loss", "cross_border_loss", "loss_gini", "n_segments", "steps_to_fragmentation"}
    loss = df[df["metric"] == "loss"].set_index("mechanism")["mean"]
    assert between(loss, 0, 1) and loss["m0"] > 0
    segments = df[df["metric"] == "n_segments"]["mean"]
    assert (segments >= 1).all()
    ttf = df[df["metric"] == "steps_to_fragmentation"]
    assert ((ttf["n"] + ttf["never_fragmented"]) == 2).all()  # each run fragmented at some step, or never
    losses = table(out, "headline_country_loss.csv", ["code", "mean", "n"])
    assert between(losses["mean"], 0, 1) and losses["mean"].is_monotonic_decreasing
    matrix = pd.read_csv(out / "headline_country_matrix.csv", keep_default_na=False, na_values=[""], index_col=0)
    assert list(matrix.index) == list(matrix.columns) and between(matrix.stack().dropna(), 0, 1)
    figures(out, "mechanisms_compared", "loss_over_time", "headline_heatmap", "headline_country_loss")
    # losses counted in people: per mechanism, the four measures, fractions of the world's population
    people = table(out, "people.csv", ["mechanism", "metric", "mean", "n", "ci_low", "ci_high"])
    assert set(people["metric"]) == {
        "pop_frac_over_1pct",
        "pop_frac_over_10pct",
        "pop_frac_over_50pct",
        "pop_weighted_loss",
    }
    assert set(people["mechanism"]) == {"m0", "m5", "m5_m6"} and (people["n"] == 2).all()
    m0 = people[people["mechanism"] == "m0"].set_index("metric")["mean"]
    assert 1 >= m0["pop_frac_over_1pct"] >= m0["pop_frac_over_10pct"] >= m0["pop_frac_over_50pct"] >= 0
    figures(out, "headline_map", "adoption_map", "membership_map")  # m5: the forum's founders are members


CASE_COLUMNS = [
    "case",
    "country",
    "n_ases",
    "n_country_inferred",
    "cut_off_share",
    "cut_off_share_before",
    "foreign_pairs_retained",
    "domestic_retained",
    "cross_border_retained",
    "world_cost",
    "links_cut",
]


def check_cases(out: Path, prefix: str) -> pd.DataFrame:
    df = table(out, f"{prefix}.csv", CASE_COLUMNS)
    for col in ("cut_off_share", "cut_off_share_before", "foreign_pairs_retained", "cross_border_retained"):
        assert between(df[col], 0, 1), col
    assert ((df["n_country_inferred"] >= 0) & (df["n_country_inferred"] <= df["n_ases"])).all()
    assert (df["links_cut"] > 0).all()
    choke = pd.read_csv(out / f"{prefix}_chokepoints.csv", keep_default_na=False, na_values=[""])
    assert {"case", "asn", "side", "share_before", "share_after", "cut_off_if_failed", "best_path_share"} <= set(
        choke.columns
    )
    if len(choke):
        assert set(choke["side"]) <= {"domestic", "foreign"} and between(choke["cut_off_if_failed"], 0, 1)
        assert between(choke["best_path_share"], 0, 1)
    # the best-path view beside the any-path one: its top network, and whether the two views name the same AS
    assert between(df["top_best_path_share"], 0, 1) and between(df["top_best_path_cut_off_if_failed"], 0, 1)
    assert set(df["views_agree"]) <= {True, False}
    links = pd.read_csv(out / f"{prefix}_link_chokepoints.csv", keep_default_na=False, na_values=[""])
    assert {"case", "country", "asn", "neighbour_asn", "neighbour_role", "newly_cut_off", "cut_off_if_cut"} <= set(
        links.columns
    )
    if len(links):  # border links whose cut alone cuts off some of the country's ASes, those cutting off most first
        assert set(links["neighbour_role"]) <= {"provider", "customer", "peer"} and (links["newly_cut_off"] > 0).all()
        assert between(links["cut_off_if_cut"], 0, 1)
    n_listed = links.groupby("case").size().reindex(df["case"], fill_value=0).to_numpy()
    assert (n_listed <= df["n_chokepoint_links"]).all() and (df["n_chokepoint_links"] <= df["n_border_links"]).all()
    assert list(df.columns[-2:]) == ["n_border_links", "n_chokepoint_links"]  # added last
    people = df[["pop_frac_over_1pct", "pop_frac_over_10pct", "pop_frac_over_50pct", "pop_weighted_loss"]]
    assert between(people.stack(), 0, 1) and (people["pop_frac_over_1pct"] >= people["pop_frac_over_10pct"]).all()
    figures(out, f"{prefix}_map")  # every country's loss on a world map, one panel per case
    losers = table(out, f"{prefix}_other_losers.csv", ["case", "code", "loss", "direct_loss", "collateral_loss"])
    assert between(losers["loss"], 0, 1) and not set(losers["code"]) & set(df["country"]) - {""}
    return df


@pytest.mark.integration
def test_shutdown(tmp_path):
    out = experiment(tmp_path, "shutdown", *SMALL, "scenario=shutdown_eg_2011", "scenario.imposed.0.country=RU")
    df = check_cases(out, "shutdown")
    assert df["cut_off_share"].tolist() == [1.0]  # no exemption on synthetic data: every AS is cut off
    assert df["n_country_inferred"].tolist() == [0]  # the synthetic Internet locates every AS
    assert df["cross_border_retained"].tolist() == [0.0]
    figures(out, "shutdown")


@pytest.mark.integration
def test_sanctions(tmp_path):
    out = experiment(tmp_path, "sanctions", *SMALL, "scenario.imposed.0.target=RU")
    df = check_cases(out, "sanctions")
    assert sorted(df["secondary"].tolist()) == [False, True]
    primary, secondary = (df[df["secondary"] == s].iloc[0] for s in (False, True))
    assert secondary["links_cut"] > primary["links_cut"]  # third-country networks choose a side too
    assert secondary["cross_border_retained"] <= primary["cross_border_retained"]
    figures(out, "sanctions")


@pytest.mark.integration
def test_sovereign_isolation(tmp_path):
    out = experiment(
        tmp_path, "sovereign_isolation", *SMALL, "scenario.imposed.0.country=RU", "scenario.imposed.0.k=1,4"
    )
    df = check_cases(out, "sovereign_isolation").sort_values("k")
    assert df["k"].tolist() == [1, 4]
    assert df["cross_border_retained"].is_monotonic_increasing  # more gateways, more of the world reachable
    figures(out, "sovereign_isolation", "sovereign_isolation_cases")


@pytest.mark.integration
def test_dependence(tmp_path):
    out = experiment(tmp_path, "dependence", *SMALL, "analysis.compare=[RU,CN]", "analysis.candidates=2")
    rank = table(out, "dependence_ranking.csv", ["country", "top_asn", "top_share", "concentration"])
    assert between(rank["top_share"], 0, 1) and rank["top_share"].is_monotonic_decreasing
    assert (rank["concentration"] >= rank["top_share"] ** 2 - 1e-12).all()  # the sum of squares holds the top
    exposure = table(out, "exposure.csv", ["source", "destination", "paths", "crossing", "share"])
    assert between(exposure["share"], 0, 1) and (exposure["crossing"] <= exposure["paths"]).all()
    via = table(out, "exposure_via.csv", ["source", "destination", "via", "paths", "share"])
    assert not ((via["via"] == via["source"]) | (via["via"] == via["destination"])).any()
    compared = table(out, "chokepoints_compared.csv", ["country", "asn", "best_path_share", "cut_off_if_failed"])
    assert set(compared["country"]) == {"RU", "CN"} and between(compared["cut_off_if_failed"], 0, 1)
    figures(out, "dependence", "dependence_map")


@pytest.mark.integration
def test_kernel_scaling(tmp_path):
    out = experiment(
        tmp_path,
        "kernel_scaling",
        "topology.n_ases=500",
        "analysis.sizes=[300,1000]",
        "analysis.source_counts=[16,64]",
        "analysis.repeats=1",
        "analysis.scipy_sources=4",
        "analysis.networkx_sources=2",
    )
    df = table(out, "kernel_scaling.csv", ["panel", "method", "n_ases", "n_sources", "seconds", "basis"])
    assert set(df["method"]) == {"kernel", "scipy", "networkx"} and (df["seconds"] > 0).all()
    assert set(df.loc[df["panel"] == "vs_ases", "n_ases"]) == {300, 1000}
    assert set(df.loc[df["panel"] == "vs_sources", "n_sources"]) == {16, 64, 500}
    assert "measured (all pairs)" in set(df["basis"])
    figures(out, "kernel_scaling")


def test_variants_of_an_experiment_never_share_a_run_folder():
    from sim.cli.experiment import sweep_folder_name

    assert sweep_folder_name("mechanisms", "real", []) == "mechanisms_real"
    assert sweep_folder_name("mechanisms", "real", ["analysis.headline_mechanism=m5"]) == "mechanisms_real"
    a = sweep_folder_name("mechanisms", "real", ["seed=0,1", "scenario.steps=3"])
    assert a == sweep_folder_name("mechanisms", "real", ["scenario.steps=3", "seed=0,1"])  # order does not matter
    assert a.startswith("mechanisms_real_") and a != sweep_folder_name("mechanisms", "real", ["seed=0,1"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["nosuch"], "unknown experiment"),
        (["shutdown", "scenario.steps=-1"], "scenario.steps"),
        (["shutdown", "--analysis-only"], "no run folder"),
        (["tipping_points", "scenario.adoption_frac=0,0.5"], "is swept by analysis.sweeps.adoption"),
        (["tipping_points", "analysis.sweeps.severity.values=[]"], "analysis.sweeps.severity.values must be"),
    ],
)
def test_bad_commands_exit_2_with_one_message(tmp_path, args, message):
    cmd = [sys.executable, "-m", "sim.cli.experiment", *args, "--data", "synthetic"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "results").exists()


# -- the case-study measures on a hand-drawn world -----------------------------------------------------------
#   XA: 1 (transit) -> 2, 3 (stubs);  XB: 4 (transit) -> 5;  1 -- 4 peers;  6 (XB) is a provider of 3.
CASE = dict(
    p2c=[(1, 2), (1, 3), (4, 5), (6, 3)], p2p=[(1, 4)], country={1: "XA", 2: "XA", 3: "XA", 4: "XB", 5: "XB", 6: "XB"}
)


def test_foreign_reach_counts_foreign_ases_reached():
    topo = world(**CASE)
    xa = topo.country_codes.index("XA")
    # 1 reaches 4, 5 (peer, its customer) and 6 through its customer 3? no: 3 is a customer, 6 is 3's provider
    # (valley). 2 reaches 1 then 4, 5. 3 reaches 6 (provider) and via 1: 4, 5.
    assert foreign_reach(topo, xa).tolist() == [2, 2, 3]
    removed = np.zeros(topo.n_links, bool)
    removed[topo.n_p2c] = True  # the peering 1 -- 4
    assert foreign_reach(topo, xa, removed).tolist() == [0, 0, 1]
    gone = np.isin(topo.asns, [6])
    assert foreign_reach(topo, xa, removed, gone).tolist() == [0, 0, 0]


def test_batched_cut_off_and_pair_sums_equal_the_matrix_of_foreign_reach():
    topo = world(**CASE)
    xa = topo.country_codes.index("XA")
    removed = np.zeros(topo.n_links, bool)
    removed[topo.n_p2c] = True
    # row 0 as is; then 6 failing (3 loses its last foreign AS), 1 (counted as cut off itself; 3 keeps 6), 4
    cut = cut_off_without(topo, xa, topo.asn_to_idx([6, 1, 4]), removed)
    assert cut.tolist() == [[True, True, False], [True, True, True], [True, True, False], [True, True, False]]
    assert foreign_pairs(topo, xa) == 7 and foreign_pairs(topo, xa, removed) == 1
    synthetic = sim.synthetic_topology(600, seed=2)
    rng = np.random.default_rng(2)
    removed = rng.random(synthetic.n_links) < 0.1
    country = int(np.argmax(synthetic.ases_per_country()))
    candidates = rng.choice(synthetic.n_ases, 6, replace=False)
    cut = cut_off_without(synthetic, country, candidates, removed)
    assert np.array_equal(cut[0], foreign_reach(synthetic, country, removed) == 0)
    for j, x in enumerate(candidates):
        gone = np.isin(np.arange(synthetic.n_ases), [x])
        assert np.array_equal(cut[1 + j], foreign_reach(synthetic, country, removed, gone) == 0)
    assert foreign_pairs(synthetic, country, removed) == foreign_reach(synthetic, country, removed).sum()


def test_border_shares_before_and_after():
    topo = world(**CASE)
    removed = np.zeros(topo.n_links, bool)
    removed[topo.n_p2c] = True
    df = border_shares(topo, topo.country_codes.index("XA"), removed).set_index("as_idx")
    by_asn = {int(topo.asns[i]): row for i, row in df.iterrows()}
    # cross-border links of XA: 6-3 and 1-4; after the cut only 6-3 is left
    assert by_asn[1]["share_before"] == 0.5 and by_asn[1]["share_after"] == 0
    assert by_asn[3]["share_after"] == 1.0 and by_asn[6]["share_after"] == 1.0


def test_pair_measures_and_other_losers():
    codes = ["XA", "XB", "XC"]
    before = np.array([[2, 4, 4], [4, 2, 4], [4, 4, 2]], float)
    now = np.array([[2, 0, 0], [0, 2, 4], [0, 4, 2]], float)  # XA cut off from both others
    m = pair_measures(codes, now, before, "XA")
    assert m["domestic_retained"] == 1.0 and m["cross_border_retained"] == 0.0 and m["world_cost"] == 0.0
    assert involvement(before).tolist() == [18, 18, 18]
    losers = other_losers(codes, now, before, "XA", top=5)
    assert losers["code"].tolist() == ["XB", "XC"]
    assert np.allclose(losers["direct_loss"], 8 / 18) and np.allclose(losers["collateral_loss"], 0)
