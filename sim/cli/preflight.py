"""What a console script settles before importing its heavy stacks: ``--version``, and the extras it needs.

Only the standard library is imported here, so ``--version`` answers at once and a missing extra is one line
naming it (``pip install 'fragsim[dashboard]'``) with exit status 2, never an ImportError's traceback.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys

#: the modules each extra installs; a command that needs an extra checks that they can be found
EXTRA_MODULES = {
    "dashboard": ("solara", "solara_assets", "ipyvuetify", "altair"),
    "cluster-ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "cluster-slurm": ("hydra_plugins.hydra_submitit_launcher", "submitit"),
}
#: Hydra launcher configs and the modules they need
LAUNCHER_NEEDS = {"ray_local": "cluster-ray", "ray_cluster": "cluster-ray", "slurm": "cluster-slurm"}


def closing_pipe_ends_quietly(main):
    """Decorate a console script's ``main``: when its reader goes away (``fragsim --help | head``), it exits with
    status 1 instead of a ``BrokenPipeError`` traceback (stdout is pointed at /dev/null, so that Python's own
    flush at exit fails no more)."""

    @functools.wraps(main)
    def wrapped(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    return wrapped


def version_line() -> str:
    """``fragsim <version>``, the answer to every command's ``--version``."""
    from sim import __version__

    return f"fragsim {__version__}"


def answer_version(argv: list[str]) -> None:
    """Print :func:`version_line` and exit 0 when ``argv`` asks for ``--version``."""
    if "--version" in argv:
        print(version_line())
        sys.exit(0)


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module set to None in sys.modules
        return False


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` (a key of :data:`EXTRA_MODULES`) that cannot be imported; none are imported.

    Raises
    ------
    ValueError
        ``extra`` is not a key of :data:`EXTRA_MODULES`.
    """
    if extra not in EXTRA_MODULES:
        raise ValueError(f"extra must be one of {sorted(EXTRA_MODULES)}, got {extra!r}")
    return [m for m in EXTRA_MODULES[extra] if not _found(m)]


def require_extra(command: str, extra: str, what: str) -> None:
    """Exit 2 with one line naming the package extra to install when a module of ``extra`` is missing.

    Parameters
    ----------
    command : str
        The console script, for the message's prefix (``fragsim-dashboard``).
    extra : str
        A key of :data:`EXTRA_MODULES`; the package extra is its part before ``-`` (``cluster-ray`` → ``cluster``).
    what : str
        What needs it, in words (``the dashboard``).
    """
    missing = missing_modules(extra)
    if missing:
        name = extra.split("-")[0]
        print(
            f"{command}: error: {what} needs the {name!r} extra (missing: {', '.join(missing)}): "
            f"pip install 'fragsim[{name}]'",
            file=sys.stderr,
        )
        sys.exit(2)


def require_launcher(command: str, overrides: list[str]) -> None:
    """Exit 2 naming the ``cluster`` extra when ``hydra/launcher=...`` asks for a launcher that is missing."""
    for arg in overrides:
        key, _, value = arg.partition("=")
        if key.lstrip("+~") == "hydra/launcher" and value in LAUNCHER_NEEDS:
            require_extra(command, LAUNCHER_NEEDS[value], f"hydra/launcher={value}")
