"""The options of the shipped configuration's groups, read from the package's files without importing Hydra
(``fragsim --help`` lists them at once)."""

from __future__ import annotations

from importlib.resources import files

CONFIG_MODULE = "sim.configs"  #: the package holding the YAML files


def group_options(group: str) -> list[str]:
    """The options of a config group (``scenario``, ``mechanism``, ``topology``, ``hydra/launcher``), sorted.

    Raises
    ------
    ValueError
        ``group`` is not a config group.
    """
    folder = files(CONFIG_MODULE).joinpath(*group.split("/"))
    if not folder.is_dir():
        raise ValueError(f"group {group!r} is not a config group of pkg://{CONFIG_MODULE}")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def config_groups() -> list[str]:
    """The top-level config groups (``scenario``, ``mechanism``, ``topology``, ``paths``, ``experiment``,
    ``hydra``), sorted."""
    root = files(CONFIG_MODULE)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
