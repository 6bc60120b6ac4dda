"""M8: technical mitigation: transit restrictions are routed around instead of cutting links."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register
from sim.model.regulations import RegKind


@register("m8")
class TechnicalMitigation(CoordinationMechanism):
    """A transit restriction keeps only its per-source effect (the restricting state's ASes refuse to carry the
    target's traffic, which routes around them); the blunt cut of the links between the two states is
    dropped. No parameters."""

    label = "technical mitigation"
    order = 80

    def filter_cuts(self, model, reg, cut: np.ndarray) -> np.ndarray:
        if reg.kind == RegKind.TRANSIT_RESTRICTION:
            return cut[:0]
        return cut
