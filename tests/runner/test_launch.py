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
