"""The ``local`` launcher: Hydra's joblib launcher (one process per core), its workers composing each choice of
configs once and setting Hydra's global state once (:mod:`sim.runner.launch`)."""

from __future__ import annotations

from hydra.types import HydraContext
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

from sim.runner.launch import CachedSweepLoader, launch


class LocalLauncher(JoblibLauncher):
    """:class:`JoblibLauncher` with :class:`~sim.runner.launch.CachedSweepLoader` as its config loader and
    :func:`~sim.runner.launch.launch` as its launch."""

    def setup(self, *, hydra_context: HydraContext, task_function, config) -> None:
        loader = CachedSweepLoader(hydra_context.config_loader)
        cached = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        super().setup(hydra_context=cached, task_function=task_function, config=config)

    def launch(self, job_overrides, initial_job_idx: int):
        return launch(self, job_overrides, initial_job_idx)
