"""The fragsim command end to end, in real subprocesses: run folders, bad configs, kill and resume, launchers
(basic, joblib, Ray on a local cluster bound to 127.0.0.1) giving identical bytes, and the report."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.runner.run import DONE, RESULT_FILES

SMALL = ["topology.n_ases=600", "n_sources=64", "scenario=extraterritorial_wave", "scenario.steps=3"]


def fragsim(cwd: Path, *args: str, timeout: float = 300, env=None) -> subprocess.CompletedProcess:
    exe = shutil.which("fragsim")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "sim.cli.fragsim", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def run_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in RESULT_FILES}


def test_no_arguments_runs_the_default_scenario(tmp_path):
    proc = fragsim(tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "runs" / "single" / "default"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*RESULT_FILES, "meta.json", DONE])
    metrics = pd.read_csv(folder / "metrics.csv")
    assert set(metrics.columns) == {"step", "metric", "value"}
    assert {"loss", "reach_frac", "n_segments"} <= set(metrics.metric)
    assert metrics[metrics.metric == "loss"].value.max() > 0  # the default scenario fragments
    meta = (folder / "meta.json").read_text()
    assert '"git_revision"' in meta and '"wall_time_s"' in meta and '"seed": 0' in meta
    assert "countries_110m.geojson.gz" in json.loads(meta)["outlines"].popitem()[0]  # the people's source, hashed
    assert {"pop_frac_over_10pct", "pop_weighted_loss"} <= set(metrics.metric)  # losses counted in people
    again = fragsim(tmp_path)
    assert "already complete, skipped" in again.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["mechanism=m9"], "mechanism=m9: no such mechanism; the options are m0, m1"),
        (["scenario.adoption_frac=1.5"], "scenario.adoption_frac must be in [0, 1], got 1.5"),
        (["topology=caida", "topology.path=missing.bz2"], "topology.path: no such file '{tmp_path}/missing.bz2'"),
        (["-m", "scenario.adoption_frac=0,1.5"], "scenario.adoption_frac must be in [0, 1], got 1.5"),
        (["mechanism.mechanisms=[m0,m12]"], "mechanism.mechanisms must be among"),
        (["scenario=national_shutdown", "topology.n_ases=100"], "scenario.imposed[0].country: country 'EG' has no AS"),
        (["mechanism=m6", "mechanism.params.protected_roles=[tier1,dns_rot]"], "unknown role(s) ['dns_rot']"),
        (["+scenario.foo=1"], "unknown key 'scenario.foo': 'scenario' has no key 'foo'"),
        (
            ["scenario.decision.pressure_trend=nan"],
            "pressure_trend must be a finite number in [-1,000,000, 1,000,000], got nan",
        ),
    ],
)
def test_bad_configs_give_one_message_and_write_nothing(tmp_path, args, message):
    proc = fragsim(tmp_path, *args)
    assert proc.returncode == 2
    assert proc.stderr.count("fragsim: error:") == 1 and message.format(tmp_path=tmp_path) in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_complete_folder_of_another_configuration_is_an_error_not_a_skip(tmp_path):
    args = ["topology.n_ases=600", "scenario.steps=1"]
    assert fragsim(tmp_path, *args).returncode == 0
    folder = next((tmp_path / "runs" / "single").iterdir())
    config = folder / "config.yaml"
    config.write_text(config.read_text().replace("adoption_frac: 0.5", "adoption_frac: 0.25"))  # an older run
    proc = fragsim(tmp_path, *args)
    assert proc.returncode == 2 and "holds the results of another configuration" in proc.stderr
    assert fragsim(tmp_path, *args, "experiment=tipping_points", "--cfg", "hydra").returncode == 0


@pytest.mark.integration  # a 6-run sweep, killed and resumed
def test_sweep_killed_with_sigkill_resumes_without_loss(tmp_path):
    args = [
        "-m",
        "topology.n_ases=4000",
        "n_sources=256",
        "scenario=extraterritorial_wave",
        "scenario.steps=12",
        "seed=0,1,2,3,4,5",
        "sweep_name=kill",
    ]
    sweep = tmp_path / "runs" / "kill"
    exe = shutil.which("fragsim")
    proc = subprocess.Popen(
        [exe, *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.time() + 240
    while time.time() < deadline:
        done = [p for p in sweep.glob("*") if (p / DONE).is_file()] if sweep.exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    complete = {p.name: (run_bytes(p), (p / DONE).stat().st_mtime_ns) for p in sweep.iterdir() if (p / DONE).is_file()}
    assert 2 <= len(complete) < 6
    started = [p for p in sweep.iterdir() if p.is_dir()]
    resumed = fragsim(tmp_path, *args)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("already complete, skipped") == len(complete)
    assert resumed.stdout.count("done in") == 6 - len(complete)
    folders = [p for p in sweep.iterdir() if p.is_dir()]
    assert len(folders) == 6 and all((p / DONE).is_file() for p in folders)
    for name, (files, mtime) in complete.items():  # nothing that was complete was touched
        assert run_bytes(sweep / name) == files and (sweep / name / DONE).stat().st_mtime_ns == mtime
    assert len(started) >= len(complete)
    assert not list(sweep.rglob(".*.tmp"))


def _private_namespaces() -> list[str]:
    """The ``unshare`` prefix giving a command its own network (only loopback) and PID namespaces: directly as
    root, else inside a user namespace of its own (unprivileged user namespaces, on by default in most kernels).
    The PID namespace confines ``ray stop`` to this cluster and ends every process it left when the script exits.
    Skips (fails under CI=true) where neither is possible, naming why."""
    from tests.shared_data import skip_locally_fail_in_ci

    if not shutil.which("unshare"):
        skip_locally_fail_in_ci("the Ray test needs unshare (util-linux) to give the cluster a loopback-only network")
    prefix = ["unshare", "--net", "--pid", "--fork", "--mount-proc"]
    if os.geteuid() != 0:
        prefix.insert(1, "--map-root-user")
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        skip_locally_fail_in_ci(
            f"the Ray test cannot make a private network namespace ({' '.join(prefix)}): "
            f"{probe.stderr.strip()}; as a non-root user this needs unprivileged user "
            "namespaces (sysctl kernel.unprivileged_userns_clone=1)"
        )
    return prefix


def _ray_in_private_network(tmp_path: Path, sweep_args: list[str]) -> subprocess.CompletedProcess:
    """A real Ray cluster bound to 127.0.0.1: started in network and PID namespaces of its own (only loopback), so
    Ray cannot pick another interface nor stop anyone else's cluster; the 4-job sweep runs through it; the cluster
    is stopped. Ray and fragsim run on this interpreter, so the workers import this checkout's ``sim``."""
    prefix = _private_namespaces()
    # Ray's socket paths must stay under 108 bytes: a short folder of our own rather than the shared /tmp/ray
    ray_tmp = Path(tempfile.mkdtemp(prefix="ray"))
    ray = f"{shlex.quote(sys.executable)} -m ray.scripts.scripts"
    fragsim_cmd = f"{shlex.quote(sys.executable)} -m sim.cli.fragsim"
    script = tmp_path / "ray_sweep.sh"
    script.write_text(
        "\n".join(
            [
                "set -e",
                "ip link set lo up",
                "export RAY_USAGE_STATS_ENABLED=0",
                f"export RAY_TMPDIR={ray_tmp}",
                f"cd {shlex.quote(str(tmp_path))}",
                f"{ray} start --head --node-ip-address=127.0.0.1 --port=6390 --include-dashboard=false --num-cpus=2 "
                f"--disable-usage-stats --temp-dir={ray_tmp} > ray_start.log 2>&1",
                f"trap '{ray} stop --force >/dev/null 2>&1' EXIT",
                # record every listening address, after start and after the sweep (workers included), for the test
                "ss -Hltn > listening.txt",
                f"{fragsim_cmd} "
                + " ".join(shlex.quote(a) for a in sweep_args)
                + " hydra/launcher=ray_cluster hydra.launcher.ray.init.address=127.0.0.1:6390",
                "ss -Hltn >> listening.txt",
            ]
        )
    )
    try:
        return subprocess.run([*prefix, "bash", str(script)], capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)


