"""Which implementation runs a kernel: compiled (numba) when numba is installed, else numpy.

Both give identical results (integer counts); the tests run both against the same references. The numpy paths
stay as the dependency-free fallback and as the measured reason for the compiled ones (see
``benchmarks/test_bench_measures.py`` and ``benchmarks/test_bench_plan.py``). Each kernel family has its own
environment variable, so that one can be switched without the other.
"""

from __future__ import annotations

import importlib.util
import os
from enum import Enum

MEASURES_ENV = "FRAGSIM_MEASURES_BACKEND"  # "numpy" or "numba": the path measures' default (sim.routes)
REACH_ENV = "FRAGSIM_REACH_BACKEND"  # the same for the reachability kernel (sim.reach)


class Backend(Enum):
    """A kernel's implementation."""

    NUMPY = "numpy"  #: whole blocks at once, vectorized (no compiler)
    NUMBA = "numba"  #: compiled loops over tiles that stay in cache


def numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def resolve_backend(backend: Backend | str | None = None, env_var: str = MEASURES_ENV) -> Backend:
    """The backend asked for; ``None``: ``$env_var`` if set, else numba when installed.

    Raises
    ------
    ValueError
        An unknown name, or numba asked for and not installed.
    """
    if backend is None:
        backend = os.environ.get(env_var) or (Backend.NUMBA if numba_available() else Backend.NUMPY)
    try:
        chosen = Backend(backend)
    except ValueError:
        names = ", ".join(repr(b.value) for b in Backend)
        raise ValueError(f"backend must be one of {names} (or ${env_var}), got {backend!r}") from None
    if chosen is Backend.NUMBA and not numba_available():
        raise ValueError("backend='numba' needs numba installed (pip install numba), or use backend='numpy'")
    return chosen
