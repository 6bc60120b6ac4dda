"""States as Mesa agents: who they govern, what they want, and how they decide."""

from __future__ import annotations

import mesa
import numpy as np

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
        ASes located in the country (territorial jurisdiction).
    market : float
        Its market under the run's market measure (:mod:`sim.model.market`).
    abroad : ndarray
        Its state-owned ASes operating in other countries (extraterritorial reach).
    profile : ndarray, shape (4,)
        A point in the policy space (data localisation, content control, lawful access, routing control),
        each in [0, 1]. Two states' rules conflict when their profiles are farther apart than the tolerance.
    initial_profile : ndarray, shape (4,)
        Its profile at the start: its legal tradition, from which escalating costs more the farther it goes.
    regulations : list of int
        Ids of the regulations it adopted (see the model's ``regulations``).
    memberships : set of str
        ``"forum"`` (M5), ``"norm"`` (M6), ``"complied"`` (M1): joined through :meth:`join`.
    agreements : set of int
        Countries it signed a bilateral agreement with (M3).
    eligible : bool
        Whether it is among the states that may adopt extraterritorial rules (``adoption_frac``).
    drive, imitation, retaliation, loss_tolerance : float
        Dispositions: sovereignty drive, weight on imitating neighbours, propensity to retaliate, tolerance for
        connectivity loss (all in [0, 1]).
    join_cost : float
        Its cost of joining a forum (M5).
    norm_adherent : bool
        Whether it would adhere to the public-core norm (M6); drawn for every state whatever the mechanisms.
    hurt_by : set of int
        States whose rules cut its links in the last step (set by the model at the start of a step).
    loss : float
        Share of its baseline reachable pairs with the world it has lost (set by the model after measuring).
    cross_border_loss : float
        The same share among its cross-border pairs only (pairs with an AS of another country).

    Notes
    -----
    The decision rule, at each step's second stage. A state weighs what a regulation brings against what it costs::

        utility = sovereignty_weight × drive × pressure
                + imitation_weight × imitation × (share of neighbouring states, weighted by links, that adopted)
                + retaliation_weight × retaliation × (1 if another state's rule cut its links last step)
        cost    = cost_weight × (1 − loss_tolerance) × exposure

    where ``exposure`` is the share of its cross-border links that go to states whose rules conflict with its
    own (the links an extraterritorial rule would put at risk). When ``utility > cost`` an eligible state
    without an extraterritorial rule adopts one, if every mechanism in force allows it (a state that complied
    with a leader, M1, does not). A state that has one strengthens it (its profile moves ``strengthen_step``
    away from the world's mean profile, raising future conflicts) when, in addition, the utility also covers the
    cost of escalating::

        utility > cost + escalation_cost × drift

    where ``drift`` is the RMS distance of its profile from its initial one, and unless the connectivity loss it
    already suffers exceeds its tolerance. Escalation is thus bounded: a state stops once its drift reaches
    ``(utility − cost) / escalation_cost``; every step moves rules further from a country's legal tradition and
    from its partners', and each step costs more politically than the last (``escalation_cost = 0`` restores
    unbounded drift up to the edges of the policy space). Before deciding, the state lets each mechanism in force act
    on it (``before_decision``: it may retaliate, M2, or join a forum, M5; see :mod:`sim.model.mechanisms`).
    """

    def __init__(
        self,
        model,
        country: int,
        code: str,
        profile: np.ndarray,
        drive: float,
        imitation: float,
        retaliation: float,
        loss_tolerance: float,
        join_cost: float,
        eligible: bool,
        norm_adherent: bool = False,
    ):
        super().__init__(model)
        self.country, self.code = country, code
        self.n_ases = int(model.world.n_ases_in[country])
        self.market = float(model.world.market[country])
        topo = model.world.topo
        self.abroad = np.flatnonzero((topo.owner == country) & (topo.country != country) & (topo.country >= 0))
        self.profile = profile
        self.initial_profile = profile.copy()
        self.drive, self.imitation, self.retaliation = drive, imitation, retaliation
        self.loss_tolerance, self.join_cost, self.eligible = loss_tolerance, join_cost, eligible
        self.norm_adherent = norm_adherent
        self.regulations: list[int] = []
        self.memberships: set[str] = set()
        self.agreements: set[int] = set()
        self.hurt_by: set[int] = set()
        self.loss = self.cross_border_loss = 0.0

    # -- what happens to it ---------------------------------------------------------------------------------
    def join(self, membership: str) -> None:
        """Become a member: ``"forum"``, ``"norm"``, ``"complied"``."""
        self.memberships.add(membership)

    def set_profile(self, profile: np.ndarray) -> None:
        """Take a new regulatory profile (harmonization, compliance)."""
        self.profile = profile

    def sign_agreement(self, country: int) -> None:
        self.agreements.add(country)

    def adopted_rule(self, regulation_id: int) -> None:
        """Record a regulation it adopted (the model's ``adopt`` calls this)."""
        self.regulations.append(regulation_id)

    def remember_hurt(self, offenders: set[int]) -> None:
        """The states whose rules cut its links in the last step."""
        self.hurt_by = set(offenders)

    @property
    def joined(self) -> str:
        """Its memberships in one word, as ``states.csv`` records them: ``"forum+norm"``, or ``"none"``."""
        return "+".join(sorted(self.memberships)) or "none"

    def observe_loss(self, loss: float, cross_border_loss: float) -> None:
        self.loss, self.cross_border_loss = loss, cross_border_loss

    # -- reporters ------------------------------------------------------------------------------------------
    @property
    def adopted(self) -> bool:
        """Has an extraterritorial rule in force (the model's ``et_adopters``, its one record of it)."""
        return bool(self.model.et_adopters[self.country])

    @property
    def n_regulations(self) -> int:
        return len(self.regulations)

    # -- the decision rule ----------------------------------------------------------------------------------
    def utility(self) -> float:
        p = self.model.config.decision
        hurt = 1.0 if self.hurt_by else 0.0
        return (
            p.sovereignty_weight * self.drive * self.model.pressure
            + p.imitation_weight * self.imitation * self.model.neighbour_adoption(self.country)
            + p.retaliation_weight * self.retaliation * hurt
        )

    def cost(self) -> float:
        p = self.model.config.decision
        return p.cost_weight * (1.0 - self.loss_tolerance) * self.model.exposure(self.country)

    def drift(self) -> float:
        """RMS distance of its profile from its initial one (the scale of the conflict tolerance)."""
        return float(np.linalg.norm(self.profile - self.initial_profile) / np.sqrt(N_POLICY_DIMS))

    def escalation_cost(self) -> float:
        return self.model.config.decision.escalation_cost * self.drift()

    def step(self) -> None:
        model = self.model
        for mechanism in model.mechanisms:
            mechanism.before_decision(model, self)
        if self.utility() <= self.cost():
            return
        if self.adopted:
            # a state never escalates past the loss it tolerates, nor past what escalating further costs it
            if self.loss < self.loss_tolerance and self.utility() > self.cost() + self.escalation_cost():
                self._strengthen()
        elif self.eligible and all(m.may_adopt(model, self) for m in model.mechanisms):
            model.adopt(self, RegKind.EXTRATERRITORIAL)

    def _strengthen(self) -> None:
        away = self.profile - self.model.mean_profile()
        norm = float(np.linalg.norm(away))
        direction = away / norm if norm > 0 else np.full(N_POLICY_DIMS, N_POLICY_DIMS**-0.5)
        step = self.model.config.decision.strengthen_step
        self.profile = np.clip(self.profile + step * direction, 0.0, 1.0)
