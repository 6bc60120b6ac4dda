"""Parameter samples: runs that take their values from one row of a sample file.

An experiment that explores parameter space (a sensitivity screening) writes its design as a *sample file*: a
CSV with one column per configuration key, written as on the command line (``scenario.decision.cost_weight``,
``mechanism.params.rehome_rate``, ``seed``), and one row per point. It then sweeps the row index,
``fragsim -m ... sample='range(N)' paths.samples=FILE``: Hydra's sweepers stay as they are (a Cartesian
product of ``sample`` with the other swept keys, e.g. the mechanisms), and each job, once composed, takes the
values of its row. Its ``config.yaml`` records those values and ``sample`` (the row), not ``paths.samples``, so
a run is reproducible from its folder alone, without the sample file. ``paths.samples`` does not name run
folders either: a folder is ``mechanism=m3,sample=17``.
"""

from __future__ import annotations

import csv
import io
import os
from functools import lru_cache
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.runner.schema import ConfigError

#: top-level keys a sample may not set: they are not run values (``sample`` is the row itself)
NOT_SAMPLED = ("hydra", "paths", "sample", "sweep_name", "analysis")
_ABSENT = object()


def sample_text(keys: list[str], rows: list[list]) -> str:
    """The sample file's text: a header of config keys, then one line per point.

    Floats are written with ``repr`` (the shortest text that reads back to the same float), so a run's recorded
    value is exactly the sampled one; integers as integers (an integer config key refuses ``2.0``).

    Raises
    ------
    ValueError
        A row's length differs from the header's, or a value is neither a number nor a string.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for i, row in enumerate(rows):
        if len(row) != len(keys):
            raise ValueError(f"row {i} has {len(row)} values for {len(keys)} keys")
        writer.writerow([_text(v) for v in row])
    return out.getvalue()


def _text(value) -> str:
    value = value.item() if hasattr(value, "item") else value  # a numpy scalar (np.float64 is a float, whose repr
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):  # names its type)
        raise ValueError(f"a sample value must be a number or a string, got {value!r}")
    return repr(value) if isinstance(value, float) else str(value)


@lru_cache(maxsize=8)
def _read(path: str, _stamp: tuple[int, int]) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:
        lines = list(csv.reader(fh))
    if not lines or not any(lines[0]):
        raise ConfigError(f"paths.samples: {path} line 1: no header of config keys")
    keys = lines[0]
    for n, row in enumerate(lines[1:], start=2):
        if len(row) != len(keys):
            raise ConfigError(f"paths.samples: {path} line {n}: {len(row)} values for {len(keys)} keys")
    return keys, lines[1:]


def read_sample(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """(config keys, rows of value texts) of a sample file; read once per process while it is unchanged.

    Raises
    ------
    ConfigError
        The file is missing or unreadable (a folder, not text), or a line is malformed (the message names the
        file and line).
    """
    try:
        stat = os.stat(path)
        return _read(str(path), (stat.st_mtime_ns, stat.st_size))
    except FileNotFoundError:
        raise ConfigError(f"paths.samples: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:  # a folder, an unreadable or binary file
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise ConfigError(f"paths.samples: cannot read {str(path)!r}: {reason}") from None


def apply_sample(cfg: DictConfig) -> DictConfig:
    """``cfg`` with the values of row ``cfg.sample`` of the sample file ``cfg.paths.samples`` (in place).

    A configuration without ``sample`` is returned unchanged. Each value goes through the schema's type of its
    key (a float key reads ``"0.35"``, an integer key ``"3"``); the checks of the run's dataclasses follow when
    the configuration is turned into a :class:`~sim.runner.schema.RunConfig`.

    Raises
    ------
    ConfigError
        ``sample`` without ``paths.samples``, a row beyond the file, a column that is not a run key of the
        configuration, or a value its key refuses; the message names the file, its line and the key.
    """
    index = cfg.get("sample")
    if index is None:
        return cfg
    path = cfg.paths.get("samples") if "paths" in cfg else None
    if not path:
        raise ConfigError(f"sample={index} needs paths.samples, the sample file whose row it names")
    keys, rows = read_sample(path)
    if not (isinstance(index, int) and 0 <= index < len(rows)):
        raise ConfigError(f"sample={index}: {path} has rows 0 to {len(rows) - 1}")
    for key in keys:
        if key.split(".")[0] in NOT_SAMPLED or OmegaConf.select(cfg, key, default=_ABSENT) is _ABSENT:
            raise ConfigError(f"paths.samples: {path} line 1: {key!r} is not a run key of the configuration")
    for key, text in zip(keys, rows[index], strict=True):
        try:
            OmegaConf.update(cfg, key, text, merge=False)
        except (OmegaConfBaseException, ValueError) as exc:
            reason = str(exc).splitlines()[0]
            raise ConfigError(f"paths.samples: {path} line {index + 2}: {key}={text!r}: {reason}") from None
    return cfg
