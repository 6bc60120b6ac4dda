"""The wheel works anywhere: built from a copy of the checkout (``pip wheel . --no-deps``), it holds one
top-level package, ``sim``, with the Hydra configuration and every scenario exactly once, and ``py.typed``; and the
local launcher in Hydra's plugin namespace, ``hydra_plugins.fragsim_launcher``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# what a build never needs at the checkout's top: outputs, caches and earlier builds (a stale build/ could leak
# old files into the wheel); and caches anywhere
TOP_LEVEL_OUTPUTS = {
    ".git",
    "build",
    "dist",
    "runs",
    "results",
    "outputs",
    "multirun",
    "data",
    "test-artifacts",
    "fragsim.egg-info",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    skip = TOP_LEVEL_OUTPUTS if Path(folder) == ROOT else set()
    return {n for n in names if n in skip or n == "__pycache__"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_not_sources)  # configs/scenario stays a symlink
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "-w", str(work / "dist"), "--no-deps", "-q"],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = (work / "dist").glob("fragsim-*.whl")
    with zipfile.ZipFile(built) as zf:
        yield zf


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A virtual environment with the wheel installed (its dependencies taken from this interpreter's packages,
    which the checkout's own editable install does not shadow: the environment's copy comes first)."""
    env = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env)], check=True, timeout=300)
    pip = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", wheel.filename],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return env


@pytest.mark.integration
def test_the_wheel_installs_sim_and_nothing_else(wheel):
    names = wheel.namelist()
    assert len(names) == len(set(names)), [n for n, k in Counter(names).items() if k > 1]
    dist_info = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    assert len(dist_info) == 1
    (info,) = dist_info
    assert wheel.read(f"{info}/top_level.txt").decode().split() == ["hydra_plugins", "sim"]
    assert {n.split("/")[0] for n in names} == {"sim", "hydra_plugins", info}
    plugin = {n for n in names if n.startswith("hydra_plugins/")}
    assert plugin == {"hydra_plugins/fragsim_launcher/__init__.py", "hydra_plugins/fragsim_launcher/local_launcher.py"}
    assert "sim/py.typed" in names
    assert "sim/data/countries_110m.geojson.gz" in names  # the outlines: maps work without the data folder
    assert "sim/dashboard/world_map.vue" in names  # the dashboard's live map
    assert "sim/runner/compose.py" in names and "sim/experiments/baseline.py" in names


@pytest.mark.integration
def test_the_wheel_ships_the_configs_and_every_scenario_once(wheel):
    names = Counter(wheel.namelist())
    configs = [
        p
        for p in (ROOT / "configs").rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and "scenario" not in p.relative_to(ROOT / "configs").parts
        and p.suffix in (".yaml", ".py")
    ]
    for path in configs:
        assert names[f"sim/configs/{path.relative_to(ROOT / 'configs').as_posix()}"] == 1, path
    scenarios = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert len(scenarios) >= 12
    for path in scenarios:
        assert names[f"sim/configs/scenario/{path.name}"] == 1, path
    shipped = {n for n in names if n.startswith("sim/configs/scenario/")}
    assert shipped == {f"sim/configs/scenario/{p.name}" for p in scenarios}  # nothing else under the group
    assert "sim/configs/paths/default.yaml" in names and "sim/configs/config.yaml" in names


@pytest.mark.integration
def test_the_installed_wheel_runs_and_reports_from_an_empty_folder_without_data(installed, tmp_path):
    """The quick start's main job and its report, as a user of the wheel alone would run them: from an empty
    folder, with a data folder that holds nothing (the synthetic Internet and the shipped country outlines suffice);
    the kernels' numpy paths keep the test from compiling the numba ones into the new environment."""
    python = installed / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import sim; print(sim.__file__)"], cwd=tmp_path, capture_output=True, text=True
    )
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr  # the wheel's copy, not the checkout
    work, nodata = tmp_path / "work", tmp_path / "nodata"
    work.mkdir()
    nodata.mkdir()
    env = {
        "PATH": f"{installed / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FRAGSIM_DATA": str(nodata),
        "FRAGSIM_REACH_BACKEND": "numpy",
        "FRAGSIM_MEASURES_BACKEND": "numpy",
    }

    def command(name: str, *args: str) -> None:
        """One of the wheel's console scripts, in the empty folder; it must succeed."""
        proc = subprocess.run(
            [str(installed / "bin" / name), *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    command("fragsim", "topology.n_ases=2000", "scenario.steps=2")
    (folder,) = (work / "runs" / "single").iterdir()
    # a sweep on the local launcher, from the wheel's hydra_plugins
    command("fragsim", "-m", "topology.n_ases=2000", "scenario.steps=1", "seed=0,1", "hydra/launcher=local")
    assert len(list((work / "runs" / "default").glob("*/DONE"))) == 2
    assert (folder / "DONE").exists() and (folder / "metrics.csv").exists()
    command("fragsim-report", str(folder))
    (out,) = (work / "runs" / "single").glob("report-*")
    assert (out / "country_loss_map.png").stat().st_size > 10_000  # drawn from the outlines inside the wheel
