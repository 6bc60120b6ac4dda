"""The one Hydra wrapper (sim.runner.compose) and the one data folder (sim.data.paths): configs read from the
package, errors folded to one line, ``paths.data`` from ``$FRAGSIM_DATA`` (else the checkout's ``data/``, else
the user data folder) the same from any working folder and overridable, relative paths taken from the folder
the command started in (also when Hydra runs the job elsewhere), kept out of a run's recorded configuration, and
``fragsim-data fetch`` writing into ``<data>/caida``."""

from __future__ import annotations

import bz2
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from sim.data import paths as data_paths
from sim.data.paths import caida_dir, data_dir
from sim.runner.compose import (
    compose,
    compose_run,
    job_overrides,
    run_yaml,
    to_run_config,
    without_sweeps,
)
from sim.runner.groups import group_options
from sim.runner.schema import ConfigError
from tests.cli_output import one_error

ROOT = Path(__file__).resolve().parents[2]


FIXTURES = ROOT / "tests" / "data" / "fixtures"


def test_the_data_folder_is_the_environment_variable_else_the_checkouts_data(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAGSIM_DATA", str(tmp_path))
    assert data_dir() == tmp_path and caida_dir() == tmp_path / "caida"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAGSIM_DATA", "rel/../store")  # relative: from the folder the command started in
    assert data_dir() == tmp_path / "store" and data_dir("/elsewhere") == Path("/elsewhere/store")
    for unset in ("", None):
        if unset is None:
            monkeypatch.delenv("FRAGSIM_DATA")
        else:
            monkeypatch.setenv("FRAGSIM_DATA", unset)
        assert data_dir() == ROOT / "data" and caida_dir() == ROOT / "data" / "caida"  # this checkout's
        assert data_paths.data_source() == "the checkout's data folder"


def test_installed_from_a_wheel_the_data_folder_is_the_users(monkeypatch, tmp_path):
    monkeypatch.delenv("FRAGSIM_DATA")
    monkeypatch.setattr(data_paths, "_in_checkout", lambda: False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert data_dir() == tmp_path / "xdg" / "fragsim" and data_paths.data_source() == "the user data folder"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir() == tmp_path / ".local" / "share" / "fragsim"
    cfg = compose(["topology=caida_2016"])  # the configs read where fetch writes
    assert Path(cfg.topology.path).parent == caida_dir() == tmp_path / ".local" / "share" / "fragsim" / "caida"


def _fragsim(cwd: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    exe = shutil.which("fragsim")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "sim.cli.fragsim", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_from_another_folder_the_data_is_found_or_the_error_names_the_folder_searched(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FRAGSIM_DATA"}
    proc = _fragsim(tmp_path, "topology=caida_2016", env={**env, "FRAGSIM_DATA": str(tmp_path / "none")})
    assert proc.returncode == 2
    message = one_error(proc.stderr, "fragsim")
    assert message.startswith("fragsim: error: topology.path: no such file")
    assert f"the data folder searched is {tmp_path / 'none'} ($FRAGSIM_DATA)" in message
    assert "fragsim-data fetch --date 2016-11-01" in message and "FRAGSIM_DATA=FOLDER" in message
    if not (ROOT / "data" / "caida" / "20161101.as-rel.txt.bz2").is_file():  # unset: this checkout's data/
        unset = _fragsim(tmp_path, "topology=caida_2016", env=env).stderr
        assert f"the data folder searched is {ROOT / 'data'} (the checkout's data folder)" in unset
    assert list(tmp_path.iterdir()) == []
    # the same command from another folder reads the same data: its configuration names the same files
    shared = os.environ["FRAGSIM_DATA"]
    cfgs = [
        _fragsim(cwd, "topology=caida_2016", "--cfg", "job", "--resolve", env={**env, "FRAGSIM_DATA": shared}).stdout
        for cwd in (tmp_path, ROOT)
    ]
    assert cfgs[0] == cfgs[1] and f"{shared}/caida/20161101.as-rel.txt.bz2" in cfgs[0]


def test_relative_paths_are_taken_from_the_folder_the_command_started_in(tmp_path, monkeypatch):
    """``topology.path=small.txt`` from ``tmp_path``, also when Hydra runs the job in its output folder
    (``hydra.job.chdir=true``), and a relative ``$FRAGSIM_DATA``: the run reads the files the user named."""
    for name in ("as_rel_small.txt", "as_country_small.csv", "state_owned_small.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "store").mkdir()
    monkeypatch.chdir(tmp_path)
    files = ["topology.path=as_rel_small.txt", "topology.as_country=as_country_small.csv"]
    assert compose_run(["topology=caida", *files]).topology.path == str(tmp_path / "as_rel_small.txt")
    env = {**os.environ, "FRAGSIM_DATA": "store"}
    out = tmp_path / "out"
    args = ["topology=caida", *files, "topology.state_owned=state_owned_small.csv", "scenario.steps=1"]
    proc = _fragsim(tmp_path, *args, "hydra.job.chdir=true", f"hydra.run.dir={out}", env=env)
    assert proc.returncode == 0, proc.stderr
    recorded = yaml.safe_load((out / "config.yaml").read_text())
    assert recorded["topology"]["path"] == str(tmp_path / "as_rel_small.txt")
    assert recorded["topology"]["state_owned"] == str(tmp_path / "state_owned_small.csv")
    assert (out / "DONE").is_file()


def test_topology_paths_follow_the_data_folder_and_the_override(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAGSIM_DATA", "/from/env")
    cfg = compose(["topology=caida_2016"])
    assert cfg.paths.data == "/from/env"
    assert cfg.topology.path == "/from/env/caida/20161101.as-rel.txt.bz2"
    assert cfg.topology.state_owned == "/from/env/state_owned/state_owned_ases.csv"
    cfg = compose(["topology=caida_2016", f"paths.data={tmp_path}"])
    assert cfg.topology.as_country == f"{tmp_path}/geo/as_country_2018.csv.gz"
    with pytest.raises(ConfigError, match=f"topology.path: no such file '{tmp_path}/caida/20161101"):
        compose_run(["topology=caida_2016", f"paths.data={tmp_path}"])


def test_a_run_records_neither_the_data_folder_nor_the_sweep_name():
    cfg = compose(["sweep_name=x"])
    recorded = yaml.safe_load(run_yaml(cfg))
    assert "paths" not in recorded and "sweep_name" not in recorded and "analysis" not in recorded
    assert recorded["seed"] == 0 and recorded["topology"]["kind"] == "synthetic"
    assert to_run_config(cfg).paths.data == str(data_dir())


def test_group_options_list_the_shipped_groups():
    assert group_options("scenario") == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert group_options("topology") == ["caida", "caida_2016", "synthetic"]
    assert group_options("hydra/launcher") == ["local", "ray_cluster", "ray_local", "slurm"]
    with pytest.raises(ValueError, match="'nope' is not a config group"):
        group_options("nope")


def test_hydra_errors_fold_into_one_line_naming_the_problem():
    with pytest.raises(ConfigError) as info:
        compose_run(["mechanism=m9"], context="experiment x")
    message = str(info.value)
    assert "\n" not in message and message.startswith("experiment x: ")
    assert "mechanism=m9: no such mechanism; the options are m0, m1" in message and "Config search path" not in message
    with pytest.raises(ConfigError, match=r"^seed must be an integer ≥ 0, got -1$"):
        compose_run(["seed=-1"], context="not used for a ConfigError")
    with pytest.raises(ConfigError, match="no_such_key"):
        compose_run(["no_such_key=1"])


def test_sweeps_expand_like_hydras_basic_sweeper():
    assert job_overrides(["seed=1"]) == [["seed=1"]]
    jobs = job_overrides(["-m", "seed=0,1", "mechanism=m0,m5"])
    assert len(jobs) == 4 and ["mechanism=m0", "seed=1"] in [sorted(j) for j in jobs]
    declared = job_overrides(["-m", "experiment=tipping_points"])
    assert len(declared) > 1  # the experiment's own hydra.sweeper.params
    assert without_sweeps(["seed=0,1", "scenario.steps=2"]) == ["scenario.steps=2"]


class _Publisher(http.server.BaseHTTPRequestHandler):
    """Serves one small serial-1 AS-relationship file at CAIDA's path for 2016-11-01."""

    body = bz2.compress(b"# a tiny graph\n1|2|-1\n2|3|0\n")

    def do_GET(self):  # noqa: N802 (the handler's name is fixed by http.server)
        if self.path.endswith("/as-relationships/serial-1/20161101.as-rel.txt.bz2"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


def test_fetch_writes_into_the_data_folders_caida(monkeypatch, tmp_path):
    from sim.cli.data import main as data_cli

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("FRAGSIM_DATA", str(tmp_path / "store"))
        base = f"http://127.0.0.1:{server.server_address[1]}/datasets"
        assert data_cli(["fetch", "--date", "2016-11-01", "--base-url", base]) == 0
    finally:
        server.shutdown()
        server.server_close()
    fetched = tmp_path / "store" / "caida" / "20161101.as-rel.txt.bz2"
    assert fetched.read_bytes() == _Publisher.body
    cfg = compose(["topology=caida_2016"])  # the topology config looks exactly there
    assert Path(cfg.topology.path) == fetched
