"""Execute one run and write its folder: write-once, atomic files, complete only with its ``DONE`` marker.

A run folder holds ``config.yaml`` (the resolved configuration), ``metrics.csv`` (long format: step, metric,
value), ``states.csv`` (per state and step), ``country_matrix.csv`` (final reachable fractions by source and
destination country; ``country_matrix_baseline.csv`` the same before any regulation), ``cut_links.csv`` (every
cut link and the regulation that cut it), the long tables again as Parquet (``metrics.parquet``,
``states.parquet``, ``cut_links.parquet``: the same values, see :mod:`sim.runner.files`), ``meta.json`` (git
revision, package versions, seed, data file hashes, wall time) and, last, ``DONE``. A folder without ``DONE``
is incomplete: rerunning the same run clears it and starts again; a folder with ``DONE`` is skipped.

A write that fails (a full disk: ``ENOSPC``) leaves no temporary file and no part of the run: its files are
removed, and :class:`RunWriteError` says which file and why, in one line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.data.load import file_sha256
from sim.data.outlines import OutlinesError
from sim.memory import check_budget
from sim.runner.files import csv_text, write_atomic, write_table
from sim.runner.schema import ConfigError, RunConfig, TopologyConfig

DONE = "DONE"
#: the long tables, written as CSV and Parquet (the country matrices are square: CSV only)
LONG_TABLES = ("metrics", "states", "cut_links")
RESULT_FILES = (
    "config.yaml",
    "metrics.csv",
    "metrics.parquet",
    "states.csv",
    "states.parquet",
    "country_matrix.csv",
    "country_matrix_baseline.csv",
    "cut_links.csv",
    "cut_links.parquet",
)
PACKAGES = ("fragsim", "numpy", "scipy", "networkx", "mesa", "pandas", "hydra-core", "omegaconf")


#: a run's peak memory per AS, from building the model: 10.2 to 12.7 KB per AS on 20,000 to 100,000 synthetic
#: ASes and 11.2 KB on the 2016 graph (tracemalloc), rounded up; the reachability kernel's blocks come on top,
#: within sim.memory.kernel_budget()
RUN_BYTES_PER_AS = 13_000
#: what each step adds, per state: the data collector's record of every state (268 B measured over 200 steps on 500
#: synthetic ASes with 45 states), rounded up for the model's own records and the cut log
RUN_BYTES_PER_STATE_STEP = 1_000


#: characters a run folder's name keeps as they are; any other (a path separator, a space, a quote...) would nest
#: the folder, leave the output folder or need quoting in a shell
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._,=+-[]")
MAX_NAME = 120  #: longest folder name kept as it is (file systems allow 255 bytes)


def folder_name(text: str) -> str:
    """A safe, flat folder name for a run or a sweep named by ``text`` (Hydra's ``key=value,...`` of the command
    line's overrides, or a sweep name).

    ``text`` itself when it is made of letters, digits and ``._,=+-[]`` only, at most :data:`MAX_NAME` characters
    long and not hidden (so existing run folders keep their names); else its safe characters with ``_`` for the
    others, cut to 80 characters, plus ``-`` and the first 10 hex digits of its SHA-256: two different values
    never share a folder, and no value can nest a folder or name one outside the output folder. ``""`` is
    ``default``. The full configuration is in the folder's ``config.yaml``.
    """
    if not text:
        return "default"
    if len(text) <= MAX_NAME and set(text) <= _NAME_CHARS and not text.startswith("."):
        return text
    slug = "".join(c if c in _NAME_CHARS else "_" for c in text)[:80].lstrip(".")
    return f"{slug}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def sweep_folder(sweep_name: str) -> str:
    """The folder of a sweep under ``runs/``: ``sweep_name`` may nest (``study/axis``, how an experiment keeps its
    sweeps together), each part made a :func:`folder_name` (``..`` and ``.`` included), so it never leaves
    ``runs/``."""
    return "/".join(folder_name(part) for part in sweep_name.split("/")) if sweep_name else "default"


class RunWriteError(RuntimeError):
    """A run folder could not be written (a full disk, a read-only folder); what the run wrote is removed."""


class RunFolderConflict(RuntimeError):
    """A complete run folder holds results of a different configuration."""


def is_complete(folder: Path) -> bool:
    return (folder / DONE).is_file()


def clear_incomplete(folder: Path) -> None:
    """Remove what an interrupted run left (its folder has no DONE marker)."""
    for child in folder.iterdir() if folder.is_dir() else ():
        if child.is_file():
            child.unlink()


def check_run_memory(n_ases: int, what: str, advice: str) -> None:
    """Refuse a run on ``n_ases`` ASes whose model would not fit the memory budget (:mod:`sim.memory`).

    Raises
    ------
    sim.memory.MemoryBudgetError
        A ``ValueError``: the estimate (``RUN_BYTES_PER_AS`` per AS, plus 128 MiB for the kernel's smallest block
        and the interpreter) exceeds :func:`sim.memory.memory_budget`; estimate and budget in the message.
    """
    check_budget(f"a run on {what} ({n_ases:,} ASes)", RUN_BYTES_PER_AS * n_ases + (128 << 20), advice=advice)


def check_run(cfg: RunConfig, topo: sim.Topology) -> None:
    """Check a run against its topology: the model's checks (:meth:`RunConfig.check_topology`) and the memory
    its steps take (what each step records grows with the number of states).

    Raises
    ------
    ConfigError
        A country, ASN or role the scenario names is not in the topology (the message names the key), or the
        country outlines the model reads its population from are not a readable file (the message names it).
    sim.memory.MemoryBudgetError
        ``scenario.steps`` steps would not fit the memory budget; estimate and budget in the message.
    """
    cfg.check_topology(topo)
    try:
        topo.facts  # noqa: B018  read once here, so a bad outlines file is one message before any run starts
    except OutlinesError as exc:
        raise ConfigError(f"country outlines: {exc}") from None
    n_states = int(np.count_nonzero(topo.ases_per_country()))
    steps = cfg.scenario.steps
    check_budget(
        f"a run of {steps:,} steps on {topo.name} ({topo.n_ases:,} ASes, {n_states} states)",
        RUN_BYTES_PER_AS * topo.n_ases + (128 << 20) + RUN_BYTES_PER_STATE_STEP * n_states * steps,
        advice="choose fewer scenario.steps",
    )


@lru_cache(maxsize=4)
def build_topology(cfg: TopologyConfig) -> sim.Topology:
    """The run's topology (cached per process: sweeps on one worker reuse it), once its run is known to fit the
    memory budget (:func:`check_run_memory`; a synthetic one is checked before it is generated)."""
    if cfg.kind == "synthetic":
        check_run_memory(cfg.n_ases, "the synthetic topology", "choose a smaller topology.n_ases")
        return sim.synthetic_topology(cfg.n_ases, seed=cfg.seed)
    topo = sim.load_topology(
        cfg.path,
        cfg.as_country,
        cfg.state_owned,
        as_org=cfg.as_org,
        infer_countries=cfg.infer_countries,
        strict=cfg.strict,
    )
    check_run_memory(topo.n_ases, topo.name, "choose a smaller topology")
    return topo


#: numbers in a run's CSV tables: 10 significant digits, so the same run gives the same bytes on any machine
FLOAT_FORMAT = "%.10g"


@lru_cache(maxsize=1)  # once per process (a sweep worker writes hundreds of run folders)
def _git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "absent"))
    return tuple(out)


def _versions() -> dict[str, str]:
    return dict(_package_versions())


def warm(cfg: RunConfig) -> None:
    """Build now what the runs of this process share, so that the first run does not: the topology, the model's
    parts that depend only on it (the world, its reachability plan and markets, the compiled kernels) and the
    versions ``meta.json`` records. Writes nothing and changes no result (every part is a pure function of its
    inputs, cached per process)."""
    topo = build_topology(cfg.topology)
    sim.FragmentationModel(topology=topo, rng=cfg.seed, config=cfg.model_config())
    _git_revision()
    _versions()


def _already_done(folder: Path, config_yaml: str) -> bool:
    """Whether ``folder`` holds this configuration's complete results. Raises RunFolderConflict when it holds
    another configuration's."""
    if not is_complete(folder):
        return False
    if (folder / "config.yaml").read_text() != config_yaml:
        raise RunFolderConflict(
            f"{folder} holds the results of another configuration (a scenario file or the "
            "data changed since?): remove it or choose another sweep_name"
        )
    return True


@contextmanager
def claimed(folder: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold ``folder`` (created if needed) for this process: an exclusive lock on the folder itself (``flock``;
    released when the block ends, or by the system when the process dies, even by SIGKILL). A second process
    asking for the same folder calls ``waiting`` once and waits until the first is done."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def execute(cfg: RunConfig, config_yaml: str, folder: Path, progress=None, waiting=None) -> bool:
    """Run ``cfg`` and write its folder; returns False when the folder was already complete (skipped).

    ``progress(done, total)``, when given, is called with 0 once the model is built and after every step.

    The folder is :func:`claimed` for the run: two processes never write it at once, and one that waited for
    another skips the run that other completed instead of clearing it. A run that stops early (an error,
    Ctrl-C) leaves its folder empty: incomplete, and resumed by running the same command again.
    """
    if _already_done(folder, config_yaml):
        return False
    with claimed(folder, waiting):
        if _already_done(folder, config_yaml):  # completed by the process this one waited for
            return False
        clear_incomplete(folder)
        try:
            _run_into(cfg, config_yaml, folder, progress)
        except BaseException:
            clear_incomplete(folder)  # never half a run: the folder is incomplete and empty
            raise
    return True


def _run_into(cfg: RunConfig, config_yaml: str, folder: Path, progress) -> None:
    start = time.perf_counter()
    topo = build_topology(cfg.topology)
    check_run(cfg, topo)
    model = sim.FragmentationModel(topology=topo, rng=cfg.seed, config=cfg.model_config())
    if progress is not None:
        progress(0, cfg.scenario.steps)  # the model is built: the steps start (and the estimate's clock)
    for _ in range(cfg.scenario.steps):
        model.step()
        if progress is not None:
            progress(model.steps, cfg.scenario.steps)
    try:
        _write_results(cfg, config_yaml, folder, model, topo, start)
    except OSError as exc:  # execute() then removes what was written: the folder is left empty, incomplete
        where = exc.filename or folder
        raise RunWriteError(f"cannot write the run folder: {where}: {exc.strerror or exc}") from None


def _write_results(cfg: RunConfig, config_yaml: str, folder: Path, model, topo, start: float) -> None:
    """Every file of the run folder, ``DONE`` last."""
    write_atomic(folder / "config.yaml", config_yaml)
    for name, frame in _tables(model).items():
        if name in LONG_TABLES:
            write_table(folder, name, frame, FLOAT_FORMAT)
        else:
            write_atomic(folder / f"{name}.csv", csv_text(frame, FLOAT_FORMAT))
    meta = {
        "git_revision": _git_revision(),
        "packages": _versions(),
        "seed": cfg.seed,
        "topology": topo.name,
        "data_files": {f: file_sha256(f) for f in cfg.topology.files()},
        "outlines": {topo.facts.source: file_sha256(topo.facts.source)},  # the population the people measures use
        "steps": cfg.scenario.steps,
        "wall_time_s": round(time.perf_counter() - start, 3),
    }
    write_atomic(folder / "meta.json", json.dumps(meta, indent=2) + "\n")
    write_atomic(folder / DONE, "".join(f"{f}\n" for f in RESULT_FILES))


def _tables(model: sim.FragmentationModel) -> dict[str, pd.DataFrame]:
    wide = model.datacollector.get_model_vars_dataframe()
    wide.index.name = "step"
    metrics = wide.reset_index().melt(id_vars="step", var_name="metric", value_name="value")
    states = model.datacollector.get_agent_vars_dataframe().reset_index()
    states = states.rename(columns={"Step": "step", "AgentID": "agent"})
    return {
        "metrics": metrics,
        "states": states,
        "country_matrix": _country_matrix(model, model.current),
        "country_matrix_baseline": _country_matrix(model, model.baseline),
        "cut_links": model.cut_links(),
    }


def _country_matrix(model: sim.FragmentationModel, measurement) -> pd.DataFrame:
    """Reachable fractions between the countries that have states (rows: source, columns: destination)."""
    matrix = measurement.country_frame(model.world.topo)
    present = np.flatnonzero(matrix.index.isin([s.code for s in model.states.values()]))
    return matrix.iloc[present, present].reset_index()
