"""Coordination mechanisms M0–M8 (MODEL.md §5) on hand-drawn worlds whose outcome is worked out by hand.

Every world is drawn in a comment: ``a > b`` is a customer→provider link (``a`` sells transit to ``b``),
``a = b`` a peer link, ``*`` marks a Tier-1 AS. Profiles are set uniform (``p`` on every policy dimension), so
the distance between two states (RMS over the dimensions) is simply ``|p - q|``; ``conflict_tolerance`` is
0.3 throughout. Markets are the ASes located in a country; with ``operator_choice="larger_market"`` a torn
operator keeps the larger market and cuts its links to the other side (MODEL.md §4).

Nothing happens in a quiet model unless the test imposes it (no state adopts on its own), so the only
regulation in force is the imposed one (plus, under M2, the retaliation it provokes).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.worlds import cut_pairs, quiet_model, world

TOLERANCE = 0.3
ET_XA = dict(step=1, country="XA", kind="extraterritorial")


def link(a: int, b: int) -> frozenset:
    return frozenset((a, b))


def build(topo, profiles: dict[str, float], **params):
    """A quiet model with every state's profile set to a uniform level."""
    model = quiet_model(topo, conflict_tolerance=TOLERANCE, **params)
    for code, level in profiles.items():
        state(model, code).profile = np.full(4, float(level))
    return model


def run(topo, profiles: dict[str, float], n_steps: int = 1, **params):
    model = build(topo, profiles, **params)
    for _ in range(n_steps):
        model.step()
    return model


def state(model, code: str):
    return model.states[model.world.topo.country_index(code)]


def _pairs(result) -> set[tuple[int, int]]:
    asns = result.topology.asns.tolist()
    return {(s, int(d)) for s in asns for d in result.reachable_from(s).tolist() if d != s}


def lost_pairs(model) -> set[tuple[int, int]]:
    """Ordered (source, destination) ASN pairs reachable at step 0 and not now."""
    return _pairs(model.baseline.result) - _pairs(model.current.result)


def reaches(model, asn: int) -> set[int]:
    return set(model.current.result.reachable_from(asn).tolist())


def column(model, name: str) -> list:
    return model.datacollector.get_model_vars_dataframe()[name].tolist()


# --------------------------------------------------------------------------------------------------------------
# M0: an extraterritorial rule with conflicting profiles
#
#        XB (market 2)        XA (market 4)        XC (market 2)
#          10 ──── peer ────── 1 ────── peer ────── 20
#          │                 / | \                   │
#          11               2  3  4                 21
#
#   XA: 1 > 2, 1 > 3, 1 > 4      XB: 10 > 11          XC: 20 > 21        peers: 1 = 10, 1 = 20
# --------------------------------------------------------------------------------------------------------------
ET_WORLD = world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)], p2p=[(1, 10), (1, 20)],
                 country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"})
# XB is 0.6 away from XA (conflict), XC 0.1 (no conflict)
ET_PROFILES = dict(XA=0.2, XB=0.8, XC=0.3)
XA_SIDE = {1, 2, 3, 4}


def test_m0_without_a_rule_nothing_is_cut():
    model = run(ET_WORLD, ET_PROFILES, n_steps=2)
    assert model.conflicts[0, 1] and not model.conflicts[0, 2]  # the conflict alone cuts nothing
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
    assert column(model, "loss") == [0.0, 0.0, 0.0]


def test_m0_extraterritorial_rule_larger_market_cuts_the_bound_operator_home_links():
    # XA's rule binds 10 and 20 (foreign ASes linked to XA). 10's home XB conflicts with XA: 10 cannot obey
    # both, keeps the larger market (XA: 4 ASes > XB: 2) and cuts its links to XB: 10–11. 20's home XC does
    # not conflict: nothing cut. 11 loses everything it reached through 10.
    model = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA], operator_choice="larger_market")
    assert cut_pairs(model) == {link(10, 11)}
    why = model.why_cut(11, 10)
    assert why.kind == "extraterritorial" and model.world.topo.country_codes[why.state] == "XA"
    assert model.why_cut(1, 10) is None and model.why_cut(1, 20) is None and model.why_cut(20, 21) is None
    assert model.n_conflicts == 1  # one torn operator: 10
    # baseline: 1–4, 10 and 11 reach one another (through the peer link 1 = 10); now 11 reaches nobody
    assert lost_pairs(model) == {(s, 11) for s in XA_SIDE | {10}} | {(11, d) for d in XA_SIDE | {10}}
    assert reaches(model, 20) == {20, 21} | XA_SIDE


