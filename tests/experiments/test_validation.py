"""The validation experiment: its verdict rule on hand-made numbers, its Russia-2022 and cross-border measures on a
hand-drawn world, its refusal of the synthetic Internet, and one run on the real graph."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.experiments import Run, complete_runs
from sim.experiments.cases import final_cuts
from sim.experiments.validation import (
    AT_LEAST,
    AT_MOST,
    OBSERVATIONS,
    Observation,
    cross_border_pairs,
    domestic_pairs,
    links_between,
    verdict,
    worst,
)
from sim.runner.schema import ConfigError
from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared
from tests.worlds import world


@pytest.mark.parametrize(
    ("values", "direction", "bound", "expected"),
    [
        ([0.01, 0.015], AT_MOST, 0.02, "agrees"),
        ([0.01, 0.02], AT_MOST, 0.02, "agrees"),  # on the bound is inside
        ([0.01, 0.03], AT_MOST, 0.02, "disagrees"),  # one seed outside is enough
        ([0.5], AT_MOST, 0.02, "disagrees"),
        ([0.97, 0.99], AT_LEAST, 0.95, "agrees"),
        ([0.95], AT_LEAST, 0.95, "agrees"),
        ([0.94, 0.99], AT_LEAST, 0.95, "disagrees"),
        ([0.843], AT_LEAST, 0.9, "disagrees"),
    ],
)
def test_verdict_reads_the_worst_value_against_the_bound(values, direction, bound, expected):
    assert verdict(values, direction, bound) == expected


def test_worst_is_the_largest_for_at_most_and_the_smallest_for_at_least():
    assert worst([0.2, 0.7, 0.4], AT_MOST) == 0.7
    assert worst([0.2, 0.7, 0.4], AT_LEAST) == 0.2


@pytest.mark.parametrize(("values", "direction"), [([0.1], "below"), ([], AT_MOST), ([0.1, np.nan], AT_LEAST)])
def test_verdict_refuses_a_bad_direction_or_no_number(values, direction):
    with pytest.raises(ValueError, match="direction|values"):
        verdict(values, direction, 0.5)


def test_an_observation_refuses_a_bad_direction_or_a_bound_that_is_no_share():
    with pytest.raises(ValueError, match="direction"):
        Observation("x", "x", "x", "x", "x", "below", 0.5, "x")
    with pytest.raises(ValueError, match="bound"):
        Observation("x", "x", "x", "x", "x", AT_MOST, 2.0, "x")


def test_every_observation_names_its_source_and_a_share_bound():
    assert len({o.key for o in OBSERVATIONS}) == len(OBSERVATIONS) == 6
    for obs in OBSERVATIONS:
        assert obs.source and obs.observed and obs.direction in (AT_MOST, AT_LEAST) and 0 < obs.bound < 1


def russia_world():
    """RU = {10, 11, 12}, US = {174, 3356, 20}, DE = {1299, 30}, AS40 of unknown country. The three Tier-1s
    (174, 3356, 1299) peer; 10 buys transit from 174 only and sells it to 12, which also peers with 3356; 11 buys
    from 3356 and 1299. Everyone reaches everyone before."""
    return world(
        p2c=[(174, 10), (10, 12), (3356, 11), (1299, 11), (174, 20), (1299, 30), (1299, 40)],
        p2p=[(174, 3356), (174, 1299), (3356, 1299), (12, 3356)],
        country={10: "RU", 11: "RU", 12: "RU", 174: "US", 3356: "US", 20: "US", 1299: "DE", 30: "DE"},
        codes=("RU", "US", "DE"),
    )


def test_links_between_finds_the_countrys_links_with_the_named_ases_either_way_round():
    topo = russia_world()
    mask = links_between(topo, 0, [174, 3356])
    ends = topo.asns[topo.link_endpoints()[mask]]
    assert sorted(map(sorted, ends.tolist())) == [[10, 174], [11, 3356], [12, 3356]]
    with pytest.raises(ConfigError, match="russia_2022_asns.*65000"):
        links_between(topo, 0, [174, 65000])


def test_russia_2022_on_a_hand_drawn_world():
    topo = russia_world()
    # before: 3 RU ASes × 5 ASes of known foreign countries, both directions (AS40 has no country: not counted)
    assert cross_border_pairs(topo, 0) == 3 * 5 * 2
    assert domestic_pairs(topo, 0) == 3 * 2
    exits = links_between(topo, 0, [174, 3356])
    # after: 10 and 12 are left with each other only; 11 still reaches the world through 1299
    assert cross_border_pairs(topo, 0, exits) == 1 * 5 * 2
    assert domestic_pairs(topo, 0, exits) == 2
    # the US counts its pairs with RU and DE; nothing of the US's own pairs
    us_before = cross_border_pairs(topo, 1)
    assert us_before == 3 * (3 + 2) * 2


def test_validation_refuses_the_synthetic_internet_in_one_line(tmp_path):
    cmd = [sys.executable, "-m", "sim.cli.experiment", "validation", "--data", "synthetic", "--out", str(tmp_path)]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "validation needs the real graph (--data real)" in lines[0] and "AS174" in lines[0]
    assert not (tmp_path / "runs").exists()  # refused before any run


COLUMNS = [
    "observation",
    "observed",
    "source",
    "measure",
    "tolerance",
    "direction",
    "bound",
    "model_mean",
    "model_min",
    "model_max",
    "seeds",
    "randomness",
    "verdict",
    "n_country_inferred",
]


@pytest.mark.integration
@pytest.mark.real_data
def test_validation_on_the_real_graph(tmp_path, real_topology):
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    out = tmp_path / "results"
    # the default parameters and seeds 0-4, as the experiment runs: every observation must agree
    cmd = [sys.executable, "-m", "sim.cli.experiment", "validation", "--out", str(out)]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    df = pd.read_csv(out / "validation" / "validation.csv", keep_default_na=False, na_values=[""])
    assert list(df.columns) == COLUMNS
    assert df["observation"].tolist() == [o.observation for o in OBSERVATIONS]
    for row in df.itertuples():
        assert row.model_min <= row.model_mean + 1e-12 and row.model_mean <= row.model_max + 1e-12
        assert row.verdict == verdict([row.model_min, row.model_max], row.direction, row.bound)
    disagreeing = df[df["verdict"] != "agrees"]
    assert disagreeing.empty, disagreeing[["observation", "model_min", "model_max", "tolerance"]].to_string()
    assert df.loc[0, "seeds"] == "0 1 2 3 4"
    every = complete_runs(next((tmp_path / "runs").iterdir()))
    runs = {r.cfg["scenario"]["name"]: r for r in every}
    quo = [last_loss(r) for r in every if r.cfg["scenario"]["name"] == "validation_status_quo"]
    assert set(runs) == {"validation_status_quo", "validation_sanctions_ru", "shutdown_ir_2019", "shutdown_sy_2012"}
    by_key = dict(zip([o.key for o in OBSERVATIONS], df.itertuples(), strict=True))
    assert len(quo) == 5 and by_key["status_quo"].model_mean == pytest.approx(np.mean(quo), rel=1e-5)
    ru = real_topology.country_codes.index("RU")
    kept = cross_border_pairs(real_topology, ru, final_cuts(runs["validation_sanctions_ru"], real_topology))
    assert by_key["sanctions_ru"].model_mean == pytest.approx(kept / cross_border_pairs(real_topology, ru), rel=1e-5)
    ir = real_topology.country_codes.index("IR")
    n_ir_inferred = int(real_topology.country_inferred[real_topology.country == ir].sum())
    assert n_ir_inferred > 0  # Iran's unlocated stubs behind Iranian providers
    assert by_key["iran_2019_cut_off"].n_country_inferred == n_ir_inferred
    assert np.isnan(by_key["status_quo"].n_country_inferred)  # about the whole world: no country
    png = out / "validation" / "validation.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "Data: CAIDA" in (png.with_suffix(".svg")).read_text()


def last_loss(run: Run) -> float:
    metrics = run.table("metrics.csv")
    last = metrics["step"].max()
    return float(metrics[(metrics["step"] == last) & (metrics["metric"] == "loss")]["value"].iloc[0])


def test_all_on_synthetic_data_skips_the_validation_and_runs_the_others(tmp_path, monkeypatch, capsys):
    import sim.experiments
    from sim.cli.experiment import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.experiments, "EXPERIMENTS", ("validation",))  # 'all' = the validation alone, fast
    assert main(["all", "--data", "synthetic", "--out", str(tmp_path / "results")]) == 0
    assert "skipped: experiment validation needs the real graph (--data real)" in capsys.readouterr().out
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results" / "validation").exists()
    assert "validation" not in (tmp_path / "results" / "timings.json").read_text()  # the times of what ran
