"""M3: bilateral agreements between close trading partners."""

from __future__ import annotations

from tests.model.mechanisms.common import ET_XA, link, run, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M3: bilateral agreements.
#
#   XA (market 4): 1 > 2, 1 > 3, 1 > 4     XB (market 2): 10 > 11     XC (market 2): 20 > 21
#   cross-border peers: 1 = 10, 3 = 11 (XA–XB: 2 links), 1 = 20 (XA–XC: 1 link)
#
#   link shares: XA 3 cross-border links, XB 2, XC 1; mutual share (the smaller of the two sides):
#   XA–XB min(2/3, 2/2) = 2/3,  XA–XC min(1/3, 1/1) = 1/3,  XB–XC 0.
#   XB and XC both conflict with XA (0.6 apart). Under M0, XA's rule binds 10, 11 (cut 10–11) and 20 (cut 20–21).
# --------------------------------------------------------------------------------------------------------------
TRADE_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (3, 11), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
TRADE_PROFILES = dict(XA=0.2, XB=0.8, XC=0.8)


def test_m3_without_agreements_both_partners_are_cut():
    model = run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA])
    assert cut_pairs(model) == {link(10, 11), link(20, 21)}


def test_m3_agreement_between_close_partners_removes_their_conflict():
    model = run(
        TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], mechanisms=["m3"], agreement_share=0.5, agreements_per_step=5
    )
    # only XA–XB exchange at least half of their links: they sign; XA–XC (1/3) do not
    assert state(model, "XA").agreements == {1} and state(model, "XB").agreements == {0}
    assert state(model, "XC").agreements == set()
    assert cut_pairs(model) == {link(20, 21)}
    assert not model.conflict_matrix()[0, 1] and model.conflict_matrix()[0, 2]


def test_m3_agreements_per_step_signs_the_closest_pair_first_and_cuts_are_not_undone():
    model = run(
        TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], mechanisms=["m3"], agreement_share=0.3, agreements_per_step=1
    )
    assert state(model, "XA").agreements == {1}  # step 1: the closest pair only
    assert cut_pairs(model) == {link(20, 21)}
    model.step()
    assert state(model, "XA").agreements == {1, 2} and state(model, "XC").agreements == {0}
    assert cut_pairs(model) == {link(20, 21)}  # the agreement came a step late: the cut stays
