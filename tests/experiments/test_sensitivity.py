"""The sensitivity experiment: Morris screening on functions with known effects, the paired robustness shares
on a made-up table, the tipping step, the design (seeded, on its grid, checked), and one small run end to end."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from SALib.sample import morris as morris_sample

from sim.analysis.screening import morris_indices, morris_problem, paired_shares, share_matrix
from sim.experiments import Study
from sim.experiments.sensitivity import SAMPLE_FILE, design, parameters, prepare, tipping_step
from sim.runner.compose import compose_run
from sim.runner.schema import ConfigError
from tests.experiments.test_experiments import between, experiment, figures, table

LEVELS = 4


def known_sample(seed: int = 0, r: int = 12):
    problem = morris_problem(["strong", "weak", "inert", "partner"], [(0, 1), (0, 1), (0, 1), (0, 2)])
    return problem, morris_sample.sample(problem, r, num_levels=LEVELS, seed=seed)


def test_morris_recovers_the_effects_of_a_linear_function():
    problem, X = known_sample()
    Y = 10 * X[:, 0] - 2 * X[:, 1] + 0 * X[:, 2] + 3 * X[:, 3]
    table = morris_indices(problem, X, Y, LEVELS, seed=0).set_index("parameter")
    # an elementary effect of a linear term is its coefficient times the parameter's range, the same everywhere
    assert np.allclose(table["mu_star"], [10, 2, 0, 6]) and np.allclose(table["sigma"], 0)
    assert np.allclose(table["mu"], [10, -2, 0, 6]) and np.allclose(table.loc["inert"], 0)


def test_morris_ranks_and_flags_an_interaction():
    problem, X = known_sample(seed=3)
    Y = 5 * X[:, 0] + X[:, 1] + 4 * X[:, 0] * (X[:, 3] - 1)  # strong and partner interact, weak is additive
    table = morris_indices(problem, X, Y, LEVELS, seed=0).set_index("parameter")
    assert list(table["mu_star"].sort_values(ascending=False).index) == ["strong", "partner", "weak", "inert"]
    assert table.loc["partner", "sigma"] > 0.5 and table.loc["strong", "sigma"] > 0.5  # effects depend on the other
    assert np.isclose(table.loc["weak", "sigma"], 0) and table.loc["inert", "mu_star"] == 0
    assert (table["mu_star_conf"] >= 0).all()


def test_pooling_variants_averages_their_effects():
    problem, X = known_sample()
    Y = 10 * X[:, 0]
    pooled = morris_indices(problem, np.vstack([X, X]), np.concatenate([Y, 0 * Y]), LEVELS, seed=0)
    strong = pooled.set_index("parameter").loc["strong"]
    assert np.isclose(strong["mu_star"], 5) and np.isclose(strong["sigma"], np.std([10] * 12 + [0] * 12, ddof=1))


def test_morris_refuses_partial_trajectories():
    problem, X = known_sample()
    with pytest.raises(ValueError, match="whole trajectories"):
        morris_indices(problem, X[:-1], X[:-1, 0], LEVELS, seed=0)
    with pytest.raises(ValueError, match="not finite"):
        morris_indices(problem, X, np.full(len(X), np.nan), LEVELS, seed=0)


def test_paired_shares_on_a_made_up_table():
    frame = pd.DataFrame(
        [  # sample, mechanism, loss
            (0, "m0", 0.50), (0, "m4", 0.20), (0, "m5", 0.0100),
            (1, "m0", 0.40), (1, "m4", 0.45), (1, "m5", 0.0105),
            (2, "m0", 0.30), (2, "m4", 0.30), (2, "m5", 0.3004),
            (3, "m0", 0.60), (3, "m4", 0.10),
        ],
        columns=["sample", "mechanism", "loss"],
    )  # fmt: skip
    shares = paired_shares(frame, "mechanism", "sample", "loss", tolerance=0.001, order=["m0", "m4", "m5"])
    got = {(r.mechanism_a, r.mechanism_b): r for r in shares.itertuples()}
    assert list(got) == [("m0", "m4"), ("m0", "m5"), ("m4", "m5")]
    assert (got["m0", "m4"].share_a_better, got["m0", "m4"].share_b_better, got["m0", "m4"].share_tied) == (
        0.25,
        0.5,
        0.25,
    )
    assert got["m0", "m5"].n_samples == 3 and got["m0", "m5"].share_b_better == pytest.approx(2 / 3)
    assert got["m0", "m5"].share_tied == pytest.approx(1 / 3)  # 0.3 against 0.3004: within the tolerance
    assert np.allclose(shares[["share_a_better", "share_b_better", "share_tied"]].sum(axis=1), 1)
    exact = paired_shares(frame, "mechanism", "sample", "loss", order=["m0", "m5"])
    assert exact.loc[0, "share_a_better"] == pytest.approx(1 / 3)  # without a tolerance 0.3 beats 0.3004
    matrix = share_matrix(shares, "mechanism")
    assert matrix.loc["m4", "m0"] == 0.5 and matrix.loc["m0", "m4"] == 0.25 and np.isnan(matrix.loc["m5", "m5"])
    with pytest.raises(ValueError, match="unique"):
        paired_shares(pd.concat([frame, frame]), "mechanism", "sample", "loss")


def test_the_tipping_step_is_the_first_step_above_the_threshold_censored_at_steps_plus_one():
    loss = pd.Series([0.0, 0.004, 0.01, 0.03, 0.2], index=range(5))
    assert tipping_step(loss, 0.01, 4) == 3  # 0.01 is not above 1 %
    assert tipping_step(loss, 0.5, 4) == 5  # never: censored at steps + 1
    assert tipping_step(pd.Series([0.2, 0.0], index=[0, 1]), 0.01, 1) == 2  # step 0 is the baseline, not a step


def study(tmp_path: Path, **analysis) -> Study:
    cfg = compose_run(["experiment=sensitivity"])
    cfg = dataclasses.replace(cfg, analysis={**cfg.analysis, **analysis})
    return Study(name="sensitivity", cfg=cfg, out=tmp_path / "out", runs=tmp_path / "runs")


def test_the_reference_design_is_every_parameter_checked():
    params = parameters(study(Path("unused")))
    assert len(params) >= 10 and len({p.key for p in params}) == len(params)
    assert {"scenario.decision.sovereignty_weight", "mechanism.params.harmonization_rate"} <= {p.key for p in params}
    assert all(p.low < p.high and p.why for p in params)


def test_the_design_is_seeded_on_its_grid_and_paired_by_trajectory(tmp_path):
    s = study(tmp_path, trajectories=3, candidate_trajectories=6)
    params = parameters(s)
    k = len(params)
    sample = design(s, params)
    assert len(sample) == 3 * (k + 1) and list(sample.columns) == [p.key for p in params] + ["seed"]
    assert sample["seed"].tolist() == [t for t in range(3) for _ in range(k + 1)]
    for p in params:
        levels = p.low + (p.high - p.low) * np.arange(LEVELS) / (LEVELS - 1)
        assert np.isclose(sample[p.key].to_numpy()[:, None], levels).any(axis=1).all(), p.key
        if p.integer:
            assert sample[p.key].dtype.kind == "i"
    steps = (sample.drop(columns="seed").diff().iloc[1 : k + 1] != 0).sum(axis=1)
    assert (steps == 1).all()  # one parameter moves at a time along a trajectory
    assert design(s, params).equals(sample)
    other = dataclasses.replace(s, cfg=dataclasses.replace(s.cfg, seed=1))
    assert not design(other, params).drop(columns="seed").equals(sample.drop(columns="seed"))


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"name": "scenario.nope", "bounds": [0, 1], "why": "x"}, "name must be a numeric run key"),
        ({"name": "seed", "bounds": [0, 1], "why": "x"}, "name must be a numeric run key"),
        ({"name": "scenario.name", "bounds": [0, 1], "why": "x"}, "name must be a numeric run key"),
        ({"name": "scenario.profile_spread", "bounds": [0.3, 0.1], "why": "x"}, "low < high"),
        ({"name": "scenario.profile_spread", "bounds": [0.1, 0.3]}, "why must say why"),
        ({"name": "scenario.profile_spread", "bounds": [0.1, 0.3], "why": "x", "typo": 1}, "must be a mapping"),
        ({"name": "mechanism.params.forum_seed", "bounds": [1, 5], "why": "x"}, "takes integers: set integer: true"),
        ({"name": "mechanism.params.forum_seed", "bounds": [1, 5], "integer": True, "why": "x"}, "divides"),
        ({"name": "scenario.profile_spread", "bounds": [0.1, 1.3], "why": "x"}, "profile_spread must be in [0, 1]"),
    ],
)
def test_a_bad_parameter_is_one_line_naming_its_entry(spec, message):
    with pytest.raises(ConfigError) as err:
        parameters(study(Path("unused"), parameters=[spec]))
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith("experiment sensitivity")


def test_bad_design_settings_are_refused():
    for settings, message in [({"levels": 5}, "levels must be even"), ({"trajectories": 1}, "an integer ≥ 2")]:
        s = study(Path("unused"), **settings)
        with pytest.raises(ConfigError, match=message):
            design(s, parameters(s))


def test_a_folder_holding_another_sample_is_refused(tmp_path):
    s = study(tmp_path, trajectories=2, candidate_trajectories=2)
    overrides = prepare(s)
    assert overrides[0] == f"sample=range({2 * (len(parameters(s)) + 1)})" and SAMPLE_FILE in overrides[1]
    assert prepare(s) == overrides  # the same design: the folder resumes
    other = dataclasses.replace(s, cfg=dataclasses.replace(s.cfg, seed=5))
    with pytest.raises(ConfigError, match="holds another sample"):
        prepare(other)


SMALL_DESIGN = (
    "analysis.parameters=["
    "{name:scenario.conflict_tolerance,bounds:[0.15,0.45],why:a},"
    "{name:scenario.decision.cost_weight,bounds:[0.5,1.5],why:b},"
    "{name:mechanism.params.harmonization_rate,bounds:[0.1,0.3],why:c}]"
)


@pytest.mark.integration
def test_sensitivity(tmp_path):
    out = experiment(
        tmp_path,
        "sensitivity",
        "topology.n_ases=1000",
        "scenario.steps=3",
        "n_sources=64",
        "mechanism=m0,m5",
        SMALL_DESIGN,
        "analysis.trajectories=2",
        "analysis.candidate_trajectories=4",
        "analysis.label_top=2",
    )
    outputs = table(out, "outputs.csv", ["sample", "mechanism", "seed", "loss", "cross_border_loss", "tipping_step"])
    assert len(outputs) == 2 * 4 * 2 and set(outputs["mechanism"]) == {"m0", "m5"}
    assert between(outputs[["loss", "cross_border_loss"]], 0, 1) and between(outputs["tipping_step"], 1, 4)
    paired = outputs.groupby("sample")["seed"].nunique()
    assert (paired == 1).all()  # every mechanism of a sample point ran with its seed
    morris = table(out, "morris.csv", ["mechanism", "parameter", "output", "mu_star", "mu_star_conf", "sigma", "mu"])
    assert set(morris["mechanism"]) == {"m0", "m5", "all"} and len(morris) == 3 * 3 * 3
    assert (morris[["mu_star", "sigma", "mu_star_conf"]].fillna(0) >= 0).all().all()
    forum = morris[(morris["parameter"] == "harmonization_rate") & (morris["mechanism"] == "m0")]
    assert (forum["mu_star"] == 0).all()  # a forum parameter without the forum: no effect, exactly (same seeds)
    robust = table(
        out, "robustness.csv", ["mechanism_a", "mechanism_b", "share_a_better", "share_b_better", "share_tied"]
    )
    assert robust[["mechanism_a", "mechanism_b"]].values.tolist() == [["m0", "m5"]]
    assert np.isclose(robust[["share_a_better", "share_b_better", "share_tied"]].sum(axis=1), 1).all()
    assert robust["n_samples"].tolist() == [8]
    figures(out, "sensitivity", "sensitivity_by_mechanism")
    runs = sorted(p for p in next((tmp_path / "runs").iterdir()).iterdir() if p.is_dir())
    recorded = yaml.safe_load((runs[0] / "config.yaml").read_text())
    sample = pd.read_csv(runs[0].parent / SAMPLE_FILE)
    row = sample.iloc[recorded["sample"]]
    assert recorded["scenario"]["decision"]["cost_weight"] == row["scenario.decision.cost_weight"]
    assert recorded["seed"] == row["seed"]


def test_without_data_each_experiment_runs_on_its_reference_data(monkeypatch, tmp_path):
    from sim.cli import experiment as cli

    assert cli.reference_data("sensitivity") == "synthetic" and cli.reference_data("mechanisms") == "real"
    seen = []
    monkeypatch.setattr(cli, "run_experiment", lambda name, data, *rest: seen.append((name, data)) or [])
    out = str(tmp_path / "out")  # the command records its timings there: never in the working folder
    assert cli.main(["sensitivity", "mechanisms", "--out", out]) == 0
    assert cli.main(["sensitivity", "--data", "real", "--out", out]) == 0
    assert seen == [("sensitivity", "synthetic"), ("mechanisms", "real"), ("sensitivity", "real")]
