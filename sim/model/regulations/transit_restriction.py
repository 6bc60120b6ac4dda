"""Transit restriction of state ``c`` against ``t``: ``c``'s ASes refuse to carry traffic from sources of ``t``
(``forbid_transit[t, c]``, applied by the reachability kernel per source). The blunt tool comes with it: the
links between ``c`` and ``t`` are cut (technical mitigation, mechanism M8, routes around instead)."""

from __future__ import annotations

import numpy as np

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, between, register
from sim.model.world import World


@register(RegKind.TRANSIT_RESTRICTION)
def transit_restriction(world: World, reg: Regulation, ctx: Context) -> Effect:
    """The links between the restricting state and its target."""
    return Effect(between(world, reg.state, reg.target))


def forbid_matrix(regs: list[Regulation], n_states: int) -> np.ndarray | None:
    """``forbid_transit[t, c]``: sources of ``t`` may not transit ``c``'s ASes, from the restrictions in force
    (None when there is none)."""
    forbid = np.zeros((n_states, n_states), bool)
    for reg in regs:
        if reg.kind == RegKind.TRANSIT_RESTRICTION:
            forbid[reg.target, reg.state] = True
    return forbid if forbid.any() else None
