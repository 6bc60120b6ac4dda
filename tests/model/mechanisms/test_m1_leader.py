"""M1: a unilateral leader (on LEADER_WORLD: XB depends on XA alone)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.model.mechanisms.common import (
    ET_XA,
    EXIT,
    LEADER_WORLD,
    assert_back_once,
    build,
    column,
    link,
    lost_pairs,
    run,
    state,
)
from tests.worlds import cut_pairs

# --------------------------------------------------------------------------------------------------------------
# M1: a unilateral leader, on LEADER_WORLD (common.py). XB's cross-border links all go to the leader XA:
# dependence 1, so it complies with probability comply_prob.
#
#   XA: 1 > 2, 1 > 3, 1 > 4        XB: 10 > 11        cross-border: 1 = 10, 2 > 11
#
#   XA's rule binds 10 (a peer in XA); 11 only buys transit from XA and is not bound.
# --------------------------------------------------------------------------------------------------------------
PROFILES = dict(XA=0.2, XB=0.8)


class Scripted:
    """Stands in for the model's ``rng_comply`` stream: its draws, in order, so a test says when XB complies."""

    def __init__(self, draws):
        self.draws = list(draws)

    def random(self) -> float:
        return self.draws.pop(0)


def test_m1_dependent_state_complies_with_the_leader_and_is_not_cut():
    model = run(LEADER_WORLD, PROFILES, imposed=[ET_XA], mechanisms=["m1"], leader="XA", comply_prob=1.0, **EXIT)
    assert model.leader is state(model, "XA") and state(model, "XA").adopted
    xb = state(model, "XB")
    # compliance answers the leader's rule in the step it is adopted, before operators resolve
    assert "complied" in xb.memberships
    np.testing.assert_array_equal(xb.profile, np.full(4, 0.2))
    assert model.conflicts[0, 1] and not model.conflict_matrix()[0, 1]  # conflicting when the step began
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
    assert model.n_conflicts == 0  # nobody is torn any more
    # a complied state follows the leader's profile afterwards
    state(model, "XA").profile = np.full(4, 0.9)
    model.step()
    np.testing.assert_allclose(xb.profile, np.full(4, 0.9))
    assert cut_pairs(model) == set()


def test_m1_state_that_does_not_comply_is_cut():
    model = run(
        LEADER_WORLD, PROFILES, n_steps=2, imposed=[ET_XA], mechanisms=["m1"], leader="XA", comply_prob=0.0, **EXIT
    )
    xb = state(model, "XB")
    assert "complied" not in xb.memberships
    np.testing.assert_array_equal(xb.profile, np.full(4, 0.8))
    assert cut_pairs(model) == {link(1, 10)}  # 10 exits the leader's market; 2 > 11 is not bound


def test_m1_leader_defaults_to_the_largest_market_and_nobody_complies_before_it_adopts():
    model = build(LEADER_WORLD, PROFILES, mechanisms=["m1"], comply_prob=1.0)
    assert model.leader is state(model, "XA")
    model.step()  # no rule from the leader yet: nothing to comply with
    assert "complied" not in state(model, "XB").memberships
    np.testing.assert_array_equal(state(model, "XB").profile, np.full(4, 0.8))
    assert build(LEADER_WORLD, {}, mechanisms=["m0"]).leader is None


@pytest.mark.parametrize("delay", [0, 1, 3])
def test_m1_link_comes_back_restore_delay_steps_after_the_state_complies(delay):
    # comply_prob 0.5 and scripted draws: XB does not comply at step 1 (draw 0.9), so 10 exits XA's market and
    # 1 = 10 is cut; it complies at step 2 (draw 0.1): its profile is the leader's, the conflict is over in that
    # step's resolution, and the link is back at step 2 + delay.
    model = build(
        LEADER_WORLD,
        PROFILES,
        imposed=[ET_XA],
        mechanisms=["m1"],
        leader="XA",
        comply_prob=0.5,
        restore_delay=delay,
        **EXIT,
    )
    model.rng_comply = Scripted([0.9, 0.1])
    for _ in range(2 + delay + 1):
        model.step()
    assert "complied" in state(model, "XB").memberships
    assert_back_once(model, 1, 10, cut_step=1, back_step=2 + delay)
    assert column(model, "n_links_cut") == [0] + [1] * (1 + delay) + [0, 0]  # back at 2 + delay, up at 3 + delay
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
