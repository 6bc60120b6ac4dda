"""Coordination mechanisms as plugins: one class per mechanism, one module each, registered by name.

The model instantiates the mechanisms in force (``ModelConfig.mechanisms``) and calls their hooks at fixed
points of its step, in ascending ``order`` (see :mod:`sim.model.mechanisms.base`). The modules of this package
are discovered on first use, so a new mechanism is one module plus one ``configs/mechanism/NAME.yaml``.
"""

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import Labels, instantiate, mechanism_class, mechanism_names, register, unregister

__all__ = [
    "CoordinationMechanism",
    "Labels",
    "instantiate",
    "mechanism_class",
    "mechanism_names",
    "register",
    "unregister",
]
