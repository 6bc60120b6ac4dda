"""M4: mutual recognition of close profiles."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register


@register("m4")
class MutualRecognition(CoordinationMechanism):
    """Two states whose profiles are within ``recognition_tolerance`` of each other recognize each other's rules
    as equivalent: they conflict only when farther apart than both ``conflict_tolerance`` and it."""

    label = "mutual recognition"
    order = 40

    def filter_conflicts(self, model, conflict: np.ndarray, distance: np.ndarray) -> np.ndarray:
        conflict &= distance > model.config.mechanism_params.recognition_tolerance
        return conflict
