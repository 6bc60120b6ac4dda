"""Where fragsim reads data sets from: one definition, used by the configs, the data tools, tests and benchmarks.

The data folder is ``$FRAGSIM_DATA`` when that variable is set (and not empty), else ``./data`` in the working
directory, which is where ``fragsim-data fetch`` writes. Below it the layout is the publishers': ``caida/``
(AS relationships, AS-to-organisation files), ``geo/`` (AS→country), ``state_owned/`` (state-owned ASes).
The Hydra configs read the same folder as ``${paths.data}``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "FRAGSIM_DATA"  #: names the data folder; unset or empty: :data:`DEFAULT_DATA_DIR`
DEFAULT_DATA_DIR = Path("data")  #: relative to the working directory


def data_dir() -> Path:
    """The data folder: ``$FRAGSIM_DATA``, else ``./data``.

    Returns
    -------
    pathlib.Path
        The folder as given (a relative path stays relative to the working directory, so a run's resolved
        configuration does not name the machine's absolute paths); ``~`` is expanded. It may not exist yet.

    Notes
    -----
    Read on every call, so a change of the environment variable takes effect at once.
    """
    given = os.environ.get(ENV_VAR, "")
    return Path(given).expanduser() if given else DEFAULT_DATA_DIR


def caida_dir() -> Path:
    """``<data folder>/caida``: CAIDA's files, where ``fragsim-data fetch`` writes by default."""
    return data_dir() / "caida"
