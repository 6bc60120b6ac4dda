"""Sovereign gateway of state ``c`` with ``k`` gateways: every outward link of ``c``'s ASes (to an AS not known to
be in ``c``) is cut except
those of the gateways (the ``k`` largest customer cones among ``c``'s transit ASes, or among its state-owned
ASes)."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, GatewayChoice, RegKind, Regulation, outward_of, register
from sim.model.world import World


@register(RegKind.GATEWAY)
def gateway(world: World, reg: Regulation, ctx: Context) -> Effect:
    """Cross-border links of the regulating state's ASes that are not gateways."""
    c = reg.state
    links, dom, _ = outward_of(world, c)
    own = np.flatnonzero(world.country == c)
    if reg.gateway_choice == GatewayChoice.STATE_OWNED:
        candidates = own[world.topo.owner[own] == c]
    else:
        candidates = own[ctx.cone[own] > 1]  # transit ASes
    gateways = candidates[np.argsort(-ctx.cone[candidates], kind="stable")[: reg.k]]
    return Effect(links[~np.isin(dom, gateways)])
