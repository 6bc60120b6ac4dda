"""Runs of a parameter sample (sim.runner.sample): a row's values applied when composing and recorded in the
run's config.yaml (reproducible without the sample file), and bad sample files refused in one line naming the
file and line, fuzzed against an independent strict reading."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.runner.compose import compose_run, structured, to_run_config
from sim.runner.run import execute
from sim.runner.sample import read_sample, sample_text
from sim.runner.schema import ConfigError

KEYS = ["scenario.conflict_tolerance", "scenario.decision.cost_weight", "mechanism.params.rehome_delay", "seed"]
ROWS = [[0.2, 0.75, 2, 3], [1 / 3, 1.25, 0, 4]]


def sample_file(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "sample.csv"
    path.write_text(sample_text(KEYS, ROWS) if text is None else text)
    return path


def value(cfg, key: str):
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


def test_the_sample_text_reads_back_to_the_same_numbers():
    text = sample_text(["a", "b"], [[1 / 3, np.int64(2)], [np.float64(0.1) + 0.2, 7]])
    assert text == "a,b\n0.3333333333333333,2\n0.30000000000000004,7\n"
    with pytest.raises(ValueError, match="row 0 has 1 values for 2 keys"):
        sample_text(["a", "b"], [[1.0]])
    with pytest.raises(ValueError, match="a number or a string"):
        sample_text(["a"], [[True]])


def test_a_row_sets_its_keys_and_nothing_else(tmp_path):
    path = sample_file(tmp_path)
    base = compose_run(["scenario=extraterritorial_wave"])
    for i, row in enumerate(ROWS):
        cfg = compose_run(["scenario=extraterritorial_wave", f"sample={i}", f"paths.samples={path}"])
        assert [value(cfg, k) for k in KEYS] == row and cfg.sample == i
        assert type(cfg.mechanism.params.rehome_delay) is int and type(cfg.seed) is int
        untouched = [
            ("scenario", "profile_spread"),
            ("scenario.decision", "shock_prob"),
            ("mechanism.params", "leader"),
        ]
        assert all(value(cfg, f"{g}.{k}") == value(base, f"{g}.{k}") for g, k in untouched)
    assert compose_run(["scenario=extraterritorial_wave", f"paths.samples={path}"]).seed == base.seed  # no row


@pytest.mark.parametrize(
    "text, args, message",
    [
        (None, ["sample=0", "paths.samples=null"], "sample=0 needs paths.samples"),
        (None, ["sample=2"], "has rows 0 to 1"),
        ("seed\n1\n", ["sample=0", "paths.samples=/no/such.csv"], "paths.samples: no such file '/no/such.csv'"),
        ("", ["sample=0"], "line 1: no header of config keys"),
        ("seed,scenario.steps\n1,2\n3\n", ["sample=0"], "line 3: 1 values for 2 keys"),
        ("scenario.nope\n1\n", ["sample=0"], "line 1: 'scenario.nope' is not a run key"),
        ("paths.data\n/x\n", ["sample=0"], "line 1: 'paths.data' is not a run key"),
        ("scenario.decision\n1\n", ["sample=0"], "line 2: scenario.decision='1'"),
        ("seed\n1\n1.5\n", ["sample=1"], "line 3: seed='1.5'"),
        ("scenario.conflict_tolerance\n1.5\n", ["sample=0"], "conflict_tolerance must be in [0, 1], got 1.5"),
        ("seed\n1\n", ["sample=-1"], "sample=-1: "),
    ],
)
def test_bad_samples_are_one_line_naming_the_file_and_line(tmp_path, text, args, message):
    path = sample_file(tmp_path, text)
    given = args if any(a.startswith("paths.samples") for a in args) else [*args, f"paths.samples={path}"]
    with pytest.raises(ConfigError) as err:
        compose_run(given)
    assert message in str(err.value) and "\n" not in str(err.value)


def strict_row(text: str, index: int) -> list | None:
    """An independent reading of the fuzzed file's row: the values it must give, or None if it must fail."""
    lines = text.split("\n")[:-1]
    header, rows = lines[0].split(","), [ln.split(",") for ln in lines[1:]]
    if header != KEYS or any(len(r) != len(KEYS) for r in rows) or index >= len(rows):
        return None
    out = []
    for key, field in zip(KEYS, rows[index], strict=True):
        integer = key in ("seed", "mechanism.params.rehome_delay")
        pattern = r"[+-]?\d+" if integer else r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
        if not re.fullmatch(pattern, field):
            return None
        number = int(field) if integer else float(field)
        limits = {"scenario.conflict_tolerance": (0, 1)}.get(key, (0, np.inf))
        if not limits[0] <= number <= limits[1]:
            return None
        out.append(number)
    return out


