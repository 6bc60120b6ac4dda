"""A sweep's run folders as tidy tables, and their summaries with confidence intervals.

Read by ``fragsim-report`` and by the experiments' analyses. Only complete runs (with ``DONE``) are read, each
table from its Parquet file when the run wrote one, else from its CSV (:func:`sim.runner.files.read_table`); a
run's configuration (its ``config.yaml``, flattened to dotted keys) joins its metrics and states, and the runs
form *cells* by every configuration value that varies across the sweep except the seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from sim.runner.files import read_table
from sim.runner.schema import ConfigError

#: configuration keys that never define a cell: the replicate's seed, and words that do not change a run
IGNORED_KEYS = {"seed", "sweep_name", "scenario.description"}


def _flatten(d: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists become comma-joined strings (hashable, comparable cells)."""
    out = {}
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value if not isinstance(value, list) else ",".join(map(str, value))
    return out


def run_folders(path: Path) -> list[Path]:
    """The run folders under ``path``: ``path`` itself when it is one (it holds ``DONE`` or ``config.yaml``),
    else its subfolders (report folders, ``report`` and ``report-*``, left out)."""
    if (path / "DONE").is_file() or (path / "config.yaml").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("report"))


#: YAML's safe loader, LibYAML's when PyYAML has it (the same documents, about 8 times faster on a run's config)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_runs(
    sweep: Path,
    keep: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    states: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str], list[str]]:
    """The complete runs of a sweep folder as long tables, each row carrying its run's varying configuration.

    Parameters
    ----------
    sweep : Path
        A sweep folder (``runs/<sweep_name>``): one run folder per job; a ``report`` folder is ignored. Or a
        single run folder.
    keep : sequence of str
        Configuration keys (dotted) joined to the rows even when every run has the same value (a sweep's axis
        with one value is still its axis).
    progress : callable, optional
        ``progress(done, total)``: called before each run folder with the number of folders read so far, and
        once at the end (``done == total``).
    states : bool
        Read the runs' ``states`` tables too (False: ``states`` is None; the metrics are read faster).

    Returns
    -------
    metrics : pandas.DataFrame
        ``metrics`` of every complete run (step, metric, value) with ``run``, ``seed``, the varying keys and
        ``mechanism.name``.
    states : pandas.DataFrame or None
        ``states`` of every complete run, with the same columns added.
    varying : list of str
        The configuration keys (dotted) whose value differs across the runs, except :data:`IGNORED_KEYS`.
    skipped : list of str
        The run folders without ``DONE`` (incomplete), skipped, by name.

    Raises
    ------
    FileNotFoundError
        The folder holds no complete run.
    ConfigError
        A key of ``keep`` is not a configuration key of the runs.
    """
    metrics, state_tables, configs = [], [], []
    skipped = []
    folders = run_folders(sweep)
    for i, folder in enumerate(folders):
        if progress is not None:
            progress(i, len(folders))
        if not (folder / "DONE").is_file():
            skipped.append(folder.name)
            continue
        cfg = _flatten(yaml.load((folder / "config.yaml").read_text(), Loader=SAFE_LOADER))
        configs.append(cfg)
        run = len(configs) - 1
        metrics.append(read_table(folder, "metrics").assign(run=run))
        if states:
            state_tables.append(read_table(folder, "states").assign(run=run))  # Namibia's code "NA" stays a code
    if progress is not None:
        progress(len(folders), len(folders))
    if not configs:
        raise FileNotFoundError(f"no complete run in {sweep}")
    cfg = pd.DataFrame(configs)
    varying = [k for k in cfg.columns if k not in IGNORED_KEYS and cfg[k].astype(str).nunique() > 1]
    cfg["run"] = range(len(cfg))
    columns = ["run", "seed"] + varying
    columns += [k for k in dict.fromkeys(["mechanism.name", *keep]) if k not in columns]
    missing = [k for k in columns if k not in cfg.columns]
    if missing:
        raise ConfigError(f"no configuration key {missing[0]!r} in the runs of {sweep}")
    cfg = cfg[columns]
    states_out = pd.concat(state_tables).merge(cfg, on="run") if states else None
    return pd.concat(metrics).merge(cfg, on="run"), states_out, varying, skipped


def last_steps(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of each run's own last step (runs of different lengths each at their end)."""
    return df[df["step"] == df.groupby("run")["step"].transform("max")]


def summarize(df: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Mean, standard deviation, count and the 95% t-interval of ``value`` per group.

    Parameters
    ----------
    df : pandas.DataFrame
    by : list of str
        Grouping columns (NaN is a group of its own).
    value : str
        The column summarised.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns and ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high``: ``mean ± t(0.975, n−1) · sd / √n``
        (Student's t), NaN when ``n = 1``.
    """
    g = df.groupby(by, dropna=False)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = np.where(out["n"] > 1, out["mean"] - half, np.nan)
    out["ci_high"] = np.where(out["n"] > 1, out["mean"] + half, np.nan)
    return out
