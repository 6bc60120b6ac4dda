"""The model's parameters as frozen dataclasses, checked on construction (``ValueError`` naming the field).

The same dataclasses serve as Hydra structured-config schemas. :class:`ModelConfig` is flat for the values a
sweep varies (``adoption_frac``, ``mechanisms``, ``n_sources``...), with nested groups for the decision rule and
each mechanism's parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

from sim.model.market import MARKET_MEASURES
from sim.model.mechanisms.registry import Labels, mechanism_names


class Mechanism(StrEnum):
    """The coordination mechanisms compared by the working group. Each is a plugin of
    :mod:`sim.model.mechanisms` registered under its value; a plugin added there needs no member here."""

    M0 = "m0"  #: none: every state decides alone
    M1 = "m1"  #: unilateral extraterritorial leader: others comply or exit
    M2 = "m2"  #: retaliation (tit-for-tat)
    M3 = "m3"  #: bilateral agreements between close trading partners
    M4 = "m4"  #: mutual recognition of close profiles
    M5 = "m5"  #: multilateral forum: members harmonize their profiles
    M6 = "m6"  #: public-core norm: protected elements exempt from regulation
    M7 = "m7"  #: operator re-homing: new transit bought after cuts
    M8 = "m8"  #: technical mitigation: transit restrictions routed around


MECHANISM_NAMES: Mapping[str, str] = Labels()  #: each registered mechanism's label by name


def _check(cond: bool, name: str, value, expected: str) -> None:
    if not cond:
        raise ValueError(f"{name} must be {expected}, got {value!r}")


def _check_frac(obj, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        _check(isinstance(value, (int, float)) and 0 <= value <= 1, name, value, "in [0, 1]")


#: largest magnitude of a weight, cost or pressure: each term of the decision rule is of order 1, so a larger
#: value only overflows (10^308 × a pressure is inf, and inf − inf is NaN in every metric after it)
MAX_MAGNITUDE = 1e6


def _is_number(value) -> bool:
    """A finite int or float (not a bool) of magnitude at most :data:`MAX_MAGNITUDE`: NaN and infinities would
    pass a comparison and poison every sum, and so would the overflow of an absurd one."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= MAX_MAGNITUDE
    )


