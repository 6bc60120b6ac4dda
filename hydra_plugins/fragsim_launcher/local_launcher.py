"""The ``local`` launcher: Hydra's joblib launcher (one process per core), its workers composing each shape of
job once (:mod:`sim.runner.sweep_cache`) instead of every job from the YAML files."""

from __future__ import annotations

from hydra.types import HydraContext
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

from sim.runner.sweep_cache import CachedSweepLoader


class LocalLauncher(JoblibLauncher):
    """:class:`JoblibLauncher` with :class:`~sim.runner.sweep_cache.CachedSweepLoader` as its config loader."""

    def setup(self, *, hydra_context: HydraContext, task_function, config) -> None:
        loader = CachedSweepLoader(hydra_context.config_loader)
        cached = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        super().setup(hydra_context=cached, task_function=task_function, config=config)