LOOPBACK = {"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"}
"""Loopback addresses as ``ss`` prints them; a wildcard bind (``0.0.0.0``, ``*``) would not be one."""


def _listening_addresses(tmp_path: Path) -> set[str]:
    """Local addresses of the sockets listening while the cluster ran (``ss -Hltn`` in its namespace): Ray must
    bind 127.0.0.1 itself: the namespace is a second fence, not the only one."""
    lines = (tmp_path / "listening.txt").read_text().splitlines()
    return {line.split()[3].rsplit(":", 1)[0] for line in lines if line.strip()}


@pytest.mark.integration
def test_ray_local_cluster_runs_a_four_job_sweep(tmp_path):
    args = ["-m", *SMALL, "seed=0,1,2,3", "sweep_name=ray"]
    proc = _ray_in_private_network(tmp_path, args)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Local node IP: 127.0.0.1" in (tmp_path / "ray_start.log").read_text().replace("\x1b[37m", "").replace(
        "\x1b[39m", ""
    ).replace("\x1b[1m", "").replace("\x1b[22m", "")
    folders = [p for p in (tmp_path / "runs" / "ray").iterdir() if p.is_dir()]
    assert len(folders) == 4 and all((p / DONE).is_file() for p in folders)
    addresses = _listening_addresses(tmp_path)
    assert "127.0.0.1" in addresses and addresses <= LOOPBACK, addresses