def _check_nonneg(obj, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        _check(_is_number(value) and value >= 0, name, value, f"a finite number in [0, {MAX_MAGNITUDE:,.0f}]")


@dataclass(frozen=True)
class DecisionParams:
    """Weights of a state's decision rule (step 2); see :class:`sim.model.agents.StateAgent`."""

    sovereignty_weight: float = 1.0  #: weight of sovereignty drive × pressure
    imitation_weight: float = 0.5  #: weight of the share of neighbouring states that adopted
    retaliation_weight: float = 0.5  #: weight of having been hurt by another state's rule
    cost_weight: float = 1.0  #: weight of the expected connectivity cost
    strengthen_step: float = 0.05  #: profile move away from the world mean when strengthening
    #: cost of escalating, per unit of distance already moved from the state's initial profile (bounds the drift):
    #: at 5, a drift of 0.2 (two thirds of the default conflict tolerance) costs 1, the largest sovereignty benefit
    #: at full drive and pressure, so few states move much further from their legal tradition
    escalation_cost: float = 5.0
    base_pressure: float = 0.5  #: exogenous pressure at step 0
    pressure_trend: float = 0.01  #: added to the pressure every step
    shock_prob: float = 0.1  #: chance of a security shock in a step
    shock_size: float = 0.3  #: pressure added by a shock
    shock_decay: float = 0.5  #: share of the shock pressure left after a step

    def __post_init__(self):
        _check_nonneg(
            self,
            "sovereignty_weight",
            "imitation_weight",
            "retaliation_weight",
            "cost_weight",
            "strengthen_step",
            "escalation_cost",
            "base_pressure",
            "shock_size",
        )
        _check_frac(self, "shock_prob", "shock_decay")
        _check(
            _is_number(self.pressure_trend),
            "pressure_trend",
            self.pressure_trend,
            f"a finite number in [-{MAX_MAGNITUDE:,.0f}, {MAX_MAGNITUDE:,.0f}]",
        )


@dataclass(frozen=True)
class MechanismParams:
    """Parameters of the coordination mechanisms (each used only when its mechanism is on; each mechanism's
    class in :mod:`sim.model.mechanisms` says what its parameters mean)."""

    leader: str = ""  #: M1: the leading state's country code ("" = the largest market)
    comply_prob: float = 0.5  #: M1: chance per step that a state dependent on the leader complies
    retaliate_prob: float = 0.5  #: M2: chance that a hurt state sanctions the state that hurt it
    agreement_share: float = 0.02  #: M3: share of its cross-border links two states must exchange to sign
    agreements_per_step: int = 5  #: M3: agreements signed per step (the closest pairs first)
    recognition_tolerance: float = 0.5  #: M4: profile distance within which rules are equivalent
    forum_seed: int = 5  #: M5: largest states founding the forum
    harmonization_rate: float = 0.2  #: M5: step toward the forum's mean profile
    join_cost: float = 0.3  #: M5: mean cost of joining (benefit is the members' market share)
    norm_adherence: float = 1.0  #: M6: share of states adhering to the public-core norm
    protected_roles: tuple[str, ...] = ("tier1", "ixp", "dns_root")  #: M6: what the norm protects
    rehome_delay: int = 1  #: M7: steps before an operator that lost links buys new transit
    rehome_rate: float = 0.5  #: M7: chance per step that such an operator re-homes
    rehome_cost: float = 1.0  #: M7: cost of one new link (reported)

    def __post_init__(self):
        leader = self.leader
        _check(
            isinstance(leader, str) and (leader == "" or (len(leader) == 2 and leader.isascii() and leader.isupper())),
            "leader",
            leader,
            "a two-letter country code (GB, US) or empty (the largest market)",
        )
        _check_frac(
            self,
            "comply_prob",
            "retaliate_prob",
            "agreement_share",
            "recognition_tolerance",
            "harmonization_rate",
            "norm_adherence",
            "rehome_rate",
        )
        _check_nonneg(self, "join_cost", "rehome_cost")
        for name in ("agreements_per_step", "forum_seed", "rehome_delay"):
            value = getattr(self, name)
            _check(isinstance(value, int) and not isinstance(value, bool) and value >= 0, name, value, "an integer ≥ 0")
        object.__setattr__(self, "protected_roles", tuple(self.protected_roles))


@dataclass(frozen=True)
class PathMeasureParams:
    """The path-level measures recorded per step (:mod:`sim.model.paths`): off by default, as they cost a routes
    pass (:func:`sim.routes`) over the measured destinations every step."""

    enabled: bool = False  #: record them (off: the run's outputs are exactly as without the switch)
    #: the largest countries (by ASes) among which jurisdiction exposure is measured, 0 for none: its pass over the
    #: stored routes is the costliest part and grows with the countries asked for, so it is bounded
    exposure_countries: int = 20

    def __post_init__(self):
        _check(isinstance(self.enabled, bool), "enabled", self.enabled, "true or false")
        n = self.exposure_countries
        _check(
            isinstance(n, int) and not isinstance(n, bool) and (n == 0 or n >= 2),
            "exposure_countries",
            n,
            "0 (no exposure) or an integer ≥ 2 (the largest countries among which exposure is measured)",
        )


@dataclass
class ImposedRegulation:
    """A regulation the scenario imposes (a historic event replayed), e.g. a shutdown at step 3.

    Not frozen, unlike the other groups: Hydra overrides of list elements (``scenario.imposed.0.k=4``, how an
    experiment sweeps one event's parameters) need writable list items."""

    step: int
    country: str
    kind: str  #: a :class:`sim.model.regulations.RegKind` value
    target: str = ""  #: sanctions / transit restriction: the target country
    secondary: bool = False  #: sanctions: third-country operators must comply too
    k: int = 1  #: sovereign gateway: number of gateways
    gateway_choice: str = "largest"  #: sovereign gateway: "largest" transit ASes or "state_owned"
    exempt: tuple[int, ...] = ()  #: shutdown: ASNs whose links stay up
    lift_step: int = -1  #: step at which it is lifted (-1: never)

    def __post_init__(self):
        from sim.model.regulations import GatewayChoice, RegKind

        _check(isinstance(self.step, int) and self.step >= 1, "step", self.step, "an integer ≥ 1")
        _check(self.kind in RegKind.__members__.values(), "kind", self.kind, f"one of {[k.value for k in RegKind]}")
        _check(
            self.gateway_choice in GatewayChoice.__members__.values(),
            "gateway_choice",
            self.gateway_choice,
            f"one of {[g.value for g in GatewayChoice]}",
        )
        _check(isinstance(self.k, int) and self.k >= 0, "k", self.k, "an integer ≥ 0")
        needs_target = self.kind in ("sanctions", "transit_restriction")
        _check(
            bool(self.target) == needs_target,
            "target",
            self.target,
            "a country code for sanctions and transit restrictions, empty otherwise",
        )
        _check(self.target != self.country, "target", self.target, f"a country other than {self.country!r}")
        _check(
            self.lift_step < 0 or self.lift_step > self.step,
            "lift_step",
            self.lift_step,
            f"-1 (never) or a step after step={self.step}",
        )
        self.exempt = tuple(int(a) for a in self.exempt)


def _path_measures(value) -> PathMeasureParams:
    """``path_measures`` as given: the group, a mapping of its fields, or a bool (``True``: on, with the defaults);
    an error names ``path_measures.<field>``."""
    if isinstance(value, PathMeasureParams):
        return value
    if isinstance(value, bool):
        return PathMeasureParams(enabled=value)
    _check(isinstance(value, Mapping), "path_measures", value, "true, false or a mapping of its fields")
    try:
        return PathMeasureParams(**value)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"path_measures.{exc}") from None


