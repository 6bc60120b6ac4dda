"""The ``local`` launcher's work: Hydra's joblib launcher, with two costs of each job paid once per worker.

- **Composition.** Hydra's launcher composes every job of a sweep from the YAML files again (the defaults list,
  every group's file, the merge: about 0.08 s a job here, a tenth of a tipping-point run). As
  :func:`sim.runner.compose.compose_runs` does when a sweep is checked, a worker composes only the overrides that
  choose configs (``mechanism=m5``, ``hydra/launcher=…``), once per choice, and applies the job's other overrides
  (``seed=3``, ``scenario.adoption_frac=0.05``) to a copy with Hydra's own code; then it sets what Hydra derives
  from the whole override list: ``hydra.overrides.task`` and ``hydra.job.override_dirname``. The result equals
  Hydra's composition of the job (tested). :class:`CachedSweepLoader` wraps the sweep's config loader.
- **Global state.** Hydra's joblib worker resets its global state (config store, resolvers) before every job,
  which re-scans the installed plugins (about 0.03 s); here a worker sets it before its first job of a launch and
  keeps it, as Hydra's basic launcher keeps one state for every job it runs in turn.
- **Start-up.** A worker's first job imports the model, loads the topology and builds what every run on it
  shares (a few seconds on the 2016 graph). :func:`warm_up` starts the workers while ``fragsim`` still checks the
  sweep's jobs, each building the first job's model (nothing written); the launch then finds them ready (joblib
  reuses a pool started with the same options).

:func:`launch` is the launcher's ``launch`` (``hydra_plugins.fragsim_launcher``).
"""

from __future__ import annotations

import copy
import itertools
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.runner.compose import config_groups, config_stamp, parse_once, split_overrides

KEPT = 64  #: first stages a worker keeps (a sweep has one per combination of config choices)
_first_stage: OrderedDict[tuple, DictConfig] = OrderedDict()
PARSED_KEPT = 4096  #: override lines a worker keeps parsed (a sweep's jobs share most of theirs)
_parsed: dict = {}
_lock = threading.Lock()


class CachedSweepLoader:
    """Hydra's config loader, with :meth:`load_sweep_config` composing each choice of configs once per process;
    every other attribute is the wrapped loader's. Pickled to the workers with the sweep's Hydra context."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name: str):
        if name == "_loader":  # while unpickling, before __dict__ is restored
            raise AttributeError(name)
        return getattr(self._loader, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        """The job's configuration, as :meth:`ConfigLoaderImpl.load_sweep_config` composes it."""
        from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname

        if len(_parsed) > PARSED_KEPT:
            _parsed.clear()
        parsed = parse_once(list(sweep_overrides), _parsed)
        choice, values = split_overrides(parsed, config_groups())
        key = (config_stamp(), OmegaConf.to_yaml(master_config.hydra.overrides.hydra), choice)
        with _lock:
            first = _first_stage.get(key)
            if first is not None:
                _first_stage.move_to_end(key)
        if first is None:
            first = self._loader.load_sweep_config(master_config, list(choice))
            with _lock:
                _first_stage[key] = first
                while len(_first_stage) > KEPT:
                    _first_stage.popitem(last=False)
        cfg = copy.deepcopy(first)  # the launcher changes the job's copy (its id, its folder)
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        task = [o for o in parsed if not o.is_hydra_override()]
        cfg.hydra.overrides.task = [o.input_line for o in task]
        named = cfg.hydra.job.config.override_dirname
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=task, kv_sep=named.kv_sep, item_sep=named.item_sep, exclude_keys=named.exclude_keys
        )
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg


def clear() -> None:
    """Forget the first stages (tests)."""
    with _lock:
        _first_stage.clear()


log = logging.getLogger(__name__)
_launches = itertools.count()
_state_of: str | None = None  #: the launch whose global state this process holds


def joblib_options(settings: dict) -> dict:
    """The options of ``joblib.Parallel`` for the launcher's ``settings`` (its config node, ``_target_`` left out):
    as Hydra's joblib launcher sets them, on loky's processes."""
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

    options = {k: v for k, v in settings.items() if k != "_target_"}
    options["backend"] = "loky"  # as Hydra's: its threading backend cannot run Hydra jobs
    process_joblib_cfg(options)
    return options


_warming: threading.Thread | None = None  #: the warm-up of this process's pool, joined before a launch


def warm_up(settings: dict, run_cfg) -> None:
    """Start the pool of the launcher with ``settings`` now, in the background: each worker builds the model of
    ``run_cfg`` (:func:`sim.runner.run.warm`) and forgets it. An error is left to the jobs, which meet it again
    and report it."""
    global _warming
    from joblib import Parallel, delayed, effective_n_jobs

    from sim.runner.run import warm

    options = joblib_options(settings)

    def start() -> None:
        try:
            Parallel(**options)(delayed(warm)(run_cfg) for _ in range(effective_n_jobs(options["n_jobs"])))
        except BaseException as exc:  # noqa: BLE001 (the jobs report an error; Ctrl-C is the main thread's)
            log.debug(f"warm-up of the local launcher's workers ended: {exc!r}")

    _warming = threading.Thread(target=start, name="fragsim-warm-up", daemon=True)
    _warming.start()


def cancel_warm_up() -> None:
    """Stop a warm-up that is no longer wanted (a job failed its check, Ctrl-C): its workers are killed at once,
    so the command ends without waiting for the models they build."""
    global _warming
    if _warming is None:
        return
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)  # the pool joblib started (asking for one may start one)
    if executor is not None:
        executor.shutdown(wait=False, kill_workers=True)
    _warming.join()
    _warming = None


def launch(launcher, job_overrides, initial_job_idx: int) -> list:
    """Run ``job_overrides`` on joblib's processes, as Hydra's joblib launcher does (same logs, same job ids and
    folders), its workers composing through :class:`CachedSweepLoader` and setting the global state once."""
    global _warming
    from hydra.core.singleton import Singleton
    from hydra.core.utils import configure_log, filter_overrides, setup_globals
    from joblib import Parallel, delayed

    if _warming is not None:  # the pool started while the jobs were checked: ready once it is warm
        _warming.join()
        _warming = None
    setup_globals()
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    sweep_dir = Path(str(launcher.config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    joblib_cfg = joblib_options(launcher.joblib)
    log.info(
        f"Joblib.Parallel({','.join(f'{k}={v}' for k, v in joblib_cfg.items())}) is launching {len(job_overrides)} jobs"
    )
    log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
    for idx, overrides in enumerate(job_overrides):
        log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
    state = Singleton.get_state()
    token = f"{os.getpid()}-{next(_launches)}"
    context = launcher.hydra_context
    return Parallel(**joblib_cfg)(
        delayed(execute_job)(
            initial_job_idx + idx, overrides, context, launcher.config, launcher.task_function, state, token
        )
        for idx, overrides in enumerate(job_overrides)
    )


def execute_job(idx: int, overrides, hydra_context, config, task_function, singleton_state, token: str):
    """One job in a worker: Hydra's joblib ``execute_job``, the global state set only for the launch's first job
    in this process."""
    global _state_of
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.singleton import Singleton
    from hydra.core.utils import run_job, setup_globals
    from omegaconf import open_dict

    if _state_of != token:
        setup_globals()
        Singleton.set_state(singleton_state)
        _state_of = token
    sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    HydraConfig.instance().set_config(sweep_config)
    return run_job(
        hydra_context=hydra_context,
        config=sweep_config,
        task_function=task_function,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
