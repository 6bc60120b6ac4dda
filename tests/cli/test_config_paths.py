"""The one Hydra wrapper (sim.runner.compose) and the one data folder (sim.data.paths): configs read from the
package, errors folded to one line, ``paths.data`` from ``$FRAGSIM_DATA`` (else ``./data``) and overridable,
kept out of a run's recorded configuration, and ``fragsim-data fetch`` writing into ``<data>/caida``."""

from __future__ import annotations

import bz2
import http.server
import threading
from pathlib import Path

import pytest
import yaml

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

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_folder_is_the_environment_variable_else_data(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAGSIM_DATA", str(tmp_path))
    assert data_dir() == tmp_path and caida_dir() == tmp_path / "caida"
    monkeypatch.setenv("FRAGSIM_DATA", "")
    assert data_dir() == Path("data")
    monkeypatch.delenv("FRAGSIM_DATA")
    assert data_dir() == Path("data") and caida_dir() == Path("data") / "caida"


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
    assert "Could not find 'mechanism/m9'" in message and "Config search path" not in message
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
