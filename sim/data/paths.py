"""Where fragsim reads data sets from: one definition, used by the configs, the data tools, tests and benchmarks.

The data folder is the same from any working folder:

1. ``$FRAGSIM_DATA`` when that variable is set (and not empty); a relative value is taken from the folder the
   command was started in;
2. else, when fragsim runs from a checkout of its repository (an editable install), the checkout's ``data/``;
3. else the user data folder of the platform: ``$XDG_DATA_HOME/fragsim`` (``~/.local/share/fragsim``) on Linux,
   ``~/Library/Application Support/fragsim`` on macOS, ``%LOCALAPPDATA%\\fragsim`` on Windows.

``fragsim-data fetch`` writes there and every reader reads there. Below it the layout is the publishers':
``caida/`` (AS relationships, AS-to-organisation files), ``geo/`` (AS→country), ``state_owned/`` (state-owned ASes).
The Hydra configs read the same folder as ``${paths.data}``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "FRAGSIM_DATA"  #: names the data folder; unset or empty: the checkout's or the user's data folder
CHECKOUT = Path(__file__).resolve().parents[2]  #: the repository's root, when the package runs from a checkout


def _in_checkout() -> bool:
    """Whether the package runs from a checkout of its repository (not from an installed wheel)."""
    project = CHECKOUT / "pyproject.toml"
    return project.is_file() and 'name = "fragsim"' in project.read_text(errors="replace")


def user_data_dir() -> Path:
    """The platform's folder for this user's application data, ``fragsim`` inside it (module doc, rule 3)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "fragsim"


def data_dir(cwd: str | Path | None = None) -> Path:
    """The data folder: ``$FRAGSIM_DATA``, else the checkout's ``data/``, else the user data folder.

    Parameters
    ----------
    cwd : path, optional
        The folder a relative ``$FRAGSIM_DATA`` is taken from: the one the command was started in (a Hydra job
        passes ``hydra.runtime.cwd``, as it may run in another). Default: the working directory.

    Returns
    -------
    pathlib.Path
        An absolute path (``~`` expanded), the same from any working folder. It may not exist yet.

    Notes
    -----
    Read on every call, so a change of the environment variable takes effect at once.
    """
    given = os.environ.get(ENV_VAR, "")
    if given:
        return Path(os.path.abspath(os.path.join(cwd or os.getcwd(), os.path.expanduser(given))))
    return CHECKOUT / "data" if _in_checkout() else user_data_dir()


def data_source() -> str:
    """What chose :func:`data_dir`, in words, for messages."""
    if os.environ.get(ENV_VAR, ""):
        return f"${ENV_VAR}"
    return "the checkout's data folder" if _in_checkout() else "the user data folder"


def missing_data_hint(folder: str | Path, chosen_by: str | None = None) -> str:
    """The advice appended to "no such file" for a file expected in the data folder ``folder``."""
    return (
        f"the data folder searched is {folder} ({chosen_by or data_source()}); fetch CAIDA's graph into it with "
        f"`fragsim-data fetch --date 2016-11-01`, or set {ENV_VAR}=FOLDER (or the override paths.data=FOLDER) to "
        "a folder holding caida/, geo/ and state_owned/ (see docs/data.md)"
    )


def caida_dir() -> Path:
    """``<data folder>/caida``: CAIDA's files, where ``fragsim-data fetch`` writes by default."""
    return data_dir() / "caida"
