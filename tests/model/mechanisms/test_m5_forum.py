"""M5: a multilateral forum whose members harmonize their profiles."""

from __future__ import annotations

import numpy as np
import pytest

from tests.model.mechanisms.common import ET_XA, EXIT, assert_back_once, build, column, link, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M5: a multilateral forum.
#
#   XA (market 4 ASes): 1 > 2, 1 > 3, 1 > 4     XB (market 2): 10 > 11     XC (market 1): 20
#   peers: 1 = 10, 1 = 20
#
#   forum_seed 2: the two largest markets, XA and XB, found the forum; XC stays out (join cost 2 > any share).
#   XA 0.2, XB 0.8: the members' mean is 0.5; with harmonization_rate 0.25 each step closes a quarter of the gap:
#   distance 0.6 → 0.45 → 0.3375 → 0.253125 (below 0.3 after the third step). XC (0.25) never moves.
#   XA's rule binds 10 (a peer in XA): while XB conflicts with XA it exits (EXIT) and cuts 1 = 10.
# --------------------------------------------------------------------------------------------------------------
FORUM_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11)],
    p2p=[(1, 10), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC"},
)
FORUM = dict(mechanisms=["m5"], forum_seed=2, harmonization_rate=0.25)


def _forum_model(**params):
    model = build(FORUM_WORLD, dict(XA=0.2, XB=0.8, XC=0.25), **params)
    state(model, "XC").join_cost = 2.0
    return model


def test_m5_members_move_toward_the_members_mean():
    model = _forum_model(**FORUM)
    assert {s.code for s in model.states.values() if "forum" in s.memberships} == {"XA", "XB"}
    expected = [(0.275, 0.725), (0.33125, 0.66875), (0.3734375, 0.6265625)]
    for step, (xa, xb) in enumerate(expected, start=1):
        model.step()
        np.testing.assert_allclose(state(model, "XA").profile, np.full(4, xa))
        np.testing.assert_allclose(state(model, "XB").profile, np.full(4, xb))
        np.testing.assert_array_equal(state(model, "XC").profile, np.full(4, 0.25))
        assert model.conflict_matrix()[0, 1] == (step < 3)


@pytest.mark.parametrize(
    "mechanisms, rule_step, cut",
    [
        (["m5"], 3, set()),  # harmonized below tolerance in step 3, before operators resolve
        (["m5"], 2, {link(1, 10)}),  # still 0.3375 apart in step 2 (and back only at step 4)
        (["m0"], 3, {link(1, 10)}),  # no forum: still 0.6 apart
    ],
)
def test_m5_conflict_disappears_after_enough_steps(mechanisms, rule_step, cut):
    params = {**FORUM, **EXIT, "mechanisms": mechanisms}
    model = _forum_model(imposed=[dict(ET_XA, step=rule_step)], **params)
    for _ in range(3):
        model.step()
    assert cut_pairs(model) == cut


def test_m5_state_joins_when_members_market_share_exceeds_its_cost():
    # XA (4) + XB (2) found the forum: share 6/8 = 0.75. XC (cost 0.7) joins at step 1; then the share is
    # 7/8 = 0.875, still below XD's cost 0.9: XD never joins.
    #   XA: 1 > 2, 1 > 3, 1 > 4    XB: 10 > 11    XC: 20    XD: 30    peers: 1 = 10, 1 = 20, 1 = 30
    topo = world(
        p2c=[(1, 2), (1, 3), (1, 4), (10, 11)],
        p2p=[(1, 10), (1, 20), (1, 30)],
        country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 30: "XD"},
    )
    model = build(topo, dict(XA=0.2, XB=0.8, XC=0.8, XD=0.9), **FORUM)
    state(model, "XC").join_cost, state(model, "XD").join_cost = 0.7, 0.9
    assert model.forum_market_share() == pytest.approx(0.75)
    model.step()
    assert {s.code for s in model.states.values() if "forum" in s.memberships} == {"XA", "XB", "XC"}
    assert model.forum_market_share() == pytest.approx(0.875)
    # XC joined before the mechanisms acted: it harmonizes in the same step, toward (0.2 + 0.8 + 0.8) / 3 = 0.6
    np.testing.assert_allclose(state(model, "XA").profile, np.full(4, 0.3))
    np.testing.assert_allclose(state(model, "XC").profile, np.full(4, 0.75))
    np.testing.assert_array_equal(state(model, "XD").profile, np.full(4, 0.9))
    for _ in range(3):
        model.step()
    assert "forum" not in state(model, "XD").memberships


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_m5_harmonisation_ends_the_conflict_and_the_link_comes_back_after_the_delay(delay):
    # XA's rule from step 1: 1 = 10 is cut at once (0.45 apart after step 1's harmonisation). The members are
    # 0.253 apart at step 3: the conflict ends in step 3's resolution and the link is back at step 3 + delay.
    model = _forum_model(imposed=[ET_XA], restore_delay=delay, **FORUM, **EXIT)
    for _ in range(3 + delay + 1):
        model.step()
    assert_back_once(model, 1, 10, cut_step=1, back_step=3 + delay)
    assert column(model, "n_exits") == [0, 1, 1] + [0] * (2 + delay)
    assert cut_pairs(model) == set()


def test_the_states_table_records_memberships_and_losses_across_borders():
    # m0, XA's rule from step 3: 1 = 10 is cut and XB (10, 11) is cut off from everyone. Valley-free pairs at step 0:
    # XB <-> XA 8 + 8 (11 > 10 = 1 > 2, 3, 4 and back); XB <-> XC none (10 = 1 = 20 crosses two peerings);
    # XA <-> XC 4 + 4. After the cut: XB keeps only its 2 domestic pairs of 18 with the world (loss 16/18) and
    # none of its 16 cross-border pairs; XA keeps 8 of its 24 cross-border pairs; XC keeps all 8 of its own.
    model = _forum_model(imposed=[dict(ET_XA, step=3)], **{**FORUM, **EXIT, "mechanisms": ["m0"]})
    for _ in range(3):
        model.step()
    table = model.datacollector.get_agent_vars_dataframe().reset_index()
    last = table[table["Step"] == 3].set_index("code")
    assert last["cross_border_loss"].to_dict() == pytest.approx({"XA": 2 / 3, "XB": 1.0, "XC": 0.0})
    assert last.loc["XB", "loss"] == pytest.approx(16 / 18)
    assert set(last["memberships"]) == {"none"}  # m0: nothing to join
    assert (table[table["Step"] < 3]["cross_border_loss"] == 0).all()
    # m5: XA and XB founded the forum at step 0; XC never joins (its cost is above any share)
    model = _forum_model(**FORUM)
    model.step()
    table = model.datacollector.get_agent_vars_dataframe().reset_index()
    assert table.set_index(["Step", "code"])["memberships"].to_dict() == {
        (s, c): "forum" if c != "XC" else "none" for s in (0, 1) for c in ("XA", "XB", "XC")
    }
