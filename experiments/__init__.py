"""The experiments of the working group's questions, one module each, run by ``fragsim-experiment NAME``.

Each module has ``analyze(study) -> list[Path]``: it turns the experiment's results into the tables (CSV) and
figures (PNG + SVG) it writes to ``study.out``, and returns their paths. An experiment whose config sets
``analysis.sweep: true`` is a Hydra sweep of ``fragsim`` runs (its run folders are in ``study.runs``); the
others (baseline, kernel scaling) compute what they report directly. Every parameter lives in the experiment's
``configs/experiment/NAME.yaml``: the ``analysis`` block holds what the analysis needs beyond the runs. The
tables of a sweep's runs come from :mod:`sim.analysis.runs`.

Hydra sweeps the product of its parameters. An experiment that needs a union of one-axis sweeps instead (each
axis swept with the others at their configured values) declares them in ``analysis.sweeps``
(:func:`sub_sweeps`): ``fragsim-experiment`` runs one ``fragsim -m`` per entry, into its own folder
``runs/<sweep>/<name>/``, each crossed with the experiment's ``hydra.sweeper.params``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.data.topology import Topology
from sim.runner.files import read_table
from sim.runner.run import build_topology, is_complete
from sim.runner.schema import ConfigError, RunConfig, TopologyConfig

EXPERIMENTS = (
    "baseline",
    "tipping_points",
    "mechanisms",
    "sovereign_isolation",
    "sanctions",
    "shutdown",
    "dependence",
    "kernel_scaling",
    "validation",
    "sensitivity",
)


@dataclass(frozen=True)
class Study:
    """One experiment being analysed: its composed configuration and where its inputs and outputs are."""

    name: str
    cfg: RunConfig  #: the experiment's configuration (one job's, sweeps unexpanded)
    out: Path  #: where its tables and figures go
    runs: Path | None = None  #: its sweep folder (sweep experiments)

    @property
    def analysis(self) -> dict:
        return self.cfg.analysis

    def topology(self) -> Topology:
        return build_topology(self.cfg.topology)

    def data_label(self) -> str:
        return data_label(self.cfg.topology)

    def sub_sweeps(self) -> list[SubSweep]:
        return sub_sweeps(self.analysis)


@dataclass(frozen=True)
class SubSweep:
    """One axis of an experiment swept alone: ``fragsim -m KEY=V1,V2,...`` into ``runs/<sweep>/<name>/``."""

    name: str  #: the axis' name, also its folder
    key: str  #: the dotted configuration key swept (``scenario.adoption_frac``)
    values: tuple  #: its values, in the order given

    @property
    def override(self) -> str:
        return f"{self.key}={','.join(str(v) for v in self.values)}"


def sub_sweeps(analysis: dict) -> list[SubSweep]:
    """The one-axis sweeps of ``analysis.sweeps`` (``{name: {key: KEY, values: [V, ...]}}``), in order.

    Raises
    ------
    ConfigError
        An entry is malformed; the message names its key (``analysis.sweeps.adoption.values``).
    """
    entries = analysis.get("sweeps") or {}
    if not isinstance(entries, dict):
        raise ConfigError(f"analysis.sweeps must map axis names to {{key, values}}, got {entries!r}")
    out = []
    for name, entry in entries.items():
        where = f"analysis.sweeps.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
            raise ConfigError(f"{where}: the name must be lower-case letters, digits and _ (it names a folder)")
        if not isinstance(entry, dict) or set(entry) != {"key", "values"}:
            raise ConfigError(f"{where} must hold exactly 'key' and 'values', got {entry!r}")
        key, values = entry["key"], entry["values"]
        if not (isinstance(key, str) and re.fullmatch(r"[A-Za-z_][\w.]*", key)):
            raise ConfigError(f"{where}.key must be a dotted configuration key, got {key!r}")
        if not (isinstance(values, list) and values and all(isinstance(v, (int, float, str)) for v in values)):
            raise ConfigError(f"{where}.values must be a non-empty list of values, got {values!r}")
        if len(set(map(str, values))) != len(values):
            raise ConfigError(f"{where}.values lists a value twice: {values!r}")
        out.append(SubSweep(str(name), key, tuple(values)))
    return out


def data_label(cfg: TopologyConfig) -> str:
    """The data set in words, for captions."""
    if cfg.kind == "synthetic":
        return f"synthetic Internet ({cfg.n_ases:,} ASes, generator seed {cfg.seed})"
    return f"CAIDA AS relationships {Path(cfg.path).name.split('.')[0]}"


@dataclass(frozen=True)
class Run:
    """A complete run folder and its configuration."""

    folder: Path
    cfg: dict

    def table(self, name: str) -> pd.DataFrame:
        """The run's table ``name`` (``metrics.csv``): from its Parquet file when the run wrote one, else the CSV;
        Namibia's code "NA" kept as a code."""
        return read_table(self.folder, name.removesuffix(".csv"))

    def matrix(self, name: str) -> pd.DataFrame:
        """A country matrix of the run (rows: source country), Namibia's code "NA" kept as a code."""
        return pd.read_csv(self.folder / name, keep_default_na=False, na_values=[""], index_col=0)

    def topology_config(self) -> TopologyConfig:
        """The run's topology configuration; a run recorded before ``infer_countries`` existed was made
        without inference, and is read back so."""
        return TopologyConfig(**{"infer_countries": False, **self.cfg["topology"]})

    def final_states(self) -> pd.DataFrame:
        states = self.table("states.csv")
        return states[states["step"] == states["step"].max()]


def complete_runs(sweep: Path) -> list[Run]:
    """The complete runs of a sweep folder, in folder-name order; an error when there is none."""
    runs = [
        Run(p, yaml.safe_load((p / "config.yaml").read_text()))
        for p in sorted(sweep.iterdir())
        if p.is_dir() and is_complete(p)
    ]
    if not runs:
        raise FileNotFoundError(f"no complete run in {sweep}")
    return runs


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
    return path


def caption(study: Study, runs: int, seeds: int, steps: int, extra: str = "") -> str:
    """The caption line: data, runs, seeds, sources per step, steps."""
    cfg = study.cfg
    sources = "exact all-pairs reachability" if cfg.n_sources is None else f"{cfg.n_sources:,} sampled sources per step"
    seed_text = f"{seeds} seed{'s' if seeds > 1 else ''} per cell" + (
        ", bands and bars: 95% t-intervals over seeds" if seeds > 1 else ""
    )
    return (
        f"Data: {study.data_label()}. {runs} runs, {seed_text}; {sources}; {steps} step{'s' if steps > 1 else ''}."
        + (f" {extra}" if extra else "")
    )
