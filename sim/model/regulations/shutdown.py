"""Shutdown by state ``c``: every link of ``c``'s ASes to an AS not known to be in ``c`` (foreign, or of unknown
country after inference) is cut, except those of exempted ASes; domestic links stay up."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, outward_of, register
from sim.model.world import World


@register(RegKind.SHUTDOWN)
def shutdown(world: World, reg: Regulation, ctx: Context) -> Effect:
    """Cross-border links of the regulating state, but for those touching an exempted AS."""
    links, dom, foreign = outward_of(world, reg.state)
    exempt = np.isin(dom, reg.exempt) | np.isin(foreign, reg.exempt)
    return Effect(links[~exempt])