def test_m0_extraterritorial_rule_home_law_cuts_the_link_to_the_regulator():
    # same conflict, but the operator obeys home law first: 10 keeps XB and gives up XA (link 1 = 10)
    model = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA], operator_choice="home_law")
    assert cut_pairs(model) == {link(1, 10)}
    lost = {(s, d) for s in XA_SIDE for d in (10, 11)} | {(s, d) for s in (10, 11) for d in XA_SIDE}
    assert lost_pairs(model) == lost


def test_m0_extraterritorial_rule_of_the_smaller_market_loses():
    # XB adopts the rule: bound are XA's AS 1 (linked to 10). XA is the larger market, so 1 keeps XA and
    # gives up XB: link 1 = 10 is cut, not XA's domestic links
    model = run(ET_WORLD, ET_PROFILES, imposed=[dict(step=1, country="XB", kind="extraterritorial")])
    assert cut_pairs(model) == {link(1, 10)}


# --------------------------------------------------------------------------------------------------------------
# M1: a unilateral leader. XB's only cross-border link goes to the leader XA: dependence 1, so it complies with
# probability comply_prob.
#
#   XA (market 4): 1 > 2, 1 > 3, 1 > 4        XB (market 2): 10 > 11        peers: 1 = 10
# --------------------------------------------------------------------------------------------------------------
LEADER_WORLD = world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11)], p2p=[(1, 10)],
                     country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB"})


def test_m1_dependent_state_complies_with_the_leader_and_is_not_cut():
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=["m1"], leader="XA",
                comply_prob=1.0)
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
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), n_steps=2, imposed=[ET_XA], mechanisms=["m1"], leader="XA",
                comply_prob=0.0)
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


# --------------------------------------------------------------------------------------------------------------
# M2: retaliation, on LEADER_WORLD. Step 1: XA's rule cuts 10–11 (both ends in XB: XB is hurt by XA).
# Step 2: XB sanctions XA: its ASes drop their links with XA's ASes, i.e. 1 = 10 (now XA is hurt by XB).
# Step 3: XA sanctions XB back (tit for tat); nothing is left to cut between them.
# --------------------------------------------------------------------------------------------------------------
def _regs(model) -> list[tuple[str, str, str, int, bool]]:
    codes = model.world.topo.country_codes
    return [(r.kind.value, codes[r.state], codes[r.target] if r.target >= 0 else "", r.step, r.imposed)
            for r in model.regulations]


def test_m2_hurt_state_retaliates_with_sanctions_that_cut_the_next_step():
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=["m2"], retaliate_prob=1.0)
    assert cut_pairs(model) == {link(10, 11)}
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True)]
    model.step()
    assert state(model, "XB").hurt_by == {0}  # hurt by XA's rule in step 1
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True), ("sanctions", "XB", "XA", 2, False)]
    assert cut_pairs(model) == {link(10, 11), link(1, 10)}
    df = model.cut_links().set_index("step")
    assert df.loc[2, "kind"] == "sanctions" and df.loc[2, "state"] == "XB" and df.loc[2, "target"] == "XA"
    assert column(model, "n_links_cut") == [0, 1, 2]
    model.step()
    assert _regs(model)[-1] == ("sanctions", "XA", "XB", 3, False)
    assert cut_pairs(model) == {link(10, 11), link(1, 10)}


def test_m2_no_retaliation_with_probability_zero():
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), n_steps=3, imposed=[ET_XA], mechanisms=["m2"],
                retaliate_prob=0.0)
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True)]
    assert cut_pairs(model) == {link(10, 11)}


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
TRADE_WORLD = world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)], p2p=[(1, 10), (3, 11), (1, 20)],
                    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"})
TRADE_PROFILES = dict(XA=0.2, XB=0.8, XC=0.8)


def test_m3_without_agreements_both_partners_are_cut():
    model = run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA])
    assert cut_pairs(model) == {link(10, 11), link(20, 21)}


