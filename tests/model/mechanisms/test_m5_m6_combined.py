"""M5 and M6 in force together."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_XA, EXIT, build, link, lost_pairs, reaches, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M5 + M6 together.
#
#   XA (market 5 ASes): 1* > 2, 1* > 3, 1* > 4, 1* > 5
#   XB (market 4, forum member): 10* > 11, 12 > 13          cross-border: 1* = 10*, 12 > 2 (12 sells to XA's 2)
#   XC (market 3, outsider):     20* > 21, 22 > 21          cross-border: 1* = 20*, 22 > 3 (22 sells to XA's 3)
#
#   Profiles XA 0.2, XB 0.8, XC 0.8. XA's rule comes at step 3. With the forum (seeds XA, XB; rate 0.25),
#   XA–XB are 0.253 apart by then (no conflict) while XA (0.373) and XC (0.8) still conflict.
#   XA's rule binds the operators with a customer or a peer in XA: 10, 12, 20, 22. Torn ones exit (EXIT): XB's 10
#   cuts 1 = 10, 12 cuts 12 > 2; XC's 20 cuts 1 = 20, 22 cuts 22 > 3. The norm spares 1 = 10 and 1 = 20 (they
#   touch Tier-1 ASes); no domestic link is ever cut.
# --------------------------------------------------------------------------------------------------------------
COMBO_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (1, 5), (10, 11), (12, 13), (12, 2), (20, 21), (22, 21), (22, 3)],
    p2p=[(1, 10), (1, 20)],
    country={
        1: "XA",
        2: "XA",
        3: "XA",
        4: "XA",
        5: "XA",
        10: "XB",
        11: "XB",
        12: "XB",
        13: "XB",
        20: "XC",
        21: "XC",
        22: "XC",
    },
    tier1=(1, 10, 20),
)


@pytest.mark.parametrize(
    "mechanisms, cut",
    [
        (["m0"], {link(1, 10), link(12, 2), link(1, 20), link(22, 3)}),
        (["m5"], {link(1, 20), link(22, 3)}),
        (["m6"], {link(12, 2), link(22, 3)}),
        (["m5", "m6"], {link(22, 3)}),
    ],
)
def test_m5_and_m6_combine(mechanisms, cut):
    model = build(
        COMBO_WORLD,
        dict(XA=0.2, XB=0.8, XC=0.8),
        imposed=[dict(ET_XA, step=3)],
        mechanisms=mechanisms,
        forum_seed=2,
        harmonization_rate=0.25,
        norm_adherence=1.0,
        protected_roles=("tier1",),
        **EXIT,
    )
    state(model, "XC").join_cost = 2.0
    for _ in range(3):
        model.step()
    assert cut_pairs(model) == cut
    if mechanisms == ["m5", "m6"]:
        # only 22 > 3 is cut: 3 still reaches XC over 3 < 1 = 20 > 21 (up, peer, down), so the one pair lost is 3
        # with 22, which had no other way: 22 has no provider and no peer, and 1 reaching 22 would be a valley
        assert lost_pairs(model) == {(3, 22), (22, 3)}
    elif mechanisms == ["m5"]:
        assert reaches(model, 21) == {20, 21, 22}  # its providers, and nobody beyond XC
    assert model.why_cut(10, 11) is None and model.why_cut(20, 21) is None and model.why_cut(22, 21) is None
