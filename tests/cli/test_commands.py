"""What every console script settles before its heavy imports: ``--version`` at once (no Hydra, Mesa or
matplotlib imported), and a missing extra as one line naming it with exit status 2. Each case runs in a fresh
interpreter, where a missing extra is simulated by setting its module to ``None`` in ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import sim

HEAVY = ("hydra", "mesa", "matplotlib", "solara", "pyarrow", "tqdm")
COMMANDS = {
    "fragsim": "sim.cli.fragsim",
    "fragsim-data": "sim.cli.data",
    "fragsim-report": "sim.cli.report",
    "fragsim-experiment": "sim.cli.experiment",
    "fragsim-dashboard": "sim.cli.dashboard",
}


def call_main(module: str, argv: list[str], hide: tuple[str, ...] = ()) -> dict:
    """Run ``module.main()`` with ``argv`` in a fresh interpreter, the modules ``hide`` made unimportable;
    returns its exit code, stdout, stderr and which heavy stacks it imported."""
    script = textwrap.dedent(f"""
        import contextlib, io, json, sys
        for name in {list(hide)!r}:
            sys.modules[name] = None
        sys.argv = ["cmd", *{argv!r}]
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                from {module} import main
                code = main()
            except SystemExit as exc:
                code = exc.code
        heavy = [m for m in {list(HEAVY)!r} if sys.modules.get(m) is not None]
        print(json.dumps({{"code": code or 0, "out": out.getvalue(), "err": err.getvalue(), "heavy": heavy}}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_version_answers_without_importing_the_heavy_stacks(command):
    result = call_main(COMMANDS[command], ["--version"])
    assert result["code"] == 0
    assert result["out"] == f"fragsim {sim.__version__}\n"
    assert result["heavy"] == []


def test_fragsim_help_lists_what_can_be_run_without_importing_the_heavy_stacks():
    from sim.runner.groups import group_options

    result = call_main("sim.cli.fragsim", ["--help"])
    assert result["code"] == 0 and result["heavy"] == []
    listed = {line.split()[0] for line in result["out"].splitlines() if line.startswith("  ") and line.split()}
    assert set(group_options("scenario")) | set(group_options("mechanism")) <= listed
    assert all(e in result["out"] for e in group_options("experiment"))
    assert "-q/--quiet" in result["out"] and "-v/--verbose" in result["out"]


@pytest.mark.parametrize(
    "command, argv",
    [
        ("fragsim", ["-q", "-v"]),
        ("fragsim-report", ["runs", "-q", "-v"]),
        ("fragsim-experiment", ["shutdown", "-q", "-v"]),
        ("fragsim-data", ["info", "--synthetic", "100", "-q", "-v"]),
    ],
)
def test_quiet_and_verbose_exclude_each_other(command, argv):
    result = call_main(COMMANDS[command], argv)
    assert result["code"] == 2 and result["out"] == ""
    assert "--quiet" in result["err"] and ("not allowed with" in result["err"] or "exclude each other" in result["err"])


def test_an_experiment_ends_with_its_folder_and_its_first_figure(tmp_path, capsys, monkeypatch):
    from sim.cli.experiment import _closing

    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "shutdown").mkdir(parents=True)
    for name in ("b.png", "a.png", "a.csv"):
        (tmp_path / "results" / "shutdown" / name).write_text("")
    _closing(["shutdown"], tmp_path / "results")
    assert capsys.readouterr().out.splitlines() == [
        "output: results/shutdown (tables as CSV, figures as PNG and SVG)",
        "next:   look at results/shutdown/a.png (and 1 more figures)",
    ]


def test_the_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert sim.__version__ == version("fragsim") != "0+unknown"


def test_the_dashboard_without_its_extra_names_the_extra_and_exits_2():
    result = call_main("sim.cli.dashboard", ["--help"], hide=("solara",))
    assert result["code"] == 2
    assert result["out"] == ""
    lines = result["err"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("fragsim-dashboard: error:")
    assert "pip install 'fragsim[dashboard]'" in lines[0] and "solara" in lines[0]
    assert result["heavy"] == []  # the check itself imports nothing


def test_the_dashboard_help_is_its_own_when_the_extra_is_there():
    result = call_main("sim.cli.dashboard", ["--help"])
    assert result["code"] == 0
    assert "--topology" in result["out"] and "--port" in result["out"]


@pytest.mark.parametrize(
    "launcher, module",
    [
        ("ray_local", "hydra_plugins.hydra_ray_launcher"),
        ("ray_cluster", "ray"),
        ("slurm", "hydra_plugins.hydra_submitit_launcher"),
    ],
)
def test_a_cluster_launcher_without_its_extra_names_the_extra_and_exits_2(launcher, module):
    result = call_main("sim.cli.fragsim", ["-m", "seed=0,1", f"hydra/launcher={launcher}"], hide=(module,))
    assert result["code"] == 2
    lines = result["err"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("fragsim: error:")
    assert f"hydra/launcher={launcher}" in lines[0] and "pip install 'fragsim[cluster]'" in lines[0]
    assert result["heavy"] == []


def test_the_kernel_imports_no_model_and_no_plotting():
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sim.reach, sys; print(sorted(m for m in ('mesa', 'matplotlib', 'hydra') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_extra_names_are_checked():
    from sim.cli.preflight import missing_modules

    with pytest.raises(ValueError, match="extra must be one of"):
        missing_modules("dashbord")
    assert missing_modules("dashboard") == []  # the test extra installs it


@pytest.mark.parametrize("command", ["fragsim", "fragsim-report", "fragsim-data", "fragsim-experiment"])
def test_a_reader_that_goes_away_ends_the_command_without_a_traceback(command):
    """``COMMAND --help | head -1``: the pipe closes before the help is written; no BrokenPipeError traceback (exit
    status 1 where the write fails inside ``main``; 0 where the help was buffered and lost at exit)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from {COMMANDS[command]} import main; main()", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # before the interpreter has started: its first write finds no reader
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 1) and "Traceback" not in err and "BrokenPipeError" not in err, err