@pytest.mark.integration  # three sweeps, one on a Ray cluster
def test_launchers_give_identical_bytes(tmp_path):
    sweep = ["-m", *SMALL, "seed=0,1", "mechanism=m0,m5"]
    basic = fragsim(tmp_path, *sweep, "sweep_name=basic")
    joblib = fragsim(tmp_path, *sweep, "sweep_name=joblib", "hydra/launcher=local")
    ray = _ray_in_private_network(tmp_path, [*sweep, "sweep_name=ray"])
    for proc in (basic, joblib, ray):
        assert proc.returncode == 0, proc.stderr[-2000:]
    names = sorted(p.name for p in (tmp_path / "runs" / "basic").iterdir() if p.is_dir())
    assert len(names) == 4
    for name in names:
        reference = run_bytes(tmp_path / "runs" / "basic" / name)
        assert run_bytes(tmp_path / "runs" / "joblib" / name) == reference
        assert run_bytes(tmp_path / "runs" / "ray" / name) == reference


def test_report_country_table_averages_each_measure_over_seeds():
    from sim.cli.report import country_table

    states = pd.DataFrame(
        {
            "mechanism.name": ["m5"] * 4,
            "seed": [0, 0, 1, 1],
            "code": ["XA", "XB", "XA", "XB"],
            "loss": [0.2, 0.0, 0.4, 0.1],
            "cross_border_loss": [0.5, 0.0, 1.0, 0.0],
            "adopted": [True, False, False, False],
            "memberships": ["forum", "none", "forum+norm", np.nan],  # NaN: an empty cell read back
        }
    )
    table = country_table(states, ["mechanism.name"]).set_index("code")
    assert list(table.columns) == ["mechanism.name", "loss", "cross_border_loss", "adopted_share", "member_share"]
    assert table["loss"].to_dict() == pytest.approx({"XA": 0.3, "XB": 0.05})
    assert table["cross_border_loss"].to_dict() == pytest.approx({"XA": 0.75, "XB": 0.0})
    assert table["adopted_share"].to_dict() == {"XA": 0.5, "XB": 0.0}
    assert table["member_share"].to_dict() == {"XA": 1.0, "XB": 0.0}
    # a run folder written before these columns existed: loss alone
    assert list(country_table(states[["mechanism.name", "code", "loss"]], ["mechanism.name"]).columns) == [
        "mechanism.name",
        "code",
        "loss",
    ]


