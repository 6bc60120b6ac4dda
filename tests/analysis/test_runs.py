"""A sweep's run folders read as tables: the same tables whether a run wrote Parquet beside its CSVs or CSVs only
(a folder written before Parquet), and the reading's progress reported folder by folder."""

from __future__ import annotations

import shutil

import pandas as pd

from sim.analysis.runs import load_runs
from sim.runner.compose import compose, run_yaml, to_run_config
from sim.runner.run import LONG_TABLES, execute


def test_load_runs_reads_parquet_or_csv_alike(tmp_path):
    with_parquet, csv_only = tmp_path / "parquet", tmp_path / "csv"
    for seed in (0, 1):
        cfg = compose(["topology.n_ases=600", "n_sources=64", "scenario.steps=2", f"seed={seed}"])
        execute(to_run_config(cfg), run_yaml(cfg), with_parquet / f"seed={seed}")
    shutil.copytree(with_parquet, csv_only)
    for name in LONG_TABLES:
        for parquet in csv_only.glob(f"*/{name}.parquet"):
            parquet.unlink()
    assert not list(csv_only.rglob("*.parquet")) and len(list(with_parquet.rglob("*.parquet"))) == 6
    calls = []
    metrics, states, varying, skipped = load_runs(with_parquet, progress=lambda done, total: calls.append(done))
    old_metrics, old_states, old_varying, old_skipped = load_runs(csv_only)
    pd.testing.assert_frame_equal(metrics, old_metrics)
    pd.testing.assert_frame_equal(states, old_states)
    assert (varying, skipped) == (old_varying, old_skipped) == ([], [])
    assert metrics["run"].nunique() == 2 and states["code"].notna().all()
    assert calls == [0, 1, 2]
    no_states = load_runs(with_parquet, states=False)  # the metrics alone: the same metrics, no states
    pd.testing.assert_frame_equal(no_states[0], metrics)
    assert no_states[1] is None and no_states[2:] == (varying, skipped)
