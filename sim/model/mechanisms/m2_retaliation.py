"""M2: retaliation, tit for tat."""

from __future__ import annotations

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register
from sim.model.regulations import RegKind


@register("m2")
class Retaliation(CoordinationMechanism):
    """A state whose links another state's rule cut in the last step sanctions that state, with probability
    ``retaliate_prob`` (once per offender: not if it already sanctions it), at the start of its decision.
    Draws from the model's ``rng_retaliate`` stream, one draw per offender in ascending country order.
    """

    label = "retaliation"
    order = 5

    def before_decision(self, model, state) -> None:
        prob = model.config.mechanism_params.retaliate_prob
        for offender in sorted(state.hurt_by):
            if model.rng_retaliate.random() < prob and not model.has_rule(
                state.country, RegKind.SANCTIONS, target=offender
            ):
                model.adopt(state, RegKind.SANCTIONS, target=offender)