def test_m3_agreement_between_close_partners_removes_their_conflict():
    model = run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], mechanisms=["m3"], agreement_share=0.5,
                agreements_per_step=5)
    # only XA–XB exchange at least half of their links: they sign; XA–XC (1/3) do not
    assert state(model, "XA").agreements == {1} and state(model, "XB").agreements == {0}
    assert state(model, "XC").agreements == set()
    assert cut_pairs(model) == {link(20, 21)}
    assert not model.conflict_matrix()[0, 1] and model.conflict_matrix()[0, 2]


def test_m3_agreements_per_step_signs_the_closest_pair_first_and_cuts_are_not_undone():
    model = run(TRADE_WORLD, TRADE_PROFILES, imposed=[ET_XA], mechanisms=["m3"], agreement_share=0.3,
                agreements_per_step=1)
    assert state(model, "XA").agreements == {1}  # step 1: the closest pair only
    assert cut_pairs(model) == {link(20, 21)}
    model.step()
    assert state(model, "XA").agreements == {1, 2} and state(model, "XC").agreements == {0}
    assert cut_pairs(model) == {link(20, 21)}  # the agreement came a step late: the cut stays


# --------------------------------------------------------------------------------------------------------------
# M4: mutual recognition, on ET_WORLD. XA at 0.2; XB at 0.6 (distance 0.4: above conflict_tolerance 0.3,
# within recognition_tolerance 0.5) or at 0.8 (distance 0.6: beyond both).
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("xb, mechanisms, cut", [
    (0.6, ["m0"], {link(10, 11)}),
    (0.6, ["m4"], set()),
    (0.8, ["m4"], {link(10, 11)}),
])
def test_m4_profiles_within_recognition_tolerance_do_not_conflict(xb, mechanisms, cut):
    model = run(ET_WORLD, dict(XA=0.2, XB=xb, XC=0.3), imposed=[ET_XA], mechanisms=mechanisms,
                recognition_tolerance=0.5)
    assert model.conflict_matrix()[0, 1] == bool(cut)
    assert cut_pairs(model) == cut


# --------------------------------------------------------------------------------------------------------------
# M5: a multilateral forum.
#
#   XA (market 4): 1 > 2, 1 > 3, 1 > 4     XB (market 2): 10 > 11     XC (market 1): 20
#   peers: 1 = 10, 1 = 20
#
#   forum_seed 2: the two largest markets, XA and XB, found the forum; XC stays out (join cost 2 > any share).
#   XA 0.2, XB 0.8: the members' mean is 0.5; with harmonization_rate 0.25 each step closes a quarter of the gap:
#   distance 0.6 → 0.45 → 0.3375 → 0.253125 (below 0.3 after the third step). XC (0.25) never moves.
# --------------------------------------------------------------------------------------------------------------
FORUM_WORLD = world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11)], p2p=[(1, 10), (1, 20)],
                    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC"})
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


@pytest.mark.parametrize("mechanisms, rule_step, cut", [
    (["m5"], 3, set()),  # harmonized below tolerance in step 3, before operators resolve
    (["m5"], 2, {link(10, 11)}),  # still 0.3375 apart in step 2
    (["m0"], 3, {link(10, 11)}),  # no forum: still 0.6 apart
])
def test_m5_conflict_disappears_after_enough_steps(mechanisms, rule_step, cut):
    params = {**FORUM, "mechanisms": mechanisms}
    model = _forum_model(imposed=[dict(ET_XA, step=rule_step)], **params)
    for _ in range(3):
        model.step()
    assert cut_pairs(model) == cut


def test_m5_state_joins_when_members_market_share_exceeds_its_cost():
    # XA (4) + XB (2) found the forum: share 6/8 = 0.75. XC (cost 0.7) joins at step 1; then the share is
    # 7/8 = 0.875, still below XD's cost 0.9: XD never joins.
    #   XA: 1 > 2, 1 > 3, 1 > 4    XB: 10 > 11    XC: 20    XD: 30    peers: 1 = 10, 1 = 20, 1 = 30
    topo = world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11)], p2p=[(1, 10), (1, 20), (1, 30)],
                 country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 30: "XD"})
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


