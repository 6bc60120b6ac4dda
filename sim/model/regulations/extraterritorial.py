"""Extraterritorial rule of state ``c``: the foreign ASes linked to ``c``'s ASes, and ``c``'s state-owned ASes
abroad, are bound by it. One whose home state conflicts with ``c`` (profile distance above tolerance, not
coordinated) cannot obey both: it keeps the larger market (ASes located there) or obeys home law first, and
cuts its links to the other side."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, cross_of, cut_links_to, register
from sim.model.world import World


def keeps_regulator(world: World, ctx: Context, c: int, ases: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each bound operator keeps ``c``'s market (True) rather than the ``other`` country's."""
    if ctx.operator_choice == "home_law":
        return np.zeros(len(ases), bool)
    return world.market[c] >= world.market[other]  # a tie goes to the regulating state, as for sanctions


@register(RegKind.EXTRATERRITORIAL)
def extraterritorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    """Links the torn operators give up; ``n_conflicts`` counts the torn operators."""
    c = reg.state
    _, _, foreign = cross_of(world, c)
    topo = world.topo
    abroad = np.flatnonzero((topo.owner == c) & (world.country != c) & (world.country >= 0))
    bound = np.unique(np.concatenate([foreign, abroad]))
    home = world.country[bound]
    bound, home = bound[home >= 0], home[home >= 0]
    torn = ctx.conflict[c, home]
    bound, home = bound[torn], home[torn]
    keep_c = keeps_regulator(world, ctx, c, bound, home)
    lose = np.where(keep_c, home, c)  # the country whose links the operator gives up
    return Effect(cut_links_to(world, bound, lose), int(len(bound)))
