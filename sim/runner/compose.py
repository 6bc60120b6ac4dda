"""The one door to the Hydra configuration: composing, checking, expanding sweeps, listing options.

The configuration ships inside the package as ``sim.configs`` (the repository's ``configs/``, its scenario group
from ``scenarios/``), so Hydra reads it as ``pkg://sim.configs`` from a wheel as from a checkout. Every command
that reads a configuration (``fragsim``, ``fragsim-experiment``, the dashboard) goes through this module: it
registers the schema (:class:`~sim.runner.schema.RunConfig`) and the resolvers once, composes a configuration
with overrides into a checked ``RunConfig``, and folds Hydra's and OmegaConf's multi-line errors into one
:class:`~sim.runner.schema.ConfigError` line.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from importlib.resources import files

from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.errors import HydraException, OverrideParseException
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.runner.groups import CONFIG_MODULE
from sim.runner.locations import anchor_paths, data_dir_text, in_data_folder
from sim.runner.overrides import check_overrides, parse_error, unknown_key
from sim.runner.run import folder_name, sweep_folder
from sim.runner.sample import apply_sample
from sim.runner.schema import ConfigError, MissingFileError, RunConfig, prefixed

CONFIG_PATH = f"pkg://{CONFIG_MODULE}"  #: Hydra's search path entry for it
CONFIG_NAME = "config"  #: the primary config (``configs/config.yaml``)
VERSION_BASE = "1.3"
#: keys of a composed config that do not change a run's results: left out of the run folder's config.yaml, so
#: a run's files are the same wherever it ran, wherever the data lives and however it is analysed
NOT_RUN_KEYS = ("hydra", "sweep_name", "analysis", "paths")
#: Hydra's global state serves one composition at a time (the dashboard composes from many sessions' threads)
_LOCK = threading.RLock()
_depth = 0  # how many configuration() blocks are open (in the thread holding _LOCK): Hydra is initialised once
_HYDRA_ERRORS = (HydraException, OmegaConfBaseException, ValueError, TypeError)


def structured(obj=RunConfig) -> DictConfig:
    """A run configuration (the :class:`RunConfig` class, or one of its instances) as a writable typed node.
    OmegaConf marks frozen dataclasses read-only, which forbids Hydra's in-place composition and any update; the
    flag is lifted (values are checked again when the dataclasses are built, :func:`to_run_config`)."""
    node = OmegaConf.structured(obj)

    def unfreeze(n) -> None:
        OmegaConf.set_readonly(n, None)
        if isinstance(n, DictConfig):
            for key in n:
                child = n._get_node(key)
                if OmegaConf.is_config(child):
                    unfreeze(child)

    unfreeze(node)
    return node


def _schema() -> DictConfig:
    """RunConfig as Hydra's schema."""
    return structured(RunConfig)


def register() -> None:
    """Register the schema (``run_schema``) and the resolvers the YAML uses; idempotent.

    ``${folder_name:x}`` is :func:`sim.runner.run.folder_name` of ``x`` (a safe, flat folder name, ``default`` when
    empty); ``${sweep_folder:x}`` the same for each ``/``-separated part of a sweep name
    (:func:`sim.runner.run.sweep_folder`); ``${fragsim_data_dir:}`` is the data folder of
    :func:`sim.data.paths.data_dir` (``paths.data``). Called on import, so that a launcher's worker process,
    which imports the task's module, has them too.
    """
    ConfigStore.instance().store(name="run_schema", node=_schema())
    OmegaConf.register_new_resolver("folder_name", folder_name, replace=True)
    OmegaConf.register_new_resolver("sweep_folder", sweep_folder, replace=True)
    OmegaConf.register_new_resolver("fragsim_data_dir", data_dir_text, replace=True)


register()


def one_line(exc: BaseException) -> str:
    """Hydra's and OmegaConf's multi-line messages, folded (the search path and object_type trailers dropped)."""
    text = str(exc).split("Config search path:")[0]
    if exc.__cause__ is not None:
        text += "\n" + str(exc.__cause__)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("object_type=", "reference_type=", "Set the environment"))]
    return " ".join(lines) if lines else repr(exc)