def test_report_maps_each_measure_the_runs_recorded(tmp_path):
    from sim.cli.report import figure_country_maps

    country = pd.DataFrame(
        {
            "mechanism.name": ["m0", "m0"],
            "code": ["FR", "BR"],
            "loss": [0.2, 0.0],
            "dependence_top": [0.9, np.nan],  # path measures on: mapped (Brazil hatched)
            "member_share": [np.nan, np.nan],  # nothing recorded: no map
        }
    )
    names = figure_country_maps(country, ["mechanism.name"], tmp_path, "Data: test")
    assert names == ["country_loss_map", "country_dependence_top_map"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.{e}" for n in names for e in ("png", "svg"))
    svg = (tmp_path / "country_dependence_top_map.svg").read_text()
    assert "inbound chosen paths through the most used network" in svg and "Brazil" in svg  # legend; hatched


@pytest.mark.integration  # a 12-run sweep and its report
def test_report_tables_and_figures(tmp_path):
    proc = fragsim(
        tmp_path,
        "-m",
        *SMALL,
        "scenario.adoption_frac=0,1",
        "mechanism=m0,m5",
        "seed=0,1,2",
        "sweep_name=rep",
        "hydra/launcher=local",
    )
    assert proc.returncode == 0, proc.stderr
    exe = shutil.which("fragsim-report")
    rep = subprocess.run([exe, str(tmp_path / "runs" / "rep")], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    out = tmp_path / "runs" / "rep" / "report"
    maps = [f"country_{m}_map" for m in ("loss", "cross_border_loss", "adopted_share", "member_share")]
    for name in ("loss_vs_adoption", "country_loss", "segments_over_time", *maps):
        assert (out / f"{name}.png").stat().st_size > 10_000 and (out / f"{name}.svg").is_file()
    assert not (out / "country_dependence_top_map.png").exists()  # path measures off: nothing to map
    country = pd.read_csv(out / "country_loss.csv", keep_default_na=False, na_values=[""])
    m5 = country[(country["mechanism.name"] == "m5") & (country["scenario.adoption_frac"] == 0)]
    assert m5["member_share"].max() == 1 and (country[country["mechanism.name"] == "m0"]["member_share"] == 0).all()
    assert (country[country["scenario.adoption_frac"] == 0]["adopted_share"] == 0).all()
    final = pd.read_csv(out / "final.csv")
    assert {"scenario.adoption_frac", "mechanism.name", "mean", "sd", "n", "ci_low", "ci_high"} <= set(final.columns)
    assert {"pop_frac_over_10pct", "pop_weighted_loss"} <= set(final.metric)  # losses counted in people
    loss = final[final.metric == "loss"]
    assert (loss.n == 3).all()
    assert np.allclose(loss[loss["scenario.adoption_frac"] == 0]["mean"], 0)  # nobody adopts, nothing lost
    row = loss[(loss["scenario.adoption_frac"] == 1) & (loss["mechanism.name"] == "m0")].iloc[0]
    # the stated formula: mean ± t(0.975, n-1) sd / sqrt(n), checked against the run folders themselves
    values = []
    for folder in (tmp_path / "runs" / "rep").glob("mechanism=m0,*scenario.adoption_frac=1,*"):
        m = pd.read_csv(folder / "metrics.csv")
        values.append(m[(m.metric == "loss") & (m.step == 3)].value.iloc[0])
    half = stats.t.ppf(0.975, 2) * np.std(values, ddof=1) / np.sqrt(3)
    assert np.isclose(row["mean"], np.mean(values)) and np.isclose(row.ci_high, np.mean(values) + half)


LIBRARY = sorted(p.stem for p in (Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("scenario", LIBRARY)
def test_every_library_scenario_composes_and_checks(scenario):
    """Each scenario file composes with the defaults (one that selects its own mechanism, too) and passes the
    model's checks on the topology it is meant for (the real graph for ASN-based events, else the synthetic)."""
    import yaml

    from sim.cli.fragsim import validate
    from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared

    text = yaml.safe_load((Path(__file__).parents[2] / "scenarios" / f"{scenario}.yaml").read_text())
    real = any(ev.get("exempt") for ev in text.get("imposed", []))  # real ASNs: the 2016 graph
    if real:
        require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    args = [f"scenario={scenario}"] + (["topology=caida_2016"] if real else [])
    assert validate(args) == 1


@pytest.mark.parametrize("override", [False, True])
def test_a_run_on_the_data_folders_graph_records_its_files_not_the_folder(tmp_path, override):
    """``topology=caida_2016`` reads ``${paths.data}`` ($FRAGSIM_DATA, set to the shared data by conftest, or
    ``paths.data=...``): the run folder's config.yaml holds the resolved file paths and no ``paths`` key, and
    the data folder does not name the run's folder."""
    import yaml

    from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared

    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    args = ["topology=caida_2016", "scenario=status_quo", "scenario.steps=1", "n_sources=64"]
    proc = fragsim(tmp_path, *args, *([f"paths.data={AS_REL_2016.parents[1]}"] if override else []))
    assert proc.returncode == 0, proc.stderr
    (folder,) = (tmp_path / "runs" / "single").iterdir()
    assert folder.name == "n_sources=64,scenario.steps=1,scenario=status_quo,topology=caida_2016"
    recorded = yaml.safe_load((folder / "config.yaml").read_text())
    assert "paths" not in recorded
    assert (recorded["topology"]["path"], recorded["topology"]["as_country"]) == (str(AS_REL_2016), str(AS_COUNTRY))
    assert (recorded["topology"]["infer_countries"], recorded["topology"]["as_org"]) == (True, None)
    assert (folder / DONE).is_file()


def test_a_scenario_may_choose_its_mechanism_and_the_command_line_wins():
    from sim.runner.compose import compose

    assert compose(["scenario=forum_formation"]).mechanism.name == "m5"
    assert compose(["scenario=forum_formation", "mechanism=m6"]).mechanism.name == "m6"
    assert compose(["scenario=retaliation_spiral"]).mechanism.name == "m2"


def test_override_values_never_nest_a_run_folder_nor_leave_the_output_folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    args = ["topology.n_ases=200", "scenario.steps=1", "n_sources=16"]
    proc = fragsim(work, "scenario.name=x/../../../escaped", *args)
    assert proc.returncode == 0, proc.stderr
    proc = fragsim(work, "-m", "sweep_name=../../swept", "seed=0,1", *args)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # nothing beside the working folder
    done = sorted(p.relative_to(work / "runs") for p in work.rglob(DONE))
    assert len(done) == 3 and not any(part.startswith(".") for p in done for part in p.parts)  # all in runs/
    single = [p for p in done if p.parts[0] == "single"]
    assert len(single) == 1 and len(single[0].parts) == 3  # single/<run>/DONE: the value nests no folder


def _popen(cwd: Path, *args: str) -> subprocess.Popen:
    """``fragsim ARGS`` started in the background, with Ctrl-C (SIGINT) at its default, as in a terminal."""
    exe = shutil.which("fragsim")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "sim.cli.fragsim", *args]
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_ctrl_c_prints_one_line_leaves_the_run_empty_and_exits_130(tmp_path):
    args = ["topology.n_ases=3000", "scenario.steps=400", "n_sources=64"]
    proc = _popen(tmp_path, *args)
    folder = tmp_path / "runs" / "single" / ",".join(sorted(args))
    deadline = time.monotonic() + 120
    while not folder.is_dir() and time.monotonic() < deadline:  # the run has started stepping
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.count("fragsim: interrupted") == 1
    assert folder.is_dir() and list(folder.iterdir()) == []  # incomplete and empty: the same command resumes it
    again = fragsim(tmp_path, *args[:1], "scenario.steps=2", *args[2:])
    assert again.returncode == 0, again.stderr


def test_two_processes_on_one_run_compute_it_once_and_never_remove_it(tmp_path):
    args = ["topology.n_ases=2000", "scenario.steps=6", "n_sources=64"]
    first, second = _popen(tmp_path, *args), _popen(tmp_path, *args)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    stdout = "".join(out for out, _ in outs)
    assert stdout.count("done in") == 1 and stdout.count("already complete, skipped") == 1
    folder = tmp_path / "runs" / "single" / ",".join(sorted(args))
    assert sorted(p.name for p in folder.iterdir()) == sorted([*RESULT_FILES, "meta.json", DONE])


def test_a_report_never_mixes_runs_of_different_cells_or_lengths_and_reports_one_run(tmp_path):
    small = ["topology.n_ases=600", "n_sources=64"]
    for args in (["scenario.steps=3"], ["scenario=sanctions_secondary", "scenario.steps=2"], ["scenario.steps=5"]):
        proc = fragsim(tmp_path, *small, *args)
        assert proc.returncode == 0, proc.stderr
    (tmp_path / "runs" / "single" / "unfinished").mkdir()
    exe = shutil.which("fragsim-report")
    rep = subprocess.run([exe, "runs/single"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    assert "skipped (incomplete" in rep.stdout and "unfinished" in rep.stdout
    closing = rep.stdout.splitlines()[-2:]  # where the report is, and what to look at
    assert closing[0].startswith("output: runs/single/report (tables timeseries.csv, final.csv, country_loss.csv")
    assert closing[1].startswith("next:   look at runs/single/report/loss_vs_adoption.png")
    out = tmp_path / "runs" / "single" / "report"
    for name in ("timeseries", "final", "country_loss"):  # the tables also as Parquet, the same values
        csv = pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), csv)
    final = pd.read_csv(tmp_path / "runs" / "single" / "report" / "final.csv")
    loss = final[final.metric == "loss"]
    assert len(loss) == 3 and sorted(loss.step) == [2, 3, 5]  # three cells, each at its own last step
    assert (loss.n == 1).all() and loss.ci_low.isna().all()  # one run per cell: no interval
    one = next((tmp_path / "runs" / "single").glob("*sanctions_secondary*"))
    rep = subprocess.run([exe, "-q", str(one)], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0 and (rep.stdout, rep.stderr) == ("", ""), rep.stderr  # quiet: nothing to say
    single = pd.read_csv(one.parent / f"report-{one.name}" / "final.csv")
    assert len(single[single.metric == "loss"]) == 1
    assert sorted(p.name for p in one.iterdir()) == sorted([*RESULT_FILES, "meta.json", DONE])  # left as it was


def test_piped_progress_is_step_lines_with_eta_and_the_run_ends_with_where_and_next(tmp_path):
    args = ["topology.n_ases=600", "n_sources=64", "scenario.steps=4"]
    proc = fragsim(tmp_path, *args)  # stdout and stderr are pipes, as in a cluster job's log
    assert proc.returncode == 0, proc.stderr
    name = ",".join(sorted(args))
    err = proc.stderr.splitlines()
    assert "fragsim: generating the synthetic Internet (600 ASes, seed 0)" in err  # the seconds before step 1
    assert any(line.startswith(f"[{name}] building the model: ") for line in err)
    steps = [line for line in err if line.startswith(f"[{name}] step ")]
    assert steps[0].startswith(f"[{name}] step 1/4 (25%), ") and ", ETA " in steps[0]
    assert steps[-1].startswith(f"[{name}] step 4/4 (100%), ") and "elapsed" in steps[-1]
    assert "\r" not in proc.stderr  # no bar redrawn in place in a log
    assert proc.stdout.splitlines()[-2:] == [
        f"output: runs/single/{name}",
        f"next:   fragsim-report runs/single/{name}   (its tables and figures)",
    ]


def test_quiet_prints_nothing_and_the_same_seed_gives_the_same_parquet_bytes(tmp_path):
    """``-q``: nothing on stdout or stderr when all goes well (errors only); the run is the same, byte for byte,
    Parquet files included, and each Parquet file holds its CSV's table."""
    from sim.runner.files import CSV_READ

    args = ["topology.n_ases=600", "n_sources=64", "scenario=extraterritorial_wave", "scenario.steps=3", "seed=4"]
    loud, quiet = tmp_path / "loud", tmp_path / "quiet"
    loud.mkdir(), quiet.mkdir()
    assert fragsim(loud, *args).returncode == 0
    proc = fragsim(quiet, "-q", *args)
    assert proc.returncode == 0 and (proc.stdout, proc.stderr) == ("", "")
    (a,), (b,) = (list((w / "runs" / "single").iterdir()) for w in (loud, quiet))
    assert run_bytes(a) == run_bytes(b)
    for name in ("metrics", "states", "cut_links"):
        from_csv = pd.read_csv(a / f"{name}.csv", **CSV_READ)
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"), from_csv)


def test_a_sweep_ends_with_its_folder_and_the_report_command(tmp_path):
    proc = fragsim(
        tmp_path, "-m", "topology.n_ases=300", "n_sources=16", "scenario.steps=1", "seed=0,1", "sweep_name=s"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [
        "output: runs/s (2 of 2 run folders complete)",
        "next:   fragsim-report runs/s   (tables and figures of every run)",
    ]