# --------------------------------------------------------------------------------------------------------------
# M6: the public-core norm.
#
#   XA (market 5): 1* > 2, 1* > 3, 1* > 4, 1* > 5        XB (market 4): 10* > 11, 12 > 13
#   cross-border: 1* = 10* (Tier-1 peering), 2 > 12 (XA's 2 sells transit to XB's 12)
#
#   XA's rule binds 10 and 12; XB conflicts; XA is the larger market, so 10 cuts 10–11 and 12 cuts 12–13.
#   10–11 touches the Tier-1 AS 10: an adherent's regulation leaves it up.
# --------------------------------------------------------------------------------------------------------------
NORM_WORLD = world(p2c=[(1, 2), (1, 3), (1, 4), (1, 5), (10, 11), (12, 13), (2, 12)], p2p=[(1, 10)],
                   country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB"},
                   tier1=(1, 10))


@pytest.mark.parametrize("mechanisms, cut", [
    (["m0"], {link(10, 11), link(12, 13)}),
    (["m6"], {link(12, 13)}),
])
def test_m6_norm_protects_links_touching_tier1(mechanisms, cut):
    model = run(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=mechanisms, norm_adherence=1.0,
                protected_roles=("tier1",))
    assert cut_pairs(model) == cut
    assert model.n_conflicts == 2  # both operators are torn; the norm only spares the protected link
    # 13 lost its only provider either way; 11 keeps 10 under the norm
    assert reaches(model, 13) == {13}
    assert (reaches(model, 11) == {11}) == (link(10, 11) in cut)


def test_m6_only_the_regulating_state_adherence_counts():
    model = build(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=["m6"], norm_adherence=1.0,
                  protected_roles=("tier1",))
    state(model, "XA").memberships.discard("norm")  # XB adheres, the regulator does not
    model.step()
    assert cut_pairs(model) == {link(10, 11), link(12, 13)}


# --------------------------------------------------------------------------------------------------------------
# M7: operator re-homing.
#
#   XA: 1 > 2, 1 > 3, 1 > 13 (cross-border: XB's 13 buys transit from XA's 1)
#   XB: 10 > 11, 10 > 12                  peers: 1 = 10
#   customer cones: 1 → {1, 2, 3, 13} = 4, 10 → {10, 11, 12} = 3, every other AS 1.
#
#   XA shuts down at step 1: 1 = 10 and 1 > 13 are cut; 13 reaches nobody. With rehome_delay 2, at step 3 the
#   operators that lost links (1, 10, 13) look for a domestic provider with a larger cone: 13 buys transit
#   from 10 (cone 3 > 1); 10 and 1 are the largest transit ASes of their countries and buy nothing.
# --------------------------------------------------------------------------------------------------------------
REHOME_WORLD = world(p2c=[(1, 2), (1, 3), (1, 13), (10, 11), (10, 12)], p2p=[(1, 10)],
                     country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB"})
SHUTDOWN_XA = dict(step=1, country="XA", kind="shutdown")


def test_m7_operator_that_lost_links_buys_domestic_transit_after_the_delay():
    model = run(REHOME_WORLD, {}, n_steps=2, imposed=[SHUTDOWN_XA], mechanisms=["m7"], rehome_delay=2,
                rehome_rate=1.0, rehome_cost=2.5)
    assert cut_pairs(model) == {link(1, 10), link(1, 13)}
    assert model.bought == [] and reaches(model, 13) == {13}  # still waiting at step 2
    model.step()
    assert [(b.customer, b.provider, b.step, b.cost) for b in model.bought] == [(13, 10, 3, 2.5)]
    kernel = model.world.kernel_topology()
    assert kernel.p2c_cycles() == []
    new = kernel.n_p2c - 1  # bought links come after the base c2p links
    assert (kernel.asns[kernel.provider[new]], kernel.asns[kernel.customer[new]]) == (10, 13)
    assert reaches(model, 13) == {13, 10, 11, 12}  # XB recovered; XA stays shut
    assert reaches(model, 11) >= {13}
    model.step()  # re-homed once per loss, not every step
    assert len(model.bought) == 1
    assert column(model, "n_links_rehomed") == [0, 0, 0, 1, 1]
    assert column(model, "n_links_cut") == [0, 2, 2, 2, 2]


def test_m7_buys_only_from_a_larger_cone_and_once_per_loss():
    # XA: 1 > 2, 1 > 13 (cross-border)    XB: 10 > 11, 14 > 15    peers: 1 = 10
    # cones: 1 → 3, 10 → 2, 14 → 2, others 1. XA shuts down at step 1 (cuts 1 = 10, 1 > 13); from step 2 the
    # operators 1, 10, 13 look for domestic transit. 13 may buy from 10 or 14 (cone 2 > 1), drawn by cone;
    # 10 may not buy from 14 (equal cones) nor 1 from anyone (the largest in XA). 13 buys once, not once a step.
    topo = world(p2c=[(1, 2), (1, 13), (10, 11), (14, 15)], p2p=[(1, 10)],
                 country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 13: "XB", 14: "XB", 15: "XB"})
    providers = set()
    for seed in range(8):
        model = build(topo, {}, rng=seed, imposed=[SHUTDOWN_XA], mechanisms=["m7"], rehome_delay=1,
                      rehome_rate=1.0)
        for _ in range(4):
            model.step()
        bought = [(b.customer, b.provider, b.step) for b in model.bought]
        assert len(bought) == 1 and bought[0][0] == 13 and bought[0][1] in (10, 14) and bought[0][2] == 2
        assert model.world.kernel_topology().p2c_cycles() == []
        providers.add(bought[0][1])
    assert providers == {10, 14}  # the draw is random, both are eligible


