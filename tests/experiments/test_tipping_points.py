"""The tipping-point analysis on hand-made numbers: the crossing rule (interpolation, censoring, curves that fall
again), the intervals over seeds, the one-axis sweeps an experiment declares, and the whole analysis on run
folders written by hand (no model run)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from sim.experiments import Study, SubSweep, sub_sweeps
from sim.experiments.tipping_points import Crossing, analyze, first_crossing, seed_crossings, tipping_table
from sim.runner.compose import compose_run
from sim.runner.schema import ConfigError

X = [0.0, 1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("y", "threshold", "value", "status"),
    [
        ([0, 0.005, 0.02, 0.2], 0.01, 1 + 0.005 / 0.015, Crossing.CROSSED),  # between the 2nd and 3rd points
        ([0, 0.005, 0.02, 0.2], 0.1, 2 + 2 * 0.08 / 0.18, Crossing.CROSSED),
        ([0, 0.01, 0.05, 0.5], 0.01, 1.0, Crossing.CROSSED),  # reached exactly on a grid point: that point
        ([0, 0.002, 0.004, 0.008], 0.01, math.nan, Crossing.BEYOND),  # never within the range: censored
        ([0.03, 0.05, 0.2, 0.3], 0.01, math.nan, Crossing.BELOW),  # already there at the lowest intensity
        ([0, 0.2, 0.0, 0.3], 0.1, 0.5, Crossing.CROSSED),  # the first crossing, though the curve falls again
        ([0, 0.05, 0.02, 0.3], 0.04, 0.8, Crossing.CROSSED),
    ],
)
def test_first_crossing_interpolates_between_the_grid_points_around_it(y, threshold, value, status):
    got, got_status = first_crossing(X, y, threshold)
    assert got_status == status
    assert (math.isnan(got) and math.isnan(value)) or got == pytest.approx(value)


def test_first_crossing_lies_between_the_two_grid_points_it_falls_between():
    rng = np.random.default_rng(7)
    for _ in range(200):
        x = np.cumsum(rng.uniform(0.1, 1.0, 6))
        y = rng.uniform(0, 1, 6)
        value, status = first_crossing(x, y, 0.5)
        j = int(np.argmax(y >= 0.5))
        if status == Crossing.CROSSED:
            assert x[j - 1] < value <= x[j] and (y[:j] < 0.5).all()
        else:
            assert math.isnan(value) and (status == Crossing.BELOW) == (y[0] >= 0.5)


@pytest.mark.parametrize(("x", "y"), [([0, 1], [0.1]), ([], []), ([0, 2, 1], [0, 0, 0]), ([0, 0], [0, 1])])
def test_first_crossing_refuses_a_bad_curve(x, y):
    with pytest.raises(ValueError, match="x"):
        first_crossing(x, y, 0.1)


# four seeds of one mechanism on the grid X: two cross 1% within the range, one never does, one starts above it
CURVES = {
    0: [0, 0.005, 0.02, 0.2],
    1: [0, 0.01, 0.05, 0.5],
    2: [0, 0.002, 0.004, 0.008],
    3: [0.03, 0.05, 0.2, 0.3],
}
EXPECTED = {  # threshold: (the crossing seeds' tipping points, censored beyond, below)
    0.01: ([1 + 0.005 / 0.015, 1.0], 1, 1),
    0.1: ([2 + 2 * 0.08 / 0.18, 2 + 2 * 0.05 / 0.45, 1 + 0.05 / 0.15], 1, 0),
}


def final_frame(curves: dict[int, list[float]], mechanism: str = "m0") -> pd.DataFrame:
    return pd.DataFrame(
        [(mechanism, seed, x, y) for seed, ys in curves.items() for x, y in zip(X, ys, strict=True)],
        columns=["mechanism", "seed", "x", "loss"],
    )


def t_interval(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray(values)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return v.mean(), v.mean() - half, v.mean() + half


def test_tipping_table_means_over_the_crossing_seeds_and_counts_the_others():
    crossings = seed_crossings(final_frame(CURVES), [0.01, 0.1])
    assert len(crossings) == 8 and set(crossings["status"]) == {"crossed", "beyond", "below"}
    table = tipping_table(crossings).set_index("threshold")
    for threshold, (values, censored, below) in EXPECTED.items():
        row = table.loc[threshold]
        mean, low, high = t_interval(values)
        assert row["mean"] == pytest.approx(mean)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
        assert (row["n_seeds"], row["n_crossed"], row["n_censored"], row["n_below"]) == (
            4,
            len(values),
            censored,
            below,
        )


def test_a_mechanism_that_never_tips_has_no_number_only_its_count():
    table = tipping_table(seed_crossings(final_frame({0: CURVES[2], 1: CURVES[2]}, "m5"), [0.01]))
    row = table.iloc[0]
    assert row["mechanism"] == "m5" and row["n_censored"] == 2 and row["n_crossed"] == 0
    assert math.isnan(row["mean"]) and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])


def test_sub_sweeps_read_the_declared_axes_in_order():
    axes = sub_sweeps(
        {"sweeps": {"b": {"key": "scenario.steps", "values": [1, 2]}, "a": {"key": "seed", "values": [0]}}}
    )
    assert [a.name for a in axes] == ["b", "a"]
    assert axes[0] == SubSweep("b", "scenario.steps", (1, 2)) and axes[0].override == "scenario.steps=1,2"
    assert sub_sweeps({}) == []


@pytest.mark.parametrize(
    ("sweeps", "message"),
    [
        ([1, 2], "analysis.sweeps must map"),
        ({"Bad name": {"key": "seed", "values": [0]}}, "analysis.sweeps.Bad name: the name"),
        ({"a": {"key": "seed"}}, "analysis.sweeps.a must hold exactly 'key' and 'values'"),
        ({"a": {"key": "seed=1", "values": [0]}}, "analysis.sweeps.a.key must be"),
        ({"a": {"key": "seed", "values": []}}, "analysis.sweeps.a.values must be a non-empty list"),
        ({"a": {"key": "seed", "values": [0, 0]}}, "analysis.sweeps.a.values lists a value twice"),
    ],
)
def test_sub_sweeps_refuse_a_malformed_entry_naming_it(sweeps, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        sub_sweeps({"sweeps": sweeps})


# -- the whole analysis on run folders written by hand ---------------------------------------------------------
ADOPTION = [x / 4 for x in X]  # 0, 1, 2 and 4 of the four states below
SEVERITY = [0.0, 0.1, 0.3]


def write_run(folder: Path, mechanism: str, seed: int, frac: float, spread: float, losses: list[float]) -> None:
    """A complete run folder as ``fragsim`` writes it, with ``losses`` as the loss at steps 1, 2, ..."""
    folder.mkdir(parents=True)
    cfg = {
        "seed": seed,
        "mechanism": {"name": mechanism, "mechanisms": [mechanism]},
        "scenario": {"adoption_frac": frac, "profile_spread": spread},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))
    rows = [(0, "loss", 0.0), (0, "cross_border_loss", 0.0)]
    rows += [(s, m, v) for s, v in enumerate(losses, 1) for m in ("loss", "cross_border_loss")]
    pd.DataFrame(rows, columns=["step", "metric", "value"]).to_csv(folder / "metrics.csv", index=False)
    states = [
        (s, i, 0.0, False, 0, code) for s in range(len(losses) + 1) for i, code in enumerate(["XA", "XB", "XC", "NA"])
    ]
    columns = ["step", "agent", "loss", "adopted", "n_regulations", "code"]
    pd.DataFrame(states, columns=columns).to_csv(folder / "states.csv", index=False)
    (folder / "DONE").write_text("")


def test_analyze_reads_each_axis_folder_at_its_grid_and_the_last_step(tmp_path):
    runs = tmp_path / "runs"
    for seed, ys in CURVES.items():
        for x, y in zip(ADOPTION, ys, strict=True):  # the loss at the last step is y; before, something else
            write_run(runs / "adoption" / f"m0_{seed}_{x:.3f}", "m0", seed, x, 0.15, [0.9, y])
        write_run(runs / "adoption" / f"m5_{seed}", "m5", seed, 0.0, 0.15, [0.0, 0.0])  # one point: below 1%
        write_run(runs / "adoption" / f"stale_{seed}", "m0", seed, 0.75, 0.15, [0.0, 0.0])  # not on the grid
        for x, y in zip(SEVERITY, [0.0, 0.02, 0.4], strict=True):
            write_run(runs / "severity" / f"m0_{seed}_{x}", "m0", seed, 0.5, x, [0.0, y])
    (runs / "adoption" / "unfinished").mkdir()  # no DONE: skipped
    cfg = compose_run(
        [
            "experiment=tipping_points",
            "topology.n_ases=1000",
            f"analysis.sweeps.adoption.values=[{','.join(map(str, ADOPTION))}]",
            f"analysis.sweeps.severity.values=[{','.join(map(str, SEVERITY))}]",
        ]
    )
    paths = analyze(Study(name="tipping_points", cfg=cfg, out=tmp_path / "out", runs=runs))
    assert {p.name for p in paths} >= {"tipping_points.csv", "loss_vs_intensity.csv", "tipping_points.png"}

    tips = pd.read_csv(tmp_path / "out" / "tipping_points.csv", keep_default_na=False, na_values=[""])
    adoption = tips[(tips["axis"] == "adoption") & (tips["mechanism"] == "m0")].set_index("threshold")
    for threshold, (values, censored, below) in EXPECTED.items():  # X = ADOPTION x 4 states
        row = adoption.loc[threshold]
        assert row["mean"] * 4 == pytest.approx(np.mean(values), rel=1e-5)
        assert (row["n_seeds"], row["n_censored"], row["n_below"]) == (4, censored, below)
    assert (tips["n_states"] == 4).all()  # Namibia's code "NA" is a state, not a missing value
    m5 = tips[(tips["axis"] == "adoption") & (tips["mechanism"] == "m5")]
    assert (m5["n_censored"] == 4).all() and m5["mean"].isna().all()
    severity = tips[tips["axis"] == "severity"].set_index("threshold")
    assert severity.loc[0.01, "mean"] == pytest.approx(0.05) and severity.loc[0.01, "n_crossed"] == 4
    assert severity.loc[0.1, "mean"] == pytest.approx(0.1 + 0.2 * 0.08 / 0.38, rel=1e-5)  # CSV: 6 digits
    assert severity.loc[0.1, "ci_low"] == pytest.approx(severity.loc[0.1, "mean"])  # equal seeds: no spread

    curves = pd.read_csv(tmp_path / "out" / "loss_vs_intensity.csv")
    assert 0.75 not in set(curves.loc[curves["axis"] == "adoption", "intensity"])  # the stale run is left out
    m0 = curves[(curves["axis"] == "adoption") & (curves["mechanism"] == "m0") & (curves["metric"] == "loss")]
    assert m0.sort_values("intensity")["mean"].tolist() == pytest.approx(np.mean(list(CURVES.values()), axis=0))
    assert set(curves["metric"]) == {"loss", "cross_border_loss"} and (m0["n"] == 4).all()
    svg = (tmp_path / "out" / "tipping_points.svg").read_text()
    assert "Data: synthetic Internet" in svg and "beyond" in svg


def test_analyze_refuses_a_folder_without_a_run_on_the_grid(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs / "adoption" / "a", "m0", 0, 0.5, 0.15, [0.1])
    write_run(runs / "severity" / "a", "m0", 0, 0.5, 0.1, [0.1])
    cfg = compose_run(["experiment=tipping_points", "analysis.sweeps.adoption.values=[0,1]"])
    with pytest.raises(FileNotFoundError, match="no complete run of .*adoption at scenario.adoption_frac=0,1"):
        analyze(Study(name="tipping_points", cfg=cfg, out=tmp_path / "out", runs=runs))


@pytest.mark.parametrize("thresholds", ["[0,0.1]", "[0.1,0.1]", "[1.5]", "[]"])
def test_analyze_refuses_thresholds_that_are_no_losses(tmp_path, thresholds):
    runs = tmp_path / "runs"
    write_run(runs / "adoption" / "a", "m0", 0, 0.0, 0.15, [0.1])
    write_run(runs / "severity" / "a", "m0", 0, 0.5, 0.0, [0.1])
    cfg = compose_run(["experiment=tipping_points", f"analysis.thresholds={thresholds}"])
    with pytest.raises(ConfigError, match=r"^analysis\.thresholds must be a list of distinct losses in \(0, 1\]"):
        analyze(Study(name="tipping_points", cfg=cfg, out=tmp_path / "out", runs=runs))
