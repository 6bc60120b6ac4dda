"""What a state can adopt (MODEL.md §4) and which links each regulation cuts.

Every effect is computed in bulk over the links of the countries concerned (no Python loop per AS or per
link). ``Effect.cut`` lists the link ids a regulation cuts now; links already cut stay cut, with the first
regulation that cut them recorded by the model.

========================  =================================================================================
regulation                links cut
========================  =================================================================================
territorial               none: it binds domestic ASes only
extraterritorial (c)      foreign ASes linked to c's ASes, and c's state-owned ASes abroad, are bound; one whose
                          home state conflicts with c (profile distance above tolerance, not coordinated) keeps
                          the larger market (ASes located there) or obeys home law first: the links to the other
                          side are cut
sovereign gateway (c, k)  cross-border links of c's ASes, except those of k gateways (largest customer cones
                          among c's transit ASes, or c's state-owned ASes)
sanctions (c → t)         links between c and t; secondary: third-country ASes linked to both keep the larger
                          of the two markets and cut the other
transit restriction       c's ASes refuse to carry traffic from sources of t (``forbid_transit[t, c]``); without
(c → t)                   technical mitigation (M8) the blunt tool is used too: links between c and t are cut
shutdown (c)              cross-border links of c's ASes, except those of exempted ASes
========================  =================================================================================

A state adhering to the public-core norm (M6) never cuts links that touch a protected AS, and its protected
ASes are exempt from its transit restrictions.
"""

from __future__ import annotations

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

    conflict: np.ndarray  # (K, K) bool: the rules of the two states conflict
    operator_choice: str  # "larger_market" or "home_law"
    norm: np.ndarray  # (K,) bool: state adheres to the public-core norm
    mitigation: bool  # M8: transit restrictions are routed around, no blunt cuts
    cone: np.ndarray  # (n_ases,) customer cone sizes


@dataclass
class Effect:
    cut: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # link ids
    n_conflicts: int = 0  # operators facing conflicting obligations


def _cross_of(world: World, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-border links of country ``c``: (link ids, c's AS, the foreign AS)."""
    links = world.links_of_country(c)
    links = links[world.cross[links]]
    a, b = world.ends[links, 0], world.ends[links, 1]
    a_dom = world.country[a] == c
    return links, np.where(a_dom, a, b), np.where(a_dom, b, a)


def _between(world: World, c: int, t: int) -> np.ndarray:
    links = world.links_of_country(c)
    ec = world.end_country[links]
    return links[((ec[:, 0] == c) & (ec[:, 1] == t)) | ((ec[:, 0] == t) & (ec[:, 1] == c))]


def _choose(world: World, ctx: Context, c: int, ases: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each bound operator keeps ``c``'s market (True) rather than the ``other`` country's."""
    if ctx.operator_choice == "home_law":
        return np.zeros(len(ases), bool)
    return world.market[c] >= world.market[other]  # a tie goes to the regulating state, as for sanctions


def _cut_links_to(world: World, ases: np.ndarray, countries: np.ndarray) -> np.ndarray:
    """Links of each AS ``ases[i]`` whose other end is located in ``countries[i]``."""
    owner, links = world.links_of_ases(ases)
    pos = np.searchsorted(ases, owner) if len(ases) else owner
    other = world.other_end(links, owner)
    return links[world.country[other] == countries[pos]]


def extraterritorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    c = reg.state
    _, _, foreign = _cross_of(world, c)
    topo = world.topo
    abroad = np.flatnonzero((topo.owner == c) & (world.country != c) & (world.country >= 0))
    bound = np.unique(np.concatenate([foreign, abroad]))
    home = world.country[bound]
    bound, home = bound[home >= 0], home[home >= 0]
    torn = ctx.conflict[c, home]
    bound, home = bound[torn], home[torn]
    keep_c = _choose(world, ctx, c, bound, home)
    lose = np.where(keep_c, home, c)  # the country whose links the operator gives up
    return Effect(_cut_links_to(world, bound, lose), int(len(bound)))


def gateway(world: World, reg: Regulation, ctx: Context) -> Effect:
    c = reg.state
    links, dom, _ = _cross_of(world, c)
    own = np.flatnonzero(world.country == c)
    if reg.gateway_choice == GatewayChoice.STATE_OWNED:
        candidates = own[world.topo.owner[own] == c]
    else:
        candidates = own[ctx.cone[own] > 1]  # transit ASes
    gateways = candidates[np.argsort(-ctx.cone[candidates], kind="stable")[: reg.k]]
    return Effect(links[~np.isin(dom, gateways)])


def sanctions(world: World, reg: Regulation, ctx: Context) -> Effect:
    c, t = reg.state, reg.target
    cut = [_between(world, c, t)]
    n_conflicts = 0
    if reg.secondary:
        _, _, near_c = _cross_of(world, c)
        _, _, near_t = _cross_of(world, t)
        third = np.intersect1d(near_c, near_t)
        third = third[(world.country[third] != c) & (world.country[third] != t)]
        keep_c = world.market[c] >= world.market[t]
        lose = np.full(len(third), t if keep_c else c)
        cut.append(_cut_links_to(world, third, lose))
        n_conflicts = len(third)
    return Effect(np.concatenate(cut), n_conflicts)


def transit_restriction(world: World, reg: Regulation, ctx: Context) -> Effect:
    if ctx.mitigation:
        return Effect()
    return Effect(_between(world, reg.state, reg.target))


def shutdown(world: World, reg: Regulation, ctx: Context) -> Effect:
    links, dom, foreign = _cross_of(world, reg.state)
    exempt = np.isin(dom, reg.exempt) | np.isin(foreign, reg.exempt)
    return Effect(links[~exempt])


def territorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    return Effect()


EFFECTS = {
    RegKind.TERRITORIAL: territorial,
    RegKind.EXTRATERRITORIAL: extraterritorial,
    RegKind.GATEWAY: gateway,
    RegKind.SANCTIONS: sanctions,
    RegKind.TRANSIT_RESTRICTION: transit_restriction,
    RegKind.SHUTDOWN: shutdown,
}


def effect(world: World, reg: Regulation, ctx: Context) -> Effect:
    """The links ``reg`` cuts now (public-core norm applied) and the operators it puts in conflict."""
    eff = EFFECTS[reg.kind](world, reg, ctx)
    cut = np.unique(eff.cut)
    if ctx.norm[reg.state]:
        cut = cut[~world.protected_link[cut]]
    return Effect(cut, eff.n_conflicts)


def forbid_matrix(regs: list[Regulation], n_states: int) -> np.ndarray | None:
    """``forbid_transit[t, c]``: sources of ``t`` may not transit ``c``'s ASes, from the restrictions in force."""
    forbid = np.zeros((n_states, n_states), bool)
    for reg in regs:
        if reg.kind == RegKind.TRANSIT_RESTRICTION:
            forbid[reg.target, reg.state] = True
    return forbid if forbid.any() else None
