"""Sanctions of state ``c`` on target ``t``: the links between ``c`` and ``t`` are cut. Secondary sanctions also
bind third-country ASes linked to both: each keeps the larger of the two markets and cuts its links to the
other."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, between, cross_of, cut_links_to, register
from sim.model.world import World


@register(RegKind.SANCTIONS)
def sanctions(world: World, reg: Regulation, ctx: Context) -> Effect:
    """Direct links, plus (secondary) the torn third-country operators' links; they count as conflicts."""
    c, t = reg.state, reg.target
    cut = [between(world, c, t)]
    n_conflicts = 0
    if reg.secondary:
        _, _, near_c = cross_of(world, c)
        _, _, near_t = cross_of(world, t)
        third = np.intersect1d(near_c, near_t)
        third = third[(world.country[third] != c) & (world.country[third] != t)]
        keep_c = world.market[c] >= world.market[t]
        lose = np.full(len(third), t if keep_c else c)
        cut.append(cut_links_to(world, third, lose))
        n_conflicts = len(third)
    return Effect(np.concatenate(cut), n_conflicts)
