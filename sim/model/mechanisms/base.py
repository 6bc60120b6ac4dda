"""The contract of a coordination mechanism: named hooks the model calls at fixed points of its step.

A step of :class:`sim.model.model.FragmentationModel`, and the hooks called in it:

1. pressure updates;
2. states decide, in random order: each state calls :meth:`~CoordinationMechanism.before_decision`, then adopts
   an extraterritorial rule only if every mechanism's :meth:`~CoordinationMechanism.may_adopt` agrees; the
   scenario's imposed regulations take effect. The conflict matrix the states see is filtered by
   :meth:`~CoordinationMechanism.filter_conflicts`;
3. mechanisms :meth:`~CoordinationMechanism.act`;
4. operators resolve conflicts in bulk: each regulation's cut passes through
   :meth:`~CoordinationMechanism.filter_cuts`; then :meth:`~CoordinationMechanism.after_resolution` returns the
   links operators buy (the model rebuilds its world with them);
5. reachability is measured, with the ASes :meth:`~CoordinationMechanism.transit_exempt` names exempt from
   transit restrictions, and every metric collected.

The mechanisms in force are called in ascending :attr:`~CoordinationMechanism.order` (then name), for every
hook. A hook may read the model and call its methods and the states' methods; it changes a state only through
the state's methods (:meth:`~sim.model.agents.StateAgent.join`, ``set_profile``, ``sign_agreement``) and the
model only through :meth:`~sim.model.model.FragmentationModel.adopt` or its return value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.data.topology import Topology
    from sim.model.agents import StateAgent
    from sim.model.config import ModelConfig
    from sim.model.model import FragmentationModel
    from sim.model.regulations import Regulation
    from sim.model.world import BoughtLink


class CoordinationMechanism:
    """A coordination mechanism: one instance per model run, holding that run's mechanism state.

    Subclasses override only the hooks they need (the defaults do nothing) and are registered with
    :func:`sim.model.mechanisms.register`. Their parameters are fields of
    :class:`sim.model.config.MechanismParams`, read from ``model.config.mechanism_params``.
    """

    name: ClassVar[str] = ""  #: registry name, e.g. "m5" (set by ``register``)
    label: ClassVar[str] = ""  #: a few words for figures and the dashboard, e.g. "multilateral forum"
    order: ClassVar[int] = 100  #: hooks of the mechanisms in force run in ascending order

    @classmethod
    def check(cls, config: ModelConfig, topology: Topology) -> None:
        """Check what only the topology can tell about this mechanism's parameters (``ValueError`` naming
        the field). Called before a run is built, also by the runner's validation of a sweep."""

    def setup(self, model: FragmentationModel) -> None:
        """Construction, after the states exist (draws none of the run's random numbers)."""

    def before_decision(self, model: FragmentationModel, state: StateAgent) -> None:
        """Step 2, at the start of ``state``'s decision."""

    def may_adopt(self, model: FragmentationModel, state: StateAgent) -> bool:
        """Step 2: whether ``state`` may adopt an extraterritorial rule (all mechanisms must agree)."""
        return True

    def filter_conflicts(self, model: FragmentationModel, conflict: np.ndarray, distance: np.ndarray) -> np.ndarray:
        """The (K, K) conflict matrix after coordination; ``distance`` is the profile distance. May change
        ``conflict`` (a fresh array) in place and return it."""
        return conflict

    def act(self, model: FragmentationModel) -> None:
        """Step 3, after every state decided and the imposed regulations took effect."""

    def filter_cuts(self, model: FragmentationModel, reg: Regulation, cut: np.ndarray) -> np.ndarray:
        """Step 4: the link ids ``reg`` cuts now, after this mechanism (a subset of ``cut``)."""
        return cut

    def transit_exempt(self, model: FragmentationModel) -> np.ndarray | None:
        """Step 5: (n_ases,) bool mask of ASes exempt from transit restrictions (None: none)."""
        return None

    def after_resolution(self, model: FragmentationModel) -> list[BoughtLink]:
        """Step 4, after the cuts are applied: links operators buy now (the model adds them to its world)."""
        return []
