"""The run configuration: structured-config schemas for Hydra, built from the model's own dataclasses.

A run is ``topology`` × ``scenario`` × ``mechanism`` × ``seed``: each is a config group of ``configs/`` (the
scenario group is the library in ``scenarios/``); ``paths`` says where data sets are read from. A run of a
parameter sample (``sample``, a row of the file ``paths.samples``) takes that row's values
(:mod:`sim.runner.sample`). Every value is
checked when the config is turned into these dataclasses; an error names the config key
(``scenario.adoption_frac must be in [0, 1], got 1.5``).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from sim.data.paths import data_dir
from sim.model.config import DecisionParams, ImposedRegulation, MechanismParams, ModelConfig, PathMeasureParams


class ConfigError(ValueError):
    """A bad value in the run configuration; the message names the config key."""


class MissingFileError(ConfigError):
    """A file the configuration names does not exist; ``key`` is its config key, ``path`` the file."""

    def __init__(self, key: str, path: str):
        super().__init__(f"{key}: no such file {path!r}")
        self.key, self.path = key, path


def prefixed(prefix: str, exc: Exception) -> ConfigError:
    """``exc`` as a ConfigError whose message starts with the config key ``prefix`` (added once)."""
    return ConfigError(f"{prefix}.{exc}" if not str(exc).startswith(prefix + ".") else str(exc))


def check_text(key: str, value, path: bool = False, name: bool = False) -> None:
    """Refuse a string value with a control character (a NUL byte, a line break: ``scenario.name``), or, for a
    path (``path=True``), with a NUL byte, which no file name holds; a ``name`` may not be empty. Raises
    ConfigError naming ``key``."""
    if value is None:
        return
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be text, got {value!r}")
    if name and not value.strip():
        raise ConfigError(f"{key} must be a name, got {value!r}")
    if "\0" in value or (not path and not value.isprintable()):
        what = "a NUL byte" if "\0" in value else "a control character (a line break, a tab...)"
        raise ConfigError(f"{key} must not contain {what}, got {value[:80]!r}")


def _default(cls, name: str):
    f = next(f for f in fields(cls) if f.name == name)
    return f.default if f.default is not MISSING else f.default_factory()


@dataclass(frozen=True)
class TopologyConfig:
    """Where the AS graph comes from: the seeded synthetic Internet, or CAIDA files with annotations."""

    kind: str = "synthetic"  #: "synthetic" or "caida"
    n_ases: int = 10_000  #: synthetic: number of ASes
    seed: int = 0  #: synthetic: generator seed (the topology stays fixed across run seeds)
    path: str | None = None  #: caida: AS-relationship file
    as_country: str | None = None  #: caida: AS→country CSV or as-org2info
    state_owned: str | None = None  #: caida: state-owned AS CSV
    strict: bool = False  #: caida: reject duplicate/conflicting pairs instead of resolving them
    as_org: str | None = None  #: caida: CAIDA as-org2info, for the ASes ``as_country`` leaves unknown
    infer_countries: bool = True  #: caida: locate the ASes still unknown from their neighbours when all agree

    FILE_KEYS = ("path", "as_country", "state_owned", "as_org")  #: the keys that name files (caida only)

    def __post_init__(self):
        if self.kind not in ("synthetic", "caida"):
            raise ConfigError(f"topology.kind must be 'synthetic' or 'caida', got {self.kind!r}")
        if self.kind == "synthetic" and not (isinstance(self.n_ases, int) and self.n_ases >= 20):
            raise ConfigError(f"topology.n_ases must be an integer ≥ 20, got {self.n_ases!r}")
        if not (isinstance(self.seed, int) and not isinstance(self.seed, bool) and self.seed >= 0):
            raise ConfigError(f"topology.seed must be an integer ≥ 0, got {self.seed!r}")
        for key in ("strict", "infer_countries"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"topology.{key} must be true or false, got {getattr(self, key)!r}")
        for key in self.FILE_KEYS:
            check_text(f"topology.{key}", getattr(self, key), path=True)
        # a key of the other kind would be silently ignored: the user meant another topology
        unused = (
            [k for k in self.FILE_KEYS if getattr(self, k)]
            if self.kind == "synthetic"
            else [k for k in ("n_ases", "seed") if getattr(self, k) != _default(TopologyConfig, k)]
        )
        if unused:
            other = "topology=caida (a CAIDA file)" if self.kind == "synthetic" else "topology=synthetic"
            raise ConfigError(
                f"topology.{unused[0]} does not apply to the {self.kind} topology (topology.kind={self.kind}); "
                f"for it choose {other}"
            )
        if self.kind == "caida":
            if not self.path:
                raise ConfigError("topology.path must name a CAIDA AS-relationship file")
            for key in self.FILE_KEYS:
                value = getattr(self, key)
                if value and not Path(value).is_file():
                    raise MissingFileError(f"topology.{key}", value)

    def files(self) -> list[str]:
        return [f for f in (self.path, self.as_country, self.as_org, self.state_owned) if f]


@dataclass(frozen=True)
class ScenarioConfig:
    """A named scenario: regulatory intensity, how conflicts resolve, and the events it imposes."""

    name: str = "status_quo"
    description: str = ""
    steps: int = 20
    adoption_frac: float = 0.0
    adopter_choice: str = "size"
    conflict_tolerance: float = 0.3
    profile_spread: float = 0.15
    operator_choice: str = "weigh"
    compliance_cost: float = 0.05
    market: str = "address_space"
    restore_delay: int = 1
    loss_tolerance_mean: float = 0.5
    segment_threshold: float = 0.5
    imposed: list[ImposedRegulation] = field(default_factory=list)
    blocs: dict[str, list[str]] = field(default_factory=dict)
    decision: DecisionParams = field(default_factory=DecisionParams)

    def __post_init__(self):
        if not (isinstance(self.steps, int) and self.steps >= 0):
            raise ConfigError(f"scenario.steps must be an integer ≥ 0, got {self.steps!r}")
        check_text("scenario.name", self.name, name=True)
        check_text("scenario.description", self.description, path=True)  # a long one may wrap
        try:  # the model's own checks, reported under scenario.
            ModelConfig(**self.model_fields())
        except (ValueError, TypeError) as exc:
            raise prefixed("scenario", exc) from None

    def model_fields(self) -> dict:
        names = {f.name for f in fields(ModelConfig)}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in names}


@dataclass(frozen=True)
class MechanismConfig:
    """Coordination mechanisms in force (combinable) and their parameters."""

    name: str = "m0"
    mechanisms: list[str] = field(default_factory=lambda: ["m0"])
    params: MechanismParams = field(default_factory=MechanismParams)

    def __post_init__(self):
        check_text("mechanism.name", self.name, name=True)
        try:
            ModelConfig(mechanisms=tuple(self.mechanisms), mechanism_params=self.params)
        except (ValueError, TypeError) as exc:
            raise prefixed("mechanism", exc) from None


@dataclass(frozen=True)
class PathsConfig:
    """Where data sets are read from; the configs refer to it as ``${paths.data}``. Not a model parameter."""

    data: str = field(default_factory=lambda: str(data_dir()))  #: the data folder (:func:`sim.data.paths.data_dir`)
    #: a parameter sample (CSV, one column per config key, one row per point) that ``sample`` indexes
    samples: str | None = None

    def __post_init__(self):
        check_text("paths.data", self.data, path=True)
        if not self.data:
            raise ConfigError(f"paths.data must name a folder, got {self.data!r}")
        check_text("paths.samples", self.samples, path=True)


@dataclass(frozen=True)
class RunConfig:
    """One run of the ``fragsim`` command."""

    topology: TopologyConfig = field(default_factory=TopologyConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mechanism: MechanismConfig = field(default_factory=MechanismConfig)
    seed: int = 0  #: the run's seed: every random choice of the model flows from it
    n_sources: int | None = 1024  #: sampled sources per step (None: exact all-pairs)
    #: path-level measures per step (chosen routes to the measured destinations), off by default; recorded in the
    #: run folder's config.yaml only when enabled (off, a run's files are the same as before the switch existed)
    path_measures: PathMeasureParams = field(default_factory=PathMeasureParams)
    sweep_name: str = "default"  #: names a sweep's folder (runs/<sweep_name>/); not a model parameter
    #: parameters of an experiment's analysis step (``fragsim-experiment``); not a model parameter
    analysis: dict[str, Any] = field(default_factory=dict)
    paths: PathsConfig = field(default_factory=PathsConfig)  #: where data is read from; not a model parameter
    #: the row of ``paths.samples`` whose values this run takes (applied when composing, then recorded with them)
    sample: int | None = None

    def __post_init__(self):
        check_text("sweep_name", self.sweep_name)
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise ConfigError(f"seed must be an integer ≥ 0, got {self.seed!r}")
        if self.sample is not None and not (isinstance(self.sample, int) and self.sample >= 0):
            raise ConfigError(f"sample must be an integer ≥ 0 or null, got {self.sample!r}")
        if self.n_sources is not None and not (isinstance(self.n_sources, int) and self.n_sources >= 1):
            raise ConfigError(f"n_sources must be a positive integer or null, got {self.n_sources!r}")

    def check_topology(self, topo) -> None:
        """The model's checks against the topology, reported under the run's config keys."""
        from sim.model.model import check_config

        try:
            check_config(self.model_config(), topo)
        except ValueError as exc:
            text = str(exc)
            text = (
                text.replace("mechanism_params.", "mechanism.params.", 1)
                if text.startswith("mechanism_params.")
                else f"scenario.{text}"
            )
            raise ConfigError(text) from None

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            n_sources=self.n_sources,
            path_measures=self.path_measures,
            mechanisms=tuple(self.mechanism.mechanisms),
            mechanism_params=self.mechanism.params,
            **self.scenario.model_fields(),
        )