def test_m7_without_rehoming_the_operator_stays_cut_off():
    model = run(REHOME_WORLD, {}, n_steps=4, imposed=[SHUTDOWN_XA], mechanisms=["m0"], rehome_delay=2,
                rehome_rate=1.0)
    assert model.bought == [] and reaches(model, 13) == {13}
    assert column(model, "n_links_rehomed") == [0] * 5


# --------------------------------------------------------------------------------------------------------------
# M8: technical mitigation of a transit restriction.
#
#   XA: 1 > 2, 1 > 10, 1 > 20, 1 > 22     XB: 10 > 11     XC: 20, 22     XD: 30 > 10, 30 > 20
#
#   XA restricts transit for sources in XB. XB reaches XC's 20 through 1 or through 30; XC's 22 and XA's 2
#   only through 1.
# --------------------------------------------------------------------------------------------------------------
TRANSIT_WORLD = world(p2c=[(1, 2), (1, 10), (1, 20), (1, 22), (10, 11), (30, 10), (30, 20)],
                      country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 20: "XC", 22: "XC", 30: "XD"})
RESTRICT = dict(step=1, country="XA", kind="transit_restriction", target="XB")


def test_m8_transit_restriction_cuts_nothing_and_traffic_routes_around():
    model = run(TRANSIT_WORLD, {}, imposed=[RESTRICT], mechanisms=["m8"])
    assert cut_pairs(model) == set() and column(model, "n_links_cut") == [0, 0]
    # XB's sources may reach 1 itself, and 20 around XA via 30, but not 2 or 22 (only through 1)
    assert reaches(model, 10) == {10, 11, 1, 30, 20}
    assert reaches(model, 11) == {10, 11, 1, 30, 20}
    # only XB's sources are restricted: XA's and XC's still cross 1 to reach XB
    assert reaches(model, 1) == {1, 2, 10, 11, 20, 22}
    assert reaches(model, 22) >= {10, 11}
    assert lost_pairs(model) == {(s, d) for s in (10, 11) for d in (2, 22)}


def test_m8_without_mitigation_the_restriction_cuts_the_links():
    model = run(TRANSIT_WORLD, {}, imposed=[RESTRICT], mechanisms=["m0"])
    assert cut_pairs(model) == {link(1, 10)}
    why = model.why_cut(1, 10)
    assert why.kind == "transit_restriction"
    assert reaches(model, 10) == {10, 11, 30, 20}  # 1 itself is lost too
    assert reaches(model, 1) == {1, 2, 20, 22}  # and XA no longer reaches XB
    assert reaches(model, 22) == {22, 1, 2, 20}


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
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB",
             20: "XC", 21: "XC", 22: "XC"},
    tier1=(1, 10, 20))


@pytest.mark.parametrize("mechanisms, cut", [
    (["m0"], {link(10, 11), link(12, 13), link(20, 21), link(21, 22)}),
    (["m5"], {link(20, 21), link(21, 22)}),
    (["m6"], {link(12, 13), link(21, 22)}),
    (["m5", "m6"], {link(21, 22)}),
])
def test_m5_and_m6_combine(mechanisms, cut):
    model = build(COMBO_WORLD, dict(XA=0.2, XB=0.8, XC=0.8), imposed=[dict(ET_XA, step=3)], mechanisms=mechanisms,
                  forum_seed=2, harmonization_rate=0.25, norm_adherence=1.0, protected_roles=("tier1",))
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
