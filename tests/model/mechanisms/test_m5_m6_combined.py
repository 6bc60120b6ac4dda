"""M5 and M6 in force together."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_XA, build, link, lost_pairs, reaches, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M5 + M6 together.
#
#   XA (market 5): 1* > 2, 1* > 3, 1* > 4, 1* > 5
#   XB (market 4, forum member): 10* > 11, 12 > 13          cross-border: 1* = 10*, 2 > 12
#   XC (market 3, outsider):     20* > 21, 22 > 21          cross-border: 1* = 20*, 3 > 22
#
#   Profiles XA 0.2, XB 0.8, XC 0.8. XA's rule comes at step 3. With the forum (seeds XA, XB; rate 0.25),
#   XA–XB are 0.253 apart by then (no conflict) while XA (0.373) and XC (0.8) still conflict.
#   Torn operators keep XA (the larger market): XB's 10 cuts 10–11, 12 cuts 12–13; XC's 20 cuts 20–21,
#   22 cuts 22–21. The norm spares 10–11 and 20–21 (they touch Tier-1 ASes).
# --------------------------------------------------------------------------------------------------------------
COMBO_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (1, 5), (10, 11), (12, 13), (2, 12), (20, 21), (22, 21), (3, 22)],
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
        (["m0"], {link(10, 11), link(12, 13), link(20, 21), link(21, 22)}),
        (["m5"], {link(20, 21), link(21, 22)}),
        (["m6"], {link(12, 13), link(21, 22)}),
        (["m5", "m6"], {link(21, 22)}),
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
    )
    state(model, "XC").join_cost = 2.0
    for _ in range(3):
        model.step()
    assert cut_pairs(model) == cut
    if mechanisms == ["m5", "m6"]:
        # 21 keeps its provider 20, and 22 still reaches 21 over 3 > 1 = 20 > 21 (up, up, peer, down). Only
        # XB's 10 and 11 lose 21: they reached it over 10 = 1 > 3 > 22 > 21; via 1 = 20 it takes two peer hops
        assert lost_pairs(model) == {(s, 21) for s in (10, 11)} | {(21, d) for d in (10, 11)}
    elif mechanisms == ["m5"]:
        assert reaches(model, 21) == {21}
