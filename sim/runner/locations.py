"""Where a run's files are: the folder a command was started in, and the file paths of a configuration made
absolute against it, so that a run reads the same files from whatever folder it runs in (Hydra may run a job
elsewhere: ``hydra.job.chdir=true``, a cluster launcher's worker)."""

from __future__ import annotations

import os

from omegaconf import DictConfig, OmegaConf

from sim.data.paths import data_dir, data_source, missing_data_hint
from sim.runner.schema import ConfigError, MissingFileError

#: the keys whose values name files: a relative one is taken from the folder the command was started in
PATH_KEYS = (
    "paths.data",
    "paths.samples",
    "topology.path",
    "topology.as_country",
    "topology.state_owned",
    "topology.as_org",
)


def invocation_dir() -> str:
    """The folder the command was started in: ``hydra.runtime.cwd`` inside a Hydra job (which may run in another
    folder: ``hydra.job.chdir=true``, a cluster launcher's worker), else the working directory."""
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.get().runtime.cwd if HydraConfig.initialized() else os.getcwd()


def data_dir_text() -> str:
    """The data folder (:func:`sim.data.paths.data_dir`, a relative ``$FRAGSIM_DATA`` taken from
    :func:`invocation_dir`): the value of ``${fragsim_data_dir:}``, ``paths.data``'s default."""
    return str(data_dir(invocation_dir()))


def anchor_paths(cfg: DictConfig) -> DictConfig:
    """``cfg`` with every file path of :data:`PATH_KEYS` given as a relative value (not an interpolation such as
    ``${paths.data}/caida/...``) made absolute against :func:`invocation_dir`, ``~`` expanded (in place): a run
    reads the same files whatever folder it runs in, and its ``config.yaml`` names them."""
    base = invocation_dir()
    for key in PATH_KEYS:
        parent_key, _, leaf = key.rpartition(".")
        parent = OmegaConf.select(cfg, parent_key)
        # keys() and is_interpolation read the node as written; `leaf in parent` would resolve every interpolation
        if not isinstance(parent, DictConfig) or leaf not in parent.keys() or OmegaConf.is_interpolation(parent, leaf):
            continue
        if OmegaConf.is_missing(parent, leaf):
            continue
        value = parent[leaf]
        if isinstance(value, str) and value and "\0" not in value:
            anchored = os.path.abspath(os.path.join(base, os.path.expanduser(value)))
            if anchored != value:
                parent[leaf] = anchored
    return cfg


def in_data_folder(exc: MissingFileError, cfg: DictConfig) -> ConfigError:
    """``exc`` with the data folder searched and how to set it, when the missing file was expected there."""
    folder = OmegaConf.select(cfg, "paths.data", default=None)
    if not folder or not os.path.abspath(exc.path).startswith(os.path.join(os.path.abspath(folder), "")):
        return exc
    chosen = data_source() if folder == data_dir_text() else "the override paths.data"
    return ConfigError(f"{exc}: {missing_data_hint(folder, chosen)}")
