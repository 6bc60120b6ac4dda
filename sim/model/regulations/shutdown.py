"""Shutdown by state ``c``: every cross-border link of ``c``'s ASes is cut, except those of exempted ASes."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, cross_of, register
from sim.model.world import World


@register(RegKind.SHUTDOWN)
def shutdown(world: World, reg: Regulation, ctx: Context) -> Effect:
    """Cross-border links of the regulating state, but for those touching an exempted AS."""
    links, dom, foreign = cross_of(world, reg.state)
    exempt = np.isin(dom, reg.exempt) | np.isin(foreign, reg.exempt)
    return Effect(links[~exempt])
