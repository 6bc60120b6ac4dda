"""Execute one run and write its folder: write-once, atomic files, complete only with its ``DONE`` marker.

A run folder holds ``config.yaml`` (the resolved configuration), ``metrics.csv`` (long format: step, metric,
value), ``states.csv`` (per state and step), ``country_matrix.csv`` (final reachable fractions by source and
destination country; ``country_matrix_baseline.csv`` the same before any regulation), ``cut_links.csv`` (every
cut link and the regulation that cut it), ``meta.json`` (git revision, package versions, seed, data file
hashes, wall time) and, last, ``DONE``. A folder without ``DONE``
is incomplete: rerunning the same run clears it and starts again; a folder with ``DONE`` is skipped.

A write that fails (a full disk: ``ENOSPC``) leaves no temporary file and no part of the run: its files are
removed, and :class:`RunWriteError` says which file and why, in one line.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.data.load import file_sha256
from sim.memory import check_budget
from sim.runner.schema import RunConfig, TopologyConfig

DONE = "DONE"
RESULT_FILES = (
    "config.yaml",
    "metrics.csv",
    "states.csv",
    "country_matrix.csv",
    "country_matrix_baseline.csv",
    "cut_links.csv",
)
PACKAGES = ("fragsim", "numpy", "scipy", "networkx", "mesa", "pandas", "hydra-core", "omegaconf")


#: a run's peak memory per AS, from building the model: 10.2 to 12.7 KB per AS on 20,000 to 100,000 synthetic
#: ASes and 11.2 KB on the 2016 graph (tracemalloc), rounded up; the reachability kernel's blocks come on top,
#: within sim.memory.kernel_budget()
RUN_BYTES_PER_AS = 13_000


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place: never half a file. When the write
    fails (a full disk) or is interrupted, the temporary file is removed and the error raised."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(tmp, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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


def _csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def _git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def execute(cfg: RunConfig, config_yaml: str, folder: Path, progress=None) -> bool:
    """Run ``cfg`` and write its folder; returns False when the folder was already complete (skipped)."""
    if is_complete(folder):
        if (folder / "config.yaml").read_text() != config_yaml:
            raise RunFolderConflict(
                f"{folder} holds the results of another configuration (a scenario file or the "
                "data changed since?): remove it or choose another sweep_name"
            )
        return False
    start = time.perf_counter()
    topo = build_topology(cfg.topology)
    model = sim.FragmentationModel(topology=topo, rng=cfg.seed, config=cfg.model_config())
    folder.mkdir(parents=True, exist_ok=True)
    clear_incomplete(folder)
    for _ in range(cfg.scenario.steps):
        model.step()
        if progress is not None:
            progress(model.steps, cfg.scenario.steps)
    try:
        _write_results(cfg, config_yaml, folder, model, topo, start)
    except OSError as exc:
        clear_incomplete(folder)  # no part of the run is left: the folder holds no file, or is gone
        _remove_if_empty(folder)
        where = exc.filename or folder
        raise RunWriteError(f"cannot write the run folder: {where}: {exc.strerror or exc}") from None
    return True


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (another run's folder, or Hydra's files): left as it is


def _write_results(cfg: RunConfig, config_yaml: str, folder: Path, model, topo, start: float) -> None:
    """Every file of the run folder, ``DONE`` last."""
    write_atomic(folder / "config.yaml", config_yaml)
    for name, frame in _tables(model).items():
        write_atomic(folder / name, _csv(frame))
    meta = {
        "git_revision": _git_revision(),
        "packages": _versions(),
        "seed": cfg.seed,
        "topology": topo.name,
        "data_files": {f: file_sha256(f) for f in cfg.topology.files()},
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
        "metrics.csv": metrics,
        "states.csv": states,
        "country_matrix.csv": _country_matrix(model, model.current),
        "country_matrix_baseline.csv": _country_matrix(model, model.baseline),
        "cut_links.csv": model.cut_links(),
    }


def _country_matrix(model: sim.FragmentationModel, measurement) -> pd.DataFrame:
    """Reachable fractions between the countries that have states (rows: source, columns: destination)."""
    matrix = measurement.country_frame(model.world.topo)
    present = np.flatnonzero(matrix.index.isin([s.code for s in model.states.values()]))
    return matrix.iloc[present, present].reset_index()