def test_fuzzed_sample_files_give_a_clean_error_or_exactly_their_values(tmp_path):
    rng = np.random.default_rng(12)
    tokens = ["", "abc", "1.5", "-1", "2", "0.25", "1e-1", "nan", "3.0", "True", ".5", "7"]
    for case in range(24):
        rows = [list(map(str, r)) for r in ROWS]
        header = list(KEYS)
        for _ in range(int(rng.integers(1, 3))):
            kind = rng.integers(4)
            r = int(rng.integers(len(rows)))
            if kind == 0:
                rows[r][int(rng.integers(len(rows[r])))] = str(rng.choice(tokens))
            elif kind == 1:
                del rows[r][int(rng.integers(len(rows[r])))]
            elif kind == 2:
                rows[r].append(str(rng.choice(tokens)))
            else:
                header[int(rng.integers(len(header)))] = str(rng.choice(["scenario.nope", "paths.data", "sample"]))
        text = "\n".join(",".join(x) for x in [header, *rows]) + "\n"
        path = tmp_path / f"fuzz{case}.csv"
        path.write_text(text)
        index = int(rng.integers(len(rows)))
        expected = strict_row(text, index)
        try:
            cfg = compose_run([f"sample={index}", f"paths.samples={path}"])
        except ConfigError as exc:
            assert expected is None, f"case {case}: refused {text!r}: {exc}"
            assert "\n" not in str(exc)
            continue
        assert expected is not None, f"case {case}: accepted {text!r}"
        assert [value(cfg, k) for k in KEYS] == expected, f"case {case}: {text!r}"


def test_a_changed_file_is_read_again(tmp_path):
    path = sample_file(tmp_path)
    assert read_sample(path)[1][0][0] == "0.2"
    path.write_text("seed\n9\n")
    assert read_sample(path) == (["seed"], [["9"]])


def test_a_sample_sweep_records_its_values_and_reruns_from_config_yaml_alone(tmp_path):
    path = sample_file(tmp_path)
    exe = shutil.which("fragsim")
    cmd = [exe] if exe else [sys.executable, "-m", "sim.cli.fragsim"]
    args = ["-m", "topology.n_ases=600", "n_sources=64", "scenario.steps=3", "sweep_name=s", "mechanism=m0,m7"]
    proc = subprocess.run(
        [*cmd, *args, "sample=range(2)", f"paths.samples={path}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    folders = sorted((tmp_path / "runs" / "s").glob("mechanism=*"))
    assert [f.name.split(",")[:2] for f in folders] == [
        ["mechanism=m0", "n_sources=64"],
        ["mechanism=m0", "n_sources=64"],
        ["mechanism=m7", "n_sources=64"],
        ["mechanism=m7", "n_sources=64"],
    ]
    assert all("samples" not in f.name for f in folders)  # the file's path names no folder
    for folder in folders:
        recorded = yaml.safe_load((folder / "config.yaml").read_text())
        i = recorded["sample"]
        assert recorded["seed"] == ROWS[i][3] and recorded["scenario"]["conflict_tolerance"] == ROWS[i][0]
        assert recorded["mechanism"]["params"]["rehome_delay"] == ROWS[i][2] and "paths" not in recorded
    path.unlink()  # reproduced from config.yaml alone, without the sample file: the same metrics, byte for byte
    text = (folders[3] / "config.yaml").read_text()
    node = structured()
    node.merge_with(yaml.safe_load(text))
    again = tmp_path / "again"
    assert execute(to_run_config(node), text, again)
    assert (again / "metrics.csv").read_bytes() == (folders[3] / "metrics.csv").read_bytes()
    assert pd.read_csv(again / "metrics.csv").query("metric == 'loss'")["value"].gt(0).any()
