"""Best-path routes under Gao-Rexford preferences, as BGPy 13's default BGP policy chooses them: the public
function, its plan, the vectorized kernel, the result and a slow reference. Knows nothing of Mesa or Hydra.

The package is callable: ``sim.routes(topology, ...)`` is :func:`sim.routes.api.routes`, so the kernel's package and
its function share the name the issue and the docs use, and ``sim.routes.api`` stays importable.
"""

import sys
import types

from sim.routes.api import routes
from sim.routes.reference import Route, reference_routes
from sim.routes.result import RoutesResult
from sim.routes.route_class import RouteClass

__all__ = ["Route", "RouteClass", "RoutesResult", "reference_routes", "routes"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs) -> RoutesResult:
        return routes(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
