"""M1: a unilateral leader (on LEADER_WORLD: XB depends on XA alone)."""

from __future__ import annotations

import numpy as np

from tests.model.mechanisms.common import ET_XA, LEADER_WORLD, build, link, lost_pairs, run, state
from tests.worlds import cut_pairs

# --------------------------------------------------------------------------------------------------------------
# M1: a unilateral leader, on LEADER_WORLD (common.py). XB's only cross-border link goes to the leader XA:
# dependence 1, so it complies with probability comply_prob.
#
#   XA (market 4): 1 > 2, 1 > 3, 1 > 4        XB (market 2): 10 > 11        peers: 1 = 10
# --------------------------------------------------------------------------------------------------------------


def test_m1_dependent_state_complies_with_the_leader_and_is_not_cut():
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=["m1"], leader="XA", comply_prob=1.0)
    assert model.leader is state(model, "XA") and state(model, "XA").adopted
    xb = state(model, "XB")
    # compliance answers the leader's rule in the step it is adopted, before operators resolve
    assert "complied" in xb.memberships
    np.testing.assert_array_equal(xb.profile, np.full(4, 0.2))
    assert model.conflicts[0, 1] and not model.conflict_matrix()[0, 1]  # conflicting when the step began
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
    # a complied state follows the leader's profile afterwards
    state(model, "XA").profile = np.full(4, 0.9)
    model.step()
    np.testing.assert_allclose(xb.profile, np.full(4, 0.9))
    assert cut_pairs(model) == set()


def test_m1_state_that_does_not_comply_is_cut():
    model = run(
        LEADER_WORLD, dict(XA=0.2, XB=0.8), n_steps=2, imposed=[ET_XA], mechanisms=["m1"], leader="XA", comply_prob=0.0
    )
    xb = state(model, "XB")
    assert "complied" not in xb.memberships
    np.testing.assert_array_equal(xb.profile, np.full(4, 0.8))
    assert cut_pairs(model) == {link(10, 11)}  # 10 keeps the leader's larger market


def test_m1_leader_defaults_to_the_largest_market_and_nobody_complies_before_it_adopts():
    model = build(LEADER_WORLD, dict(XA=0.2, XB=0.8), mechanisms=["m1"], comply_prob=1.0)
    assert model.leader is state(model, "XA")
    model.step()  # no rule from the leader yet: nothing to comply with
    assert "complied" not in state(model, "XB").memberships
    np.testing.assert_array_equal(state(model, "XB").profile, np.full(4, 0.8))
    assert build(LEADER_WORLD, {}, mechanisms=["m0"]).leader is None
