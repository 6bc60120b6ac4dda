"""M0: no coordination, the reference every other mechanism is compared with."""

from __future__ import annotations

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register


@register("m0")
class NoCoordination(CoordinationMechanism):
    """Every state decides alone; conflicts are resolved by the operators only. No parameters."""

    label = "no coordination"
    order = 0