@contextmanager
def folded(context: str = "") -> Iterator[None]:
    """Turn Hydra, OmegaConf and value errors raised inside into one ``ConfigError`` line (prefixed with
    ``context: `` when given); a ``ConfigError`` passes unchanged."""
    try:
        yield
    except ConfigError:
        raise
    except _HYDRA_ERRORS as exc:
        text = parse_error(exc) if isinstance(exc, OverrideParseException) else one_line(exc)
        raise ConfigError(f"{context}: {text}" if context else text) from None


@contextmanager
def configuration() -> Iterator[None]:
    """Hydra initialised on ``pkg://sim.configs`` for the block: one thread at a time; nested blocks share the
    outer block's initialisation (validating a sweep composes every job under one)."""
    global _depth
    with _LOCK:
        ready = nullcontext() if _depth else initialize_config_module(CONFIG_MODULE, version_base=VERSION_BASE)
        with ready:
            _depth += 1
            try:
                yield
            finally:
                _depth -= 1


def _check_overrides(parsed, context: str) -> None:
    """:func:`~sim.runner.overrides.check_overrides`, its message prefixed with ``context: `` when given."""
    try:
        check_overrides(parsed)
    except ConfigError as exc:
        raise ConfigError(f"{context}: {exc}" if context else str(exc)) from None


def compose(overrides: list[str] = (), *, hydra: bool = False, context: str = "") -> DictConfig:
    """The composed configuration with ``overrides`` (Hydra syntax), unchecked; ``hydra=True`` keeps the
    ``hydra`` node (sweeper, launcher). A ``sample`` row's values are applied
    (:func:`~sim.runner.sample.apply_sample`), as the job of ``fragsim`` applies them. Raises ConfigError naming
    what Hydra rejected (prefixed with ``context: `` when given)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    with configuration(), folded(context):
        _check_overrides(OverridesParser.create().parse_overrides(list(overrides)), context)
        cfg = hydra_compose(config_name=CONFIG_NAME, overrides=list(overrides), return_hydra_config=hydra)
        return apply_sample(anchor_paths(cfg))


def to_run_config(cfg: DictConfig, context: str = "") -> RunConfig:
    """The checked run configuration of a composed config (its ``hydra`` node ignored).

    Raises
    ------
    ConfigError
        A value is invalid; the message names the config key (prefixed with ``context: `` when given, for an
        error that is not already a ConfigError).
    """
    with folded(context):
        if "hydra" in cfg:  # dropped from a copy that keeps the schema's type (a masked copy is a plain dict)
            cfg = copy.deepcopy(cfg)
            with open_dict(cfg):
                cfg.pop("hydra")
        try:
            return OmegaConf.to_object(cfg)  # a valid configuration (nearly every one a sweep checks) at once
        except (ValueError, TypeError, OmegaConfBaseException):
            pass
        try:  # else node by node, for a message that names the key
            _check_nodes(cfg, "")
        except MissingFileError as exc:
            raise in_data_folder(exc, cfg) from None
        return OmegaConf.to_object(cfg)


def _check_nodes(node, path: str) -> None:
    """Check every typed node of ``node``, innermost first, so that an error names its full config key.

    A key the schema does not have is refused (:func:`~sim.runner.overrides.unknown_key`): the command line's
    overrides are checked before composing (:func:`~sim.runner.overrides.check_overrides`), and this catches a key
    a config file adds; building the frozen dataclass would otherwise fail deep inside OmegaConf. A nested group's
    own check (``DecisionParams``, ``MechanismParams``, an imposed regulation) names only its field; it is prefixed
    with the node's key here (``scenario.decision.shock_prob must be in [0, 1]``)."""
    if isinstance(node, ListConfig):
        for i, item in enumerate(node):
            if OmegaConf.is_config(item):
                _check_nodes(item, f"{path}.{i}")
        return
    schema = OmegaConf.get_type(node)
    typed = dataclasses.is_dataclass(schema)
    known = {f.name for f in dataclasses.fields(schema)} if typed else None
    for key in node:
        full = f"{path}.{key}" if path else str(key)
        if known is not None and key not in known:
            raise ConfigError(unknown_key(full) or f"unknown key {full!r}")
        child = node._get_node(key)
        if OmegaConf.is_config(child):
            _check_nodes(child, full)
    if typed and path:
        try:
            OmegaConf.to_object(node)
        except ConfigError:
            raise
        except (ValueError, TypeError) as exc:
            raise prefixed(path, exc) from None


