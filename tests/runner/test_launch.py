"""The local launcher's workers compose a sweep's jobs in two stages (:mod:`sim.runner.launch`): every job's
configuration, ``hydra`` node included, equals Hydra's own composition of it."""

from __future__ import annotations

import pickle

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_config_search_path
from hydra.types import RunMode
from omegaconf import OmegaConf

from sim.runner import launch
from sim.runner.compose import CONFIG_NAME, CONFIG_PATH, job_overrides
from sim.runner.launch import CachedSweepLoader

SWEEP = [
    "experiment=mechanisms",
    "scenario=sanctions,extraterritorial_wave",
    "mechanism=m0,m5",
    "seed=0,1",
    "scenario.steps=3,4",
    "scenario.decision.base_pressure=0.2",
    "+scenario.blocs.X=[FR,DE]",
    "sweep_name=study/axis",  # excluded from the folder name (hydra.job.config.override_dirname.exclude_keys)
]


@pytest.fixture()
def loader_and_master():
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(CONFIG_PATH))
    master = loader.load_configuration(
        config_name=CONFIG_NAME,
        overrides=[*SWEEP, "hydra/launcher=local", "hydra.verbose=false"],
        run_mode=RunMode.MULTIRUN,
    )
    launch.clear()
    yield loader, master
    launch.clear()


def test_every_job_of_a_sweep_is_configured_as_hydra_composes_it(loader_and_master):
    loader, master = loader_and_master
    jobs = job_overrides(["-m", *SWEEP])
    assert len(jobs) == 16
    cached = pickle.loads(pickle.dumps(CachedSweepLoader(loader)))  # as the launcher hands it to a worker
    for job in jobs + jobs[:3]:  # composed anew, then from the first stages (a repeated job too)
        expected = loader.load_sweep_config(master, list(job))
        got = cached.load_sweep_config(master, list(job))
        assert OmegaConf.to_container(got, resolve=False) == OmegaConf.to_container(expected, resolve=False)
        assert OmegaConf.is_struct(got) == OmegaConf.is_struct(expected)
        assert got.hydra.job.override_dirname == expected.hydra.job.override_dirname  # the run's folder
    assert len(launch._first_stage) == 4  # 2 scenarios x 2 mechanisms: the first stages composed


def test_a_jobs_copy_is_its_own(loader_and_master):
    """The launcher writes the job's id and folder into its configuration: a later job is not affected."""
    loader, master = loader_and_master
    cached = CachedSweepLoader(loader)
    jobs = job_overrides(["-m", *SWEEP])
    first = cached.load_sweep_config(master, list(jobs[0]))
    OmegaConf.set_struct(first, False)
    first.hydra.job.num = 99
    first.seed = 42
    again = cached.load_sweep_config(master, list(jobs[0]))
    assert OmegaConf.is_missing(again.hydra.job, "num") and again.seed == 0


def test_fragsim_registers_the_local_launcher_with_hydra():
    """Hydra's scan of the hydra_plugins namespace misses a plugin installed in editable mode; fragsim registers
    its launcher by hand, under the name the launcher config gives."""
    from hydra.core.plugins import Plugins

    from sim.cli.fragsim import register_local_launcher
    from sim.runner.compose import compose

    register_local_launcher()
    target = compose(["hydra/launcher=local"], hydra=True).hydra.launcher._target_
    assert target == "hydra_plugins.fragsim_launcher.local_launcher.LocalLauncher"
    assert Plugins.instance().class_name_to_class[target].__name__ == "LocalLauncher"


def test_the_workers_warmed_while_a_sweep_is_checked_are_those_that_run_its_jobs():
    """fragsim starts the local launcher's workers while it checks a sweep (launch.warm_up): each builds the first
    job's model. The launch's pool must be that pool (joblib reuses a pool started with the same options), its
    workers holding the topology already; a single run has no launcher to warm."""
    from joblib import Parallel, delayed

    from sim.cli.fragsim import LOCAL_LAUNCHER
    from sim.runner.compose import compose_run, sweep_jobs
    from sim.runner.run import build_topology

    jobs, settings = sweep_jobs(["-m", "seed=0,1", "topology.n_ases=400", "hydra/launcher=local"])
    assert len(jobs) == 2 and settings["_target_"] == LOCAL_LAUNCHER
    assert sweep_jobs(["seed=0"]) == ([["seed=0"]], None)
    launch.warm_up(settings, compose_run(jobs[0]))
    launch._warming.join()
    options = launch.joblib_options(settings)
    built = Parallel(**options)(delayed(build_topology.cache_info)() for _ in range(4 * options["n_jobs"]))
    assert any(info.currsize >= 1 for info in built)  # a new pool's workers would hold nothing


def test_a_sweep_whose_check_fails_stops_its_warm_up(monkeypatch):
    """A job that fails its check ends the command (exit 2) while the workers may still build the first job's
    model: the warm-up is cancelled (its workers killed) instead of waited for."""
    from sim.cli.fragsim import validate
    from sim.runner.schema import ConfigError

    cancelled = []
    real = launch.cancel_warm_up
    monkeypatch.setattr(launch, "cancel_warm_up", lambda: cancelled.append(launch._warming) or real())
    with pytest.raises(ConfigError, match="adoption_frac"):
        validate(["-m", "topology.n_ases=400", "scenario.adoption_frac=0,1.5", "hydra/launcher=local"])
    assert len(cancelled) == 1 and cancelled[0] is not None  # started after the first job, then cancelled
    assert launch._warming is None
