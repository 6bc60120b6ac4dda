"""Policy-aware reachability: the public function, its plan, the vectorized kernel, the reductions and a slow
reference. Knows nothing of Mesa or Hydra."""

from sim.reach.api import ReachResult, customer_cone_sizes, reachability

__all__ = ["ReachResult", "customer_cone_sizes", "reachability"]