def compose_run(overrides: list[str] = (), context: str = "") -> RunConfig:
    """Compose with ``overrides`` and check: the :class:`RunConfig` that ``fragsim OVERRIDES`` would run.

    Parameters
    ----------
    overrides : list of str
        Hydra overrides (``scenario=sanctions``, ``scenario.steps=3``); no sweeps.
    context : str
        Prefix of an error message (``experiment shutdown``), to say where the overrides came from.

    Raises
    ------
    ConfigError
        One line naming the config key or the override Hydra rejected.
    """
    return to_run_config(compose(overrides, context=context), context)


def compose_runs(jobs: Iterable[list[str]], context: str = "") -> Iterator[RunConfig]:
    """:func:`compose_run` of every job of a sweep, in order, each distinct choice of config groups composed once.

    Hydra builds a job's configuration in two stages: the defaults list its group choices select
    (``scenario=sanctions``, ``mechanism=m5``, ``hydra/launcher=…``, any ``hydra.*`` key), composed from the YAML
    files, then its other overrides (``seed=3``, ``scenario.steps=5``, ``+key=…``) applied to the result. The first
    stage is the costly one (about 0.4 s a job here), and a sweep of thousands of jobs has only a handful of group
    choices; so it is done once per choice and the second stage, with Hydra's own override code, on a copy. The
    first stages are kept for the process while the configuration's files are unchanged (a process that checks
    many configurations, as the dashboard and the tests do, composes each choice once).

    Raises
    ------
    ConfigError
        As :func:`compose_run`, for the first job that fails.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    groups = config_groups()
    stamp = config_stamp()
    if _FIRST_STAGE.get("stamp") != stamp or len(_FIRST_STAGE) > 64:
        _FIRST_STAGE.clear()
        _FIRST_STAGE["stamp"] = stamp
    composed = _FIRST_STAGE
    checked: dict = {}  # a sweep's jobs share most of their override lines
    with configuration():
        for job in jobs:
            with folded(context):
                parsed = parse_once(job, checked, lambda new: _check_overrides(new, context))
            choice, values = split_overrides(parsed, groups)
            if choice not in composed:
                with folded(context):
                    composed[choice] = hydra_compose(config_name=CONFIG_NAME, overrides=list(choice))
            cfg = copy.deepcopy(composed[choice])
            with folded(context):
                ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
                cfg = apply_sample(anchor_paths(cfg))
            yield to_run_config(cfg, context)


#: the first stage of :func:`compose_runs` by group choice, and the ``stamp`` of the files it was composed from
_FIRST_STAGE: dict = {}


def config_stamp() -> tuple:
    """The configuration's YAML files with their sizes and modification times: a change clears the cache."""
    root = files(CONFIG_MODULE)
    out, todo = [], [root]
    while todo:
        for entry in todo.pop().iterdir():
            if entry.is_dir():
                todo.append(entry)
            elif entry.name.endswith(".yaml"):
                st = os.stat(str(entry))
                out.append((str(entry), st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


def config_groups() -> set[str]:
    """The configuration's top-level config groups (``scenario``, ``mechanism``, ``experiment``...)."""
    return {p.name for p in files(CONFIG_MODULE).iterdir() if p.is_dir()}


def _chooses_configs(key: str, groups: set[str]) -> bool:
    """Whether an override of ``key`` selects configs (a config group, a nested one, Hydra's own settings) rather
    than setting a value."""
    key = key.split("@", 1)[0]
    return "/" in key or key.split(".", 1)[0] == "hydra" or key in groups


def parse_once(lines: list[str], cache: dict, check: Callable[[list], None] | None = None) -> list:
    """Hydra's parsed overrides of ``lines``, each distinct line parsed (and given to ``check``, which raises on a
    bad one) only the first time ``cache`` meets it. Override objects are not changed by their use."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    new = list(dict.fromkeys(line for line in lines if line not in cache))
    if new:
        parsed = OverridesParser.create().parse_overrides(new)
        if check is not None:
            check(parsed)
        cache.update(zip(new, parsed, strict=True))
    return [cache[line] for line in lines]


def split_overrides(parsed: list, groups: set[str]) -> tuple[tuple[str, ...], list]:
    """Parsed overrides split into Hydra's two stages (:func:`compose_runs`): the input lines of those that choose
    configs, and the others (Override objects, applied to the composed result)."""
    chooses = [_chooses_configs(o.key_or_group, groups) for o in parsed]
    choice = tuple(o.input_line for o, c in zip(parsed, chooses, strict=True) if c)
    return choice, [o for o, c in zip(parsed, chooses, strict=True) if not c]


def run_yaml(cfg: DictConfig) -> str:
    """The resolved configuration a run folder records: every key but :data:`NOT_RUN_KEYS`."""
    # resolved before the keys are dropped: the recorded values may refer to them (${paths.data})
    resolved = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    OmegaConf.resolve(resolved)
    keep = [k for k in resolved if k not in NOT_RUN_KEYS]
    if "path_measures" in resolved and not resolved.path_measures.enabled:  # off, it changes nothing: the
        keep.remove("path_measures")  # config.yaml of runs without it stays as it was before the switch existed
    return OmegaConf.to_yaml(OmegaConf.masked_copy(resolved, keep))


def job_overrides(args: list[str]) -> list[list[str]]:
    """The override list of every job a ``fragsim`` command line asks for, sweeps expanded as Hydra's basic
    sweeper expands them (the command line's sweeps and those an experiment declares in
    ``hydra.sweeper.params``). ``args`` may hold flags; only ``-m``/``--multirun`` matters. Raises ConfigError."""
    return sweep_jobs(args)[0]


def sweep_jobs(args: list[str]) -> tuple[list[list[str]], dict | None]:
    """(:func:`job_overrides`, the settings of the sweep's launcher: its config node as a dict, ``_target_``
    included; None for a single run)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = [a for a in args if not a.startswith("-")]
    if not {"-m", "--multirun"} & set(args):
        return [overrides], None
    with folded():
        parser = OverridesParser.create()
        # the declared sweep depends on the chosen groups (experiment=...) only; values inside a group may need
        # the sweep's own group choices to apply (scenario.imposed.0.exempt=[] needs a scenario with an event);
        # Hydra's own values (hydra.launcher.n_jobs=4) are the launcher's settings
        groups = [
            o.input_line
            for o in parser.parse_overrides(overrides)
            if not o.is_sweep_override() and ("." not in o.key_or_group or o.key_or_group.startswith("hydra."))
        ]
        hydra_cfg = compose(groups, hydra=True).hydra
        declared = hydra_cfg.sweeper.params
        given = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
        overrides += [f"{k}={v}" for k, v in (declared or {}).items() if k not in given]
        parsed = parser.parse_overrides(overrides)
        jobs = [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
        return jobs, OmegaConf.to_container(hydra_cfg.launcher)


def without_sweeps(overrides: list[str]) -> list[str]:
    """``overrides`` less the sweep overrides (``seed=0,1``, ``x=range(3)``). Raises ConfigError."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    with folded():
        return [o.input_line for o in OverridesParser.create().parse_overrides(overrides) if not o.is_sweep_override()]
