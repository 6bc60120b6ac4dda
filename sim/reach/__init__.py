"""Policy-aware reachability: the public function, its plan, the vectorized kernel, the reductions and a slow
reference. Knows nothing of Mesa or Hydra."""

from sim.reach.api import ReachResult, reachability
from sim.reach.cones import customer_cone_sizes
from sim.reach.reuse import ReachPlan, plan_reachability

__all__ = ["ReachPlan", "ReachResult", "customer_cone_sizes", "plan_reachability", "reachability"]
