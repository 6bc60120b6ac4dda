"""A sweep's jobs composed in two stages, the first once per choice of configs, in each worker of the ``local``
launcher.

Hydra's launcher composes every job of a sweep from the YAML files again (the defaults list, every group's file,
the merge: about 0.08 s a job here, a tenth of a tipping-point run). As :func:`sim.runner.compose.compose_runs`
does when a sweep is checked, a worker composes only the overrides that choose configs (``mechanism=m5``,
``hydra/launcher=…``), once per choice, and applies the job's other overrides (``seed=3``,
``scenario.adoption_frac=0.05``) to a copy with Hydra's own code; then it sets what Hydra derives from the whole
override list: ``hydra.overrides.task`` and ``hydra.job.override_dirname``. The result equals Hydra's composition
of the job (tested).

:class:`CachedSweepLoader` wraps the sweep's config loader; the local launcher (``hydra_plugins.fragsim_launcher``)
hands it to its workers in place of Hydra's.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict

from omegaconf import DictConfig, OmegaConf

from sim.runner.compose import _config_stamp, config_groups, split_overrides

KEPT = 64  #: first stages a worker keeps (a sweep has one per combination of config choices)
_first_stage: OrderedDict[tuple, DictConfig] = OrderedDict()
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
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(list(sweep_overrides))
        choice, values = split_overrides(parsed, config_groups())
        key = (_config_stamp(), OmegaConf.to_yaml(master_config.hydra.overrides.hydra), choice)
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
