"""fragsim: an agent-based simulator of the Internet's regulatory fragmentation.

The package is layered, each layer importing only the ones below it::

    sim.cli  →  sim.runner / sim.analysis / sim.dashboard  →  sim.model  →  sim.reach, sim.routes  →  sim.data

The public names below are imported lazily: ``import sim`` costs nothing, and ``import sim.reach`` (the kernels)
never imports Mesa, Solara or matplotlib. ``sim.routes`` is the routes kernel's package, callable as its function.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fragsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_PUBLIC = {
    "Adjacency": "sim.data.topology",
    "DNS_ROOT_OPERATOR_ASNS": "sim.data.topology",
    "Rel": "sim.data.topology",
    "Topology": "sim.data.topology",
    "UNKNOWN": "sim.data.topology",
    "LoadReport": "sim.data.caida",
    "TopologyFormatError": "sim.data.caida",
    "load_topology": "sim.data.load",
    "with_core_services": "sim.data.load",
    "synthetic_topology": "sim.data.synthetic",
    "MemoryBudgetError": "sim.memory",
    "ReachResult": "sim.reach.api",
    "reachability": "sim.reach.api",
    "ReachPlan": "sim.reach.reuse",
    "plan_reachability": "sim.reach.reuse",
    "RouteClass": "sim.routes.route_class",
    "RoutesResult": "sim.routes.result",
    "routes": "sim.routes",  # the package itself, callable as sim.routes.api.routes
    "FragmentationModel": "sim.model.model",
    "StateAgent": "sim.model.agents",
    "ImposedRegulation": "sim.model.config",
    "Mechanism": "sim.model.config",
    "ModelConfig": "sim.model.config",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        module = importlib.import_module(_PUBLIC[name])
        value = module if _PUBLIC[name] == f"{__name__}.{name}" else getattr(module, name)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