@dataclass(frozen=True)
class ModelConfig:
    """Everything a run of :class:`sim.model.model.FragmentationModel` needs besides the topology and the seed."""

    n_sources: int | None = 1024  #: sampled sources for reachability (None: exact all-pairs)
    mechanisms: tuple[str, ...] = ("m0",)  #: coordination mechanisms in force (combinable)
    adoption_frac: float = 0.5  #: share of states that may adopt extraterritorial rules
    adopter_choice: str = "size"  #: "size" (largest markets first) or "random"
    conflict_tolerance: float = 0.3  #: profile distance (RMS over the policy dimensions) above which rules conflict
    profile_spread: float = 0.15  #: standard deviation of the states' initial profiles around 0.5
    #: torn operators "weigh" the compliance cost against the market's value to them, or always "exit" it
    operator_choice: str = "weigh"
    #: cost of complying with a conflicting foreign rule at the most severe conflict, as a share of an operator's
    #: business (its neighbours' worth): it exits the regulating market when cost × severity exceeds that market's share
    compliance_cost: float = 0.05
    #: the market measure: "address_space" (/24 blocks), "ases", "cone", "population" or "gdp" (sim.model.market)
    market: str = "address_space"
    restore_delay: int = 1  #: steps after the conflict behind a cut ends before the link comes back
    loss_tolerance_mean: float = 0.5  #: states' mean tolerance for connectivity loss
    segment_threshold: float = 0.5  #: share of baseline reachability two countries must keep to be one segment
    imposed: tuple[ImposedRegulation, ...] = ()  #: scenario events
    #: regulatory blocs in force from the start, name -> member country codes (e.g. the EU's single rulebook):
    #: members hold one profile (their mean, after every step's decisions), never conflict with each other, and
    #: make one market for the operators their rules bind
    blocs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    decision: DecisionParams = field(default_factory=DecisionParams)
    mechanism_params: MechanismParams = field(default_factory=MechanismParams)
    path_measures: PathMeasureParams = field(default_factory=PathMeasureParams)  #: per-step path measures

    def __post_init__(self):
        if self.n_sources is not None:
            _check(
                isinstance(self.n_sources, int) and self.n_sources >= 1,
                "n_sources",
                self.n_sources,
                "a positive integer or None",
            )
        mechanisms = (self.mechanisms,) if isinstance(self.mechanisms, str) else tuple(self.mechanisms)
        known = mechanism_names()  # the registered plugins
        _check(bool(mechanisms), "mechanisms", list(mechanisms), "at least one mechanism ('m0': none)")
        for m in mechanisms:
            _check(str(m).lower() in known, "mechanisms", m, f"among {known}")
        object.__setattr__(self, "mechanisms", tuple(dict.fromkeys(str(m).lower() for m in mechanisms)))
        _check_frac(
            self, "adoption_frac", "conflict_tolerance", "loss_tolerance_mean", "segment_threshold", "profile_spread"
        )
        _check(self.adopter_choice in ("size", "random"), "adopter_choice", self.adopter_choice, "'size' or 'random'")
        _check(self.operator_choice in ("weigh", "exit"), "operator_choice", self.operator_choice, "'weigh' or 'exit'")
        _check_frac(self, "compliance_cost")
        _check(self.market in MARKET_MEASURES, "market", self.market, f"one of {list(MARKET_MEASURES)}")
        delay = self.restore_delay
        _check(
            isinstance(delay, int) and not isinstance(delay, bool) and delay >= 0,
            "restore_delay",
            self.restore_delay,
            "an integer ≥ 0",
        )
        _check(hasattr(self.blocs, "items"), "blocs", self.blocs, "a mapping of bloc name to country codes")
        object.__setattr__(self, "blocs", {str(k): tuple(str(c) for c in v) for k, v in self.blocs.items()})
        for name, members in self.blocs.items():
            _check(len(members) >= 2, f"blocs.{name}", list(members), "at least two country codes")
        object.__setattr__(
            self,
            "imposed",
            tuple(r if isinstance(r, ImposedRegulation) else ImposedRegulation(**r) for r in self.imposed),
        )
        for name, cls in (("decision", DecisionParams), ("mechanism_params", MechanismParams)):
            value = getattr(self, name)
            if isinstance(value, dict):
                object.__setattr__(self, name, cls(**value))
        object.__setattr__(self, "path_measures", _path_measures(self.path_measures))

    def has(self, mechanism: Mechanism) -> bool:
        return mechanism.value in self.mechanisms

    @classmethod
    def from_kwargs(cls, **kwargs) -> ModelConfig:
        """Build from flat keyword arguments; a key of a nested group (e.g. ``retaliate_prob``) goes to it."""
        groups = {"decision": DecisionParams, "mechanism_params": MechanismParams, "path_measures": PathMeasureParams}
        nested: dict[str, dict] = {g: {} for g in groups}
        top = {f.name for f in fields(cls)}
        flat = {}
        for key, value in kwargs.items():
            owner = next((g for g, c in groups.items() if key in {f.name for f in fields(c)}), None)
            if key in top:
                flat[key] = value
            elif owner is not None:
                nested[owner][key] = value
            else:
                raise TypeError(f"unknown model parameter {key!r}")
        for g, cls_ in groups.items():
            if nested[g]:
                base = flat.get(g, cls_())
                base = cls_(**base) if isinstance(base, dict) else base
                flat[g] = cls_(**{**{f.name: getattr(base, f.name) for f in fields(cls_)}, **nested[g]})
        return cls(**flat)
