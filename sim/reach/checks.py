"""Argument checks shared by the public functions: one clear error naming the argument."""

from __future__ import annotations

import numpy as np


def check_mask(name: str, mask, length: int) -> np.ndarray | None:
    """A boolean array of shape ``(length,)``, or None; ``TypeError`` / ``ValueError`` naming ``name``."""
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise TypeError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
    if arr.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {arr.shape}")
    return arr


def check_forbid(forbid, n_codes: int) -> np.ndarray | None:
    """The ``forbid_transit`` matrix (``n_codes × n_codes`` booleans over ``country_codes``), or None."""
    if forbid is None:
        return None
    arr = np.asarray(forbid)
    if arr.dtype != bool:
        raise TypeError(f"forbid_transit must be a boolean matrix, got dtype {arr.dtype}")
    if arr.shape != (n_codes, n_codes):
        raise ValueError(
            f"forbid_transit must have shape ({n_codes}, {n_codes}) (country_codes × country_codes), got {arr.shape}"
        )
    return arr
