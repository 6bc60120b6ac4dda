"""M1: a unilateral extraterritorial leader whose rule binds; dependent states comply or are cut."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register

COMPLIED = "complied"


@register("m1")
class UnilateralLeader(CoordinationMechanism):
    """The leader is a state (``leader``, a country code; "" = the largest market). Once its extraterritorial
    rule is in force, every other state complies in step 3, with probability ``comply_prob × dependence``
    (dependence: its share of cross-border links going to the leader): it adopts the leader's profile and
    follows it from then on, and never adopts a rule of its own. Compliance is decided after every state has
    decided and the imposed rules took effect, so a state answers the leader's rule before operators resolve it.
    Draws from the model's ``rng_comply`` stream.
    """

    label = "unilateral leader"
    order = 20

    def __init__(self):
        self.leader = None

    @classmethod
    def check(cls, config, topology) -> None:
        code = config.mechanism_params.leader
        located = np.unique(topology.country[topology.country >= 0]).tolist()
        if code and (code not in topology.country_codes or topology.country_codes.index(code) not in located):
            raise ValueError(f"mechanism_params.leader: country {code!r} has no AS in the topology {topology.name!r}")

    def setup(self, model) -> None:
        code = model.config.mechanism_params.leader
        if code:
            c = model.world.topo.country_index(code)
            if c not in model.states:
                raise ValueError(f"leader {code!r} has no AS in the topology")
            self.leader = model.states[c]
        else:
            self.leader = model.states[int(np.argmax(model.world.market))]

    def may_adopt(self, model, state) -> bool:
        return COMPLIED not in state.memberships

    def act(self, model) -> None:
        for s in model.states.values():
            self._consider_complying(model, s)
            if COMPLIED in s.memberships:
                s.set_profile(self.leader.profile.copy())

    def _consider_complying(self, model, state) -> None:
        leader = self.leader
        if leader.country == state.country or COMPLIED in state.memberships or not leader.adopted:
            return
        prob = model.config.mechanism_params.comply_prob * model.dependence(state.country, leader.country)
        if model.rng_comply.random() < prob:
            state.join(COMPLIED)
            state.set_profile(leader.profile.copy())
