"""M3: bilateral agreements between close trading partners."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register


@register("m3")
class BilateralAgreements(CoordinationMechanism):
    """Two states whose rules are covered by an agreement do not conflict (the model honours every agreement,
    see :meth:`~sim.model.model.FragmentationModel.conflict_matrix`). In step 3, up to
    ``agreements_per_step`` new agreements are signed, closest partners first: two states' closeness is the
    smaller of the shares of their cross-border links that go to each other, and it must reach
    ``agreement_share``. Cuts made before an agreement stay.
    """

    label = "bilateral agreements"
    order = 30

    def act(self, model) -> None:
        mp = model.config.mechanism_params
        links = model.rel_links.astype(float)
        totals = np.maximum(links.sum(axis=1), 1)
        mutual = np.minimum(links / totals[:, None], links.T / totals[None, :])
        iu = np.triu_indices(len(mutual), 1)
        order = np.argsort(-mutual[iu], kind="stable")
        signed = 0
        for idx in order:
            a, b = int(iu[0][idx]), int(iu[1][idx])
            if signed >= mp.agreements_per_step or mutual[a, b] < mp.agreement_share:
                break
            if a in model.states and b in model.states and b not in model.states[a].agreements:
                model.states[a].sign_agreement(b)
                model.states[b].sign_agreement(a)
                signed += 1
