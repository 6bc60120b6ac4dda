"""M3: bilateral agreements between close trading partners."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_XA, EXIT, assert_back_once, link, run, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M3: bilateral agreements.
#
#   XA: 1 > 2, 1 > 3, 1 > 4     XB: 10 > 11     XC: 20 > 21
#   cross-border peers: 1 = 10, 3 = 11 (XA–XB: 2 links), 1 = 20 (XA–XC: 1 link)
#
#   link shares: XA 3 cross-border links, XB 2, XC 1; mutual share (the smaller of the two sides):
#   XA–XB min(2/3, 2/2) = 2/3,  XA–XC min(1/3, 1/1) = 1/3,  XB–XC 0.
#   XB and XC both conflict with XA (0.6 apart). XA's rule binds 10, 11 and 20 (each peers in XA); every torn
#   operator exits (EXIT): 10 cuts 1 = 10, 11 cuts 3 = 11, 20 cuts 1 = 20.
# --------------------------------------------------------------------------------------------------------------
TRADE_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (3, 11), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
TRADE_PROFILES = dict(XA=0.2, XB=0.8, XC=0.8)


def test_m3_without_agreements_both_partners_are_cut():
    model = run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], **EXIT)
    assert cut_pairs(model) == {link(1, 10), link(3, 11), link(1, 20)}


def _agreements(**params):
    """XA's rule on TRADE_WORLD under M3, one step."""
    return run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], mechanisms=["m3"], **EXIT, **params)


def test_m3_agreement_between_close_partners_removes_their_conflict():
    model = _agreements(agreement_share=0.5, agreements_per_step=5)
    # only XA–XB exchange at least half of their links: they sign; XA–XC (1/3) do not
    assert state(model, "XA").agreements == {1} and state(model, "XB").agreements == {0}
    assert state(model, "XC").agreements == set()
    assert cut_pairs(model) == {link(1, 20)}
    assert not model.conflict_matrix()[0, 1] and model.conflict_matrix()[0, 2]
    assert model.n_conflicts == 1  # 20 alone is torn


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_m3_a_late_agreement_ends_the_conflict_and_the_link_comes_back_after_the_delay(delay):
    # one agreement a step, the closest pair first: XA–XB at step 1 (before operators resolve: never cut), XA–XC
    # at step 2. 1 = 20 is cut at step 1; its conflict ends at step 2, and it is back at step 2 + delay.
    model = _agreements(agreement_share=0.3, agreements_per_step=1, restore_delay=delay)
    assert state(model, "XA").agreements == {1}  # step 1: the closest pair only
    assert cut_pairs(model) == {link(1, 20)}
    for _ in range(1 + delay + 1):
        model.step()
    assert state(model, "XA").agreements == {1, 2} and state(model, "XC").agreements == {0}
    assert_back_once(model, 1, 20, cut_step=1, back_step=2 + delay)
    assert cut_pairs(model) == set()
