"""Best-path routes under Gao-Rexford preferences (as BGPy's default BGP policy chooses them): the slow
reference so far. Knows nothing of Mesa or Hydra."""

from sim.routes.reference import Route, reference_routes
from sim.routes.route_class import RouteClass

__all__ = ["Route", "RouteClass", "reference_routes"]
