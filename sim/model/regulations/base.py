"""What every regulation type shares: the regulation record, the context its effect depends on, the effect
itself, the registry of effects by :class:`RegKind` and the link helpers the types use.

A regulation type is one module of this package holding one function ``effect(world, reg, ctx) -> Effect``
registered with :func:`register` under its :class:`RegKind`. Every effect is computed in bulk over the links of
the countries concerned (no Python loop per AS or per link). ``Effect.cut`` lists the link ids a regulation cuts
now; links already cut stay cut, with the first regulation that cut them recorded by the model. What a
coordination mechanism changes about the cuts (the public-core norm, technical mitigation) is applied by the
mechanism, after the regulation's own effect (see :mod:`sim.model.mechanisms`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from sim.model.world import World


class RegKind(StrEnum):
    TERRITORIAL = "territorial"
    EXTRATERRITORIAL = "extraterritorial"
    GATEWAY = "gateway"
    SANCTIONS = "sanctions"
    TRANSIT_RESTRICTION = "transit_restriction"
    SHUTDOWN = "shutdown"


class GatewayChoice(StrEnum):
    LARGEST = "largest"
    STATE_OWNED = "state_owned"


@dataclass(frozen=True)
class Regulation:
    """One regulation in force. ``state`` and ``target`` are country indices of the topology."""

    id: int
    kind: RegKind
    state: int
    step: int
    target: int = -1
    secondary: bool = False
    k: int = 1
    gateway_choice: GatewayChoice = GatewayChoice.LARGEST
    exempt: tuple[int, ...] = ()  # AS indices
    imposed: bool = False
    lift_step: int = -1

    def active(self, step: int) -> bool:
        return self.step <= step and (self.lift_step < 0 or step < self.lift_step)


@dataclass
class Context:
    """What a regulation's effect depends on beyond the graph, at this step."""

    conflict: np.ndarray  #: (K, K) bool: the rules of the two states conflict
    operator_choice: str  #: torn operators "weigh" compliance cost against the market, or always "exit"
    cone: np.ndarray  #: (n_ases,) customer cone sizes
    #: (K, K) float in [0, 1]: how far past the tolerance two states' rules are (0 at the tolerance, 1 at the
    #: largest possible distance); meaningful where ``conflict`` is True
    severity: np.ndarray | None = None
    compliance_cost: float = 0.05  #: cost of complying at severity 1, as a share of an operator's business
    #: country -> the countries of its bloc (itself included), for the states in a bloc: one rulebook, one market
    bloc_of: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class Effect:
    cut: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  #: link ids
    n_conflicts: int = 0  #: operators facing conflicting obligations
    n_exits: int = 0  #: of them, operators that leave the regulating state's market (their links to it cut)
    compliance_cost: float = 0.0  #: the cost borne by the operators that comply (shares of their business, summed)


EffectFn = Callable[[World, Regulation, Context], Effect]
EFFECTS: dict[RegKind, EffectFn] = {}


def register(kind: RegKind) -> Callable[[EffectFn], EffectFn]:
    """Decorator: ``fn`` computes the effect of regulations of ``kind`` (one function per kind).

    Raises
    ------
    ValueError
        If ``kind`` is not a :class:`RegKind` or already has an effect.
    """
    kind = RegKind(kind)

    def decorate(fn: EffectFn) -> EffectFn:
        if kind in EFFECTS:
            raise ValueError(f"kind: regulation type {kind.value!r} is registered twice")
        EFFECTS[kind] = fn
        return fn

    return decorate


def effect(world: World, reg: Regulation, ctx: Context) -> Effect:
    """The links ``reg`` cuts now (sorted, unique) and the operators it puts in conflict."""
    eff = EFFECTS[reg.kind](world, reg, ctx)
    return Effect(np.unique(eff.cut), eff.n_conflicts, eff.n_exits, eff.compliance_cost)


# -- link helpers shared by the types ------------------------------------------------------------------------


def cross_of(world: World, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-border links of country ``c``: (link ids, c's AS, the foreign AS)."""
    links = world.links_of_country(c)
    links = links[world.cross[links]]
    a, b = world.ends[links, 0], world.ends[links, 1]
    a_dom = world.country[a] == c
    return links, np.where(a_dom, a, b), np.where(a_dom, b, a)


def outward_of(world: World, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Links of country ``c``'s ASes to ASes not known to be in ``c`` (foreign, or of unknown country): (link
    ids, c's AS, the other AS). What a state that isolates its own network (shutdown, gateway) orders cut: its
    operators keep only the links they know to be domestic. Unlike :func:`cross_of`, it reaches ASes of unknown
    country, but only from the isolating state's own ASes; no foreign rule binds such an AS."""
    links = world.links_of_country(c)
    ec = world.end_country[links]
    links = links[(ec[:, 0] == c) != (ec[:, 1] == c)]
    a, b = world.ends[links, 0], world.ends[links, 1]
    a_dom = world.country[a] == c
    return links, np.where(a_dom, a, b), np.where(a_dom, b, a)


def between(world: World, c: int, t: int) -> np.ndarray:
    """Links with one end in country ``c`` and the other in country ``t``."""
    return world.links_between(c, t)


def cut_links_to(world: World, ases: np.ndarray, countries: np.ndarray) -> np.ndarray:
    """Links of each AS ``ases[i]`` whose other end is located in ``countries[i]``."""
    at, links, other, _ = world.neighbours_of(ases)
    owner = ases[at]
    pos = np.searchsorted(ases, owner) if len(ases) else owner  # the first copy of a repeated AS, as before
    return links[world.country[other] == countries[pos]]
