"""M6: the public-core norm: protected elements are exempt from regulation."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register

NORM = "norm"


@register("m6")
class PublicCoreNorm(CoordinationMechanism):
    """A share ``norm_adherence`` of the states adhere to the norm (drawn for every state at construction,
    whatever the mechanisms, so variants share the draw). The norm protects the ASes of the roles in
    ``protected_roles`` (Tier-1, IXPs, DNS root operators...). An adherent's regulations never cut a link that
    touches a protected AS, and its protected ASes stay open to transit under its transit restrictions. Only
    the regulating state's adherence counts."""

    label = "public-core norm"
    order = 60

    def setup(self, model) -> None:
        for s in model.states.values():
            if s.norm_adherent:
                s.join(NORM)

    def filter_cuts(self, model, reg, cut: np.ndarray) -> np.ndarray:
        if NORM in model.states[reg.state].memberships:
            return cut[~model.world.protected_link[cut]]
        return cut

    def transit_exempt(self, model) -> np.ndarray:
        world = model.world
        norm = np.array([c in model.states and NORM in model.states[c].memberships for c in range(world.n_states)])
        # a restriction of state c blocks c's ASes as intermediates: an adherent's protected ASes stay open
        return world.protected & norm[np.maximum(world.country, 0)] & (world.country >= 0)
