"""M5: a multilateral forum whose members harmonize their profiles."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register

FORUM = "forum"


@register("m5")
class MultilateralForum(CoordinationMechanism):
    """The ``forum_seed`` largest markets found the forum. At the start of its decision a non-member joins
    when the members' share of the world market exceeds its joining cost (drawn per state around
    ``join_cost``). In step 3 every member moves ``harmonization_rate`` of the way toward the members' mean
    profile (before the leader's followers, M1, and new agreements, M3)."""

    label = "multilateral forum"
    order = 10

    def setup(self, model) -> None:
        market = model.world.market
        present = np.array(sorted(model.states), dtype=np.int64)
        seeds = present[np.argsort(-market[present], kind="stable")][: model.config.mechanism_params.forum_seed]
        for c in seeds:
            model.states[int(c)].join(FORUM)

    def before_decision(self, model, state) -> None:
        if FORUM not in state.memberships and model.forum_market_share() > state.join_cost:
            state.join(FORUM)

    def act(self, model) -> None:
        members = [s for s in model.states.values() if FORUM in s.memberships]
        if members:
            rate = model.config.mechanism_params.harmonization_rate
            mean = np.mean([s.profile for s in members], axis=0)
            for s in members:
                s.set_profile(s.profile + rate * (mean - s.profile))
