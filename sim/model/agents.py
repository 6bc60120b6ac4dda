"""States as Mesa agents: who they govern, what they want, and how they decide."""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.config import Mechanism
from sim.model.regulations import RegKind

N_POLICY_DIMS = 4
POLICY_DIMS = ("data_localisation", "content_control", "lawful_access", "routing_control")


class StateAgent(mesa.Agent):
    """A state: its jurisdiction, its regulatory profile, the rules it adopted and how it decides.

    Attributes
    ----------
    country : int
        Index of the state's country code in the topology.
    n_ases : int
        ASes located in the country (territorial jurisdiction; also its market size).
    abroad : ndarray
        Its state-owned ASes operating in other countries (extraterritorial reach).
    profile : ndarray, shape (4,)
        A point in the policy space (data localisation, content control, lawful access, routing control),
        each in [0, 1]. Two states' rules conflict when their profiles are farther apart than the tolerance.
    regulations : list of int
        Ids of the regulations it adopted (see the model's ``regulations``).
    memberships : set of str
        ``"forum"`` (M5), ``"norm"`` (M6), ``"complied"`` (M1).
    agreements : set of int
        Countries it signed a bilateral agreement with (M3).
    eligible : bool
        Whether it is among the states that may adopt extraterritorial rules (``adoption_frac``).
    drive, imitation, retaliation, loss_tolerance : float
        Dispositions: sovereignty drive, weight on imitating neighbours, propensity to retaliate, tolerance for
        connectivity loss (all in [0, 1]).

    The decision rule, each step (MODEL.md §6 step 2)
    -------------------------------------------------
    A state weighs what a regulation brings against what it costs::

        utility = sovereignty_weight × drive × pressure
                + imitation_weight × imitation × (share of neighbouring states, weighted by links, that adopted)
                + retaliation_weight × retaliation × (1 if another state's rule cut its links last step)
        cost    = cost_weight × (1 − loss_tolerance) × exposure

    where ``exposure`` is the share of its cross-border links that go to states whose rules conflict with its
    own (the links an extraterritorial rule would put at risk). When ``utility > cost`` an eligible state
    without an extraterritorial rule adopts one; a state that has one strengthens it (its profile moves
    ``strengthen_step`` away from the world's mean profile, raising future conflicts), unless the connectivity
    loss it already suffers exceeds its tolerance. With retaliation (M2),
    a state hurt by another's rule sanctions it with probability ``retaliate_prob``. Under a unilateral
    leader (M1), a state dependent on the leader's market complies with probability
    ``comply_prob × dependence`` (it adopts the leader's profile; decided with the mechanisms, step 3, once the
    leader's rule is known). In a forum (M5) a non-member joins when the
    members' share of the world market exceeds its joining cost.
    """

    def __init__(self, model, country: int, code: str, profile: np.ndarray, drive: float, imitation: float,
                 retaliation: float, loss_tolerance: float, join_cost: float, eligible: bool):
        super().__init__(model)
        self.country, self.code = country, code
        self.n_ases = int(model.world.market[country])
        topo = model.world.topo
        self.abroad = np.flatnonzero((topo.owner == country) & (topo.country != country) & (topo.country >= 0))
        self.profile = profile
        self.drive, self.imitation, self.retaliation = drive, imitation, retaliation
        self.loss_tolerance, self.join_cost, self.eligible = loss_tolerance, join_cost, eligible
        self.regulations: list[int] = []
        self.memberships: set[str] = set()
        self.agreements: set[int] = set()
        self.hurt_by: set[int] = set()  # states whose rules cut its links in the last step
        self.hurt_next: set[int] = set()  # filled by the operators during this step
        self.loss = 0.0

    # -- reporters ------------------------------------------------------------------------------------------
    @property
    def adopted(self) -> bool:
        """Has an extraterritorial rule in force."""
        return self.model.has_rule(self.country, RegKind.EXTRATERRITORIAL)

    @property
    def n_regulations(self) -> int:
        return len(self.regulations)

    # -- the decision rule ----------------------------------------------------------------------------------
    def utility(self) -> float:
        p = self.model.config.decision
        hurt = 1.0 if self.hurt_by else 0.0
        return (p.sovereignty_weight * self.drive * self.model.pressure
                + p.imitation_weight * self.imitation * self.model.neighbour_adoption(self.country)
                + p.retaliation_weight * self.retaliation * hurt)

    def cost(self) -> float:
        p = self.model.config.decision
        return p.cost_weight * (1.0 - self.loss_tolerance) * self.model.exposure(self.country)

    def step(self) -> None:
        model = self.model
        if model.config.has(Mechanism.M2):
            self._consider_retaliating()
        if model.config.has(Mechanism.M5) and "forum" not in self.memberships:
            if model.forum_market_share() > self.join_cost:
                self.memberships.add("forum")
        if self.utility() <= self.cost():
            return
        if self.adopted:
            if self.loss < self.loss_tolerance:  # a state never escalates past the loss it tolerates
                self._strengthen()
        elif self.eligible and "complied" not in self.memberships:
            model.adopt(self, RegKind.EXTRATERRITORIAL)

    def _strengthen(self) -> None:
        away = self.profile - self.model.mean_profile()
        norm = float(np.linalg.norm(away))
        direction = away / norm if norm > 0 else np.full(N_POLICY_DIMS, N_POLICY_DIMS ** -0.5)
        step = self.model.config.decision.strengthen_step
        self.profile = np.clip(self.profile + step * direction, 0.0, 1.0)

    def _consider_retaliating(self) -> None:
        prob = self.model.config.mechanism_params.retaliate_prob
        for offender in sorted(self.hurt_by):
            if self.model.rng_retaliate.random() < prob and not self.model.has_rule(
                    self.country, RegKind.SANCTIONS, target=offender):
                self.model.adopt(self, RegKind.SANCTIONS, target=offender)

    def consider_complying(self) -> None:
        """M1: comply with the leader's extraterritorial rule (adopt its profile) with probability
        ``comply_prob × dependence``. Called by the model once per step, after every state has decided and the
        imposed rules took effect, so a state can answer the leader's rule before operators resolve it."""
        leader = self.model.leader
        if leader is None or leader.country == self.country or "complied" in self.memberships:
            return
        if not leader.adopted:
            return
        prob = self.model.config.mechanism_params.comply_prob * self.model.dependence(self.country, leader.country)
        if self.model.rng_comply.random() < prob:
            self.memberships.add("complied")
            self.profile = leader.profile.copy()
