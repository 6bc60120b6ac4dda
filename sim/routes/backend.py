"""Which implementation computes the path measures: compiled kernels (numba) when numba is installed, else numpy.

Both give identical results (integer counts); the tests run both against the same pair-by-pair reference. The
numpy path stays as the dependency-free fallback and as the measured reason for the compiled one (see
``benchmarks/test_bench_measures.py``).
"""

from __future__ import annotations

import importlib.util
import os
from enum import Enum

ENV_VAR = "FRAGSIM_MEASURES_BACKEND"  # "numpy" or "numba": the default when a call does not choose


class Backend(Enum):
    """The path measures' implementation."""

    NUMPY = "numpy"  #: whole blocks at once with scatter-adds (no compiler)
    NUMBA = "numba"  #: one destination column at a time, compiled


def numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def resolve_backend(backend: Backend | str | None = None) -> Backend:
    """The backend asked for; ``None``: ``$FRAGSIM_MEASURES_BACKEND`` if set, else numba when installed.

    Raises
    ------
    ValueError
        An unknown name, or numba asked for and not installed.
    """
    if backend is None:
        backend = os.environ.get(ENV_VAR) or (Backend.NUMBA if numba_available() else Backend.NUMPY)
    try:
        chosen = Backend(backend)
    except ValueError:
        names = ", ".join(repr(b.value) for b in Backend)
        raise ValueError(f"backend must be one of {names} (or ${ENV_VAR}), got {backend!r}") from None
    if chosen is Backend.NUMBA and not numba_available():
        raise ValueError("backend='numba' needs numba installed (pip install numba), or use backend='numpy'")
    return chosen
