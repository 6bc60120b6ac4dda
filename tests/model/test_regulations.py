"""Each regulation type (MODEL.md §4) on a hand-drawn world whose outcome is worked out by hand: which links are
cut, by which regulation, and which ordered reachable pairs ``(source, destination)`` are lost.

Drawings: ``a > b`` is a provider→customer link (``b`` buys transit from ``a``), ``a = b`` a peering link.
Every regulation is imposed through the scenario on a quiet model (nothing happens unless imposed) and takes
effect at step 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.worlds import cut_pairs, quiet_model, reach_sets, world


def link(a: int, b: int) -> frozenset:
    return frozenset((a, b))


def between(group_a, group_b) -> set[tuple[int, int]]:
    """Every ordered pair from one group to the other, both directions."""
    return {(a, b) for a in group_a for b in group_b} | {(b, a) for a in group_a for b in group_b}


def lost_pairs(before: dict, after: dict) -> set[tuple[int, int]]:
    """Ordered pairs reachable before and not after; fails if any pair was gained (no regulation adds paths)."""
    assert all(after[s] <= before[s] for s in before), "a regulation made a new pair reachable"
    return {(s, d) for s in before for d in before[s] - after[s]}


def set_profiles(model, topo, **profiles: float) -> None:
    """Give each named state the profile (v, v, v, v): 0 and 1 are 1.0 apart (> tolerance 0.3), so they conflict."""
    for code, value in profiles.items():
        model.states[topo.country_index(code)].profile = np.full(4, float(value))
    model.conflicts = model.conflict_matrix()


def code_of(topo, reg) -> tuple[str, str, str]:
    """(kind, state, target) of a regulation, with country codes."""
    target = topo.country_codes[reg.target] if reg.target >= 0 else ""
    return reg.kind.value, topo.country_codes[reg.state], target


def run(topo, *, profiles=None, **params):
    """A quiet model of ``topo`` (profiles set before the first step), its reach sets before, stepped once."""
    model = quiet_model(topo, **params)
    if profiles:
        set_profiles(model, topo, **profiles)
    before = reach_sets(model)
    model.step()
    return model, before


# -- territorial -----------------------------------------------------------------------------------------------

# XA: 1 > 2, 1 > 3        XB: 10 > 11        XA–XB: 1 = 10.   Profiles conflict (XA 0, XB 1).
# An extraterritorial rule would bind 10 (linked to XA) and cut; a territorial rule binds only 1, 2, 3.
TERRITORIAL = world(p2c=[(1, 2), (1, 3), (10, 11)], p2p=[(1, 10)],
                    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"})


def test_territorial_rule_cuts_nothing_even_between_conflicting_states():
    model, before = run(TERRITORIAL, profiles=dict(XA=0, XB=1),
                        imposed=[dict(step=1, country="XA", kind="territorial")])
    assert [code_of(TERRITORIAL, r) for r in model.regulations] == [("territorial", "XA", "")]
    assert model.conflicts[0, 1]  # the states do conflict: only the rule's reach keeps the link up
    assert cut_pairs(model) == set()
    assert model.why_cut(1, 10) is None
    assert model.current.result.n_pairs() == 5 * 4  # everyone still reaches everyone
    assert lost_pairs(before, reach_sets(model)) == set()
    assert model.n_conflicts == 0


# -- extraterritorial --------------------------------------------------------------------------------------------

#          XA (3 ASes)        XB (4 ASes)         XC (2)      XD (2)
#          1 > 2, 1 > 3       10 > 11, 12, 13     20 > 21     30 > 31
#  cross:  1 > 10, 1 > 20, 1 > 30     (1 is everyone's top provider: full reachability, 11 × 10 pairs)
#  profiles: XA 0, XB 1 and XC 1 (conflict with XA), XD 0 (no conflict)
# XA adopts an extraterritorial rule: 10, 20, 30 are bound (linked to XA's AS 1); 10 and 20 are torn.
EXTRATERRITORIAL = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 12), (10, 13), (20, 21), (30, 31), (1, 10), (1, 20), (1, 30)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB", 20: "XC", 21: "XC",
             30: "XD", 31: "XD"})
XB_ASES = {10, 11, 12, 13}


@pytest.mark.parametrize("choice, cut, lost", [
    # larger market: 10 keeps XB (4 ASes > 3) and drops its link to XA; 20 keeps XA (3 > 2) and drops its
    # link into XC, so 21 is cut off from everyone; XD's 30 does not conflict and keeps every link.
    ("larger_market", {link(1, 10), link(20, 21)},
     between(XB_ASES, {1, 2, 3, 20, 21, 30, 31}) | between({21}, {1, 2, 3, 20, 30, 31})),
    # home law: both torn operators obey their home state and drop their links to XA; 21 stays with 20.
    ("home_law", {link(1, 10), link(1, 20)},
     between(XB_ASES, {1, 2, 3, 20, 21, 30, 31}) | between({20, 21}, {1, 2, 3, 30, 31})),
])
def test_extraterritorial_rule_tears_conflicting_foreign_operators(choice, cut, lost):
    model, before = run(EXTRATERRITORIAL, profiles=dict(XA=0, XB=1, XC=1, XD=0), operator_choice=choice,
                        imposed=[dict(step=1, country="XA", kind="extraterritorial")])
    assert model.current.result.n_pairs() == 11 * 10 - len(lost)
    assert cut_pairs(model) == cut
    assert lost_pairs(before, reach_sets(model)) == lost
    for a, b in cut:
        assert code_of(EXTRATERRITORIAL, model.why_cut(a, b)) == ("extraterritorial", "XA", "")
    assert model.why_cut(1, 30) is None and model.why_cut(30, 31) is None  # XD's operator is not torn
    assert model.n_conflicts == 2  # 10 and 20 face conflicting obligations; 30 does not
    assert before[1] == frozenset(EXTRATERRITORIAL.asns.tolist())  # the baseline was fully connected


#  XA (4 ASes): 1 > 2, 1 > 3, 1 > 4      XB (3): 10 > 11, 10 > 5      XC (1): 20 > 1, 20 > 10
#  5 is located in XB but owned by XA (a state-owned AS operating abroad); no link of 5 touches XA.
#  profiles: XA 0, XB 1 (conflict), XC 0.  20 is bound (linked to 1) but does not conflict.
def owned_abroad(owned: bool):
    return world(p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (10, 5), (20, 1), (20, 10)],
                 country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XB", 10: "XB", 11: "XB", 20: "XC"},
                 owner={5: "XA"} if owned else None, operating={5: "XB"} if owned else None)


@pytest.mark.parametrize("owned, choice, cut, n_conflicts", [
    # bound through ownership alone; XA's market (4) > XB's (3): 5 keeps XA and drops its XB link, the only
    # link it has, so it is cut off from all 7 other ASes
    (True, "larger_market", {link(10, 5)}, 1),
    # obeying home (XB) law it drops its links to XA: it has none
    (True, "home_law", set(), 1),
    # the same AS privately held is not bound at all
    (False, "larger_market", set(), 0),
])
def test_extraterritorial_rule_binds_the_states_own_ases_abroad(owned, choice, cut, n_conflicts):
    topo = owned_abroad(owned)
    model, before = run(topo, profiles=dict(XA=0, XB=1, XC=0), operator_choice=choice,
                        imposed=[dict(step=1, country="XA", kind="extraterritorial")])
    assert cut_pairs(model) == cut
    assert model.n_conflicts == n_conflicts
    expected_lost = between({5}, {1, 2, 3, 4, 10, 11, 20}) if cut else set()
    assert lost_pairs(before, reach_sets(model)) == expected_lost
    assert model.current.result.n_pairs() == 8 * 7 - len(expected_lost)
    if cut:
        assert code_of(topo, model.why_cut(5, 10)) == ("extraterritorial", "XA", "")


# -- sovereign gateway ------------------------------------------------------------------------------------------

#  XA: 1 > 3, 1 > 4, 1 > 6, 2 > 5, 1 = 2      (cones: 1 → {1,3,4,6} = 4, 2 → {2,5} = 2; 2 is state-owned)
#  XB: 10 > 11, and 10 sells transit to 1, 2 and 3 (the stub 3 is multi-homed to 1 and 10)
GATEWAY = world(p2c=[(1, 3), (1, 4), (1, 6), (2, 5), (10, 1), (10, 2), (10, 3), (10, 11)], p2p=[(1, 2)],
                country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 6: "XA", 10: "XB", 11: "XB"},
                owner={2: "XA"})


@pytest.mark.parametrize("choice, k, cut, lost", [
    # gateway 1 (largest cone): 2 keeps only its peering with 1, which exports 2's routes to 1's customers
    # and not to 1's provider 10: 2 and 5 lose XB
    ("largest", 1, {link(10, 2), link(10, 3)}, between({2, 5}, {10, 11})),
    # gateways 1 and 2: only the stub 3 loses its foreign link, and still reaches XB through 1
    ("largest", 2, {link(10, 3)}, set()),
    # XA has only two transit ASes: a stub never becomes a gateway, however large k
    ("largest", 3, {link(10, 3)}, set()),
    # gateway 2 (the state-owned one, despite its smaller cone): now 1's cone is the one reached only by peering
    ("state_owned", 1, {link(10, 1), link(10, 3)}, between({1, 3, 4, 6}, {10, 11})),
])
def test_sovereign_gateway_keeps_only_the_gateways_cross_border_links(choice, k, cut, lost):
    model, before = run(GATEWAY, imposed=[dict(step=1, country="XA", kind="gateway", k=k, gateway_choice=choice)])
    assert cut_pairs(model) == cut
    for a, b in cut:
        assert code_of(GATEWAY, model.why_cut(a, b)) == ("gateway", "XA", "")
    assert lost_pairs(before, reach_sets(model)) == lost
    assert model.current.result.n_pairs() == 8 * 7 - len(lost)
    # the national segment stays whole: every XA AS still reaches every other XA AS
    after = reach_sets(model)
    xa = {1, 2, 3, 4, 5, 6}
    assert all(xa <= after[a] for a in xa)


# -- sanctions ---------------------------------------------------------------------------------------------------

#  XA (3): 1 > 2, 1 > 3        XB (2): 10 > 11        XC (2): 20 > 21, 20 > 1, 20 > 10        XD (1): 10 > 30
#  XA–XB: 1 = 10.  20 (XC) is a third-country AS linked to both XA and XB; 30 (XD) is linked to XB only.
SANCTIONS = world(p2c=[(1, 2), (1, 3), (10, 11), (20, 21), (20, 1), (20, 10), (10, 30)], p2p=[(1, 10)],
                  country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC", 30: "XD"})


def test_primary_sanctions_cut_only_the_direct_links_and_traffic_goes_around():
    model, before = run(SANCTIONS, imposed=[dict(step=1, country="XA", kind="sanctions", target="XB")])
    assert cut_pairs(model) == {link(1, 10)}
    assert code_of(SANCTIONS, model.why_cut(10, 1)) == ("sanctions", "XA", "XB")
    assert model.why_cut(20, 10) is None and model.why_cut(10, 30) is None
    assert lost_pairs(before, reach_sets(model)) == set()  # XA and XB still meet at their provider 20
    assert model.current.result.n_pairs() == 8 * 7


@pytest.mark.parametrize("sanctioner, target", [("XA", "XB"), ("XB", "XA")])
def test_secondary_sanctions_third_country_operator_keeps_the_larger_market(sanctioner, target):
    # 20 must choose: XA's market (3 ASes) is larger than XB's (2), so 20 drops its link to XB, whether XB is
    # the target (20 complies) or the sanctioner (20 gives up the sanctioner's market). 30 is untouched.
    model, before = run(SANCTIONS, imposed=[dict(step=1, country=sanctioner, kind="sanctions", target=target,
                                                  secondary=True)])
    assert cut_pairs(model) == {link(1, 10), link(20, 10)}
    assert code_of(SANCTIONS, model.why_cut(20, 10)) == ("sanctions", sanctioner, target)
    assert model.regulations[0].secondary
    assert model.n_conflicts == 1
    assert lost_pairs(before, reach_sets(model)) == between({10, 11, 30}, {1, 2, 3, 20, 21})
    assert model.current.result.n_pairs() == 3 * 2 + 5 * 4


# -- transit restriction ---------------------------------------------------------------------------------------

#  XA: 1 > 2            XB: 10 > 11           XC: 20           XD: 30, 31
#  XA–XB: 1 = 10 (peering).  20 > 11 (11 multi-homed to 10 and 20), 20 > 1, 20 > 30, 1 > 30, 1 > 31.
#  Baseline: everyone reaches everyone except 10 ↔ 20 (10 only has a peer and a customer under 20).
#  XA restricts sources of XB: 10 and 11 may not use 1 or 2 as an intermediate hop.
TRANSIT = world(p2c=[(1, 2), (10, 11), (20, 11), (20, 1), (20, 30), (1, 30), (1, 31)], p2p=[(1, 10)],
                country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 20: "XC", 30: "XD", 31: "XD"})
TRANSIT_IMPOSED = [dict(step=1, country="XA", kind="transit_restriction", target="XB")]


def test_transit_restriction_without_mitigation_cuts_the_border_and_restricts_transit():
    model, before = run(TRANSIT, imposed=TRANSIT_IMPOSED)
    assert model.current.result.n_pairs() == 40 - 10
    assert cut_pairs(model) == {link(1, 10)}
    assert code_of(TRANSIT, model.why_cut(1, 10)) == ("transit_restriction", "XA", "XB")
    lost = lost_pairs(before, reach_sets(model))
    assert lost == (
        between({10}, {1, 2, 30, 31})  # the cut peering was 10's only way out
        # 11 → 20 → 1 → 31 and 11 → 20 → 1 → 2 use no cut link: lost only because 1 may not carry XB's traffic
        | {(11, 2), (11, 31)}
    )
    # the restriction is per source: the reverse paths 31 → 1 → 20 → 11 and 2 → 1 → 20 → 11 stay up, and XB
    # still reaches XA's AS 1 itself (an endpoint is never blocked)
    assert {(31, 11), (2, 11), (11, 1)}.isdisjoint(lost)


def test_transit_restriction_with_m8_cuts_nothing_and_is_routed_around():
    model, before = run(TRANSIT, imposed=TRANSIT_IMPOSED, mechanisms=["m8"])
    assert cut_pairs(model) == set()
    assert model.why_cut(1, 10) is None
    lost = lost_pairs(before, reach_sets(model))
    # 10 may still send to 1 over the peering, but not beyond it; 11 likewise through 20
    assert lost == {(10, 2), (10, 30), (10, 31), (11, 2), (11, 31)}
    # 11 → 10 → 1 → 30 is forbidden, 11 → 20 → 30 avoids XA: the pair survives; XA's own sources keep the
    # peering (1 → 10, 2 → 1 → 10), which the blunt cut without M8 takes away
    assert {(11, 30), (1, 10), (2, 10), (10, 1)}.isdisjoint(lost)
    assert model.current.result.n_pairs() == 40 - 5


# -- shutdown ------------------------------------------------------------------------------------------------------

#  XA: 1 > 2, 1 > 3        XB: 10 > 11        XC: 20
#  cross: 10 > 1, 20 > 1, 2 = 20 (2 is exempt, e.g. the banks' network);  XB–XC: 10 = 20.  Full baseline.
SHUTDOWN = world(p2c=[(1, 2), (1, 3), (10, 11), (10, 1), (20, 1)], p2p=[(2, 20), (10, 20)],
                 country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 20: "XC"})
SHUTDOWN_LOST = (between({1, 3}, {10, 11, 20})
                 # 2 keeps its peering with 20, which exports only 20's customers (none left) to 2
                 | between({2}, {10, 11}))


def test_lifted_shutdown_restores_its_links():
    model = quiet_model(SHUTDOWN, imposed=[dict(step=1, country="XA", kind="shutdown", exempt=[2], lift_step=3)])
    before = reach_sets(model)
    assert model.current.result.n_pairs() == 6 * 5
    for step in (1, 2):
        model.step()
        assert cut_pairs(model) == {link(10, 1), link(20, 1)}, f"step {step}"
        assert code_of(SHUTDOWN, model.why_cut(1, 20)) == ("shutdown", "XA", "")
        assert model.why_cut(2, 20) is None
        assert lost_pairs(before, reach_sets(model)) == SHUTDOWN_LOST
        assert model.current.result.n_pairs() == 30 - 16
    model.step()  # step 3: lifted
    assert cut_pairs(model) == set()
    assert model.why_cut(10, 1) is None and model.why_cut(20, 1) is None
    assert reach_sets(model) == before
    assert model.current.result.n_pairs() == 30


# -- public-core norm (M6) ---------------------------------------------------------------------------------------

#  XA: 1 > 2, 1 > 3        XB: 10 > 11        1 and 10 are Tier-1 (protected)
#  cross: 1 = 10 (both protected), 10 > 3 (touches protected 10), 2 = 11 (touches nothing protected)
NORM = world(p2c=[(1, 2), (1, 3), (10, 11), (10, 3)], p2p=[(1, 10), (2, 11)],
             country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"}, tier1=[1, 10])
ALL_CROSS = {link(1, 10), link(10, 3), link(2, 11)}


@pytest.mark.parametrize("mechanisms, adherence, not_adhering, cut, lost", [
    (["m6"], 1.0, (), {link(2, 11)}, set()),  # XA adheres: only the unprotected link goes; 1 = 10 carries all
    # the norm binds only adherents: XB adhering (and owning the protected 10) does not restrain XA
    (["m6"], 1.0, ("XA",), ALL_CROSS, between({1, 2, 3}, {10, 11})),
    (["m6"], 0.0, (), ALL_CROSS, between({1, 2, 3}, {10, 11})),
    (["m0"], 1.0, (), ALL_CROSS, between({1, 2, 3}, {10, 11})),  # no norm at all
])
def test_public_core_norm_spares_links_of_protected_ases(mechanisms, adherence, not_adhering, cut, lost):
    model = quiet_model(NORM, mechanisms=mechanisms, norm_adherence=adherence,
                        imposed=[dict(step=1, country="XA", kind="shutdown")])
    for code in not_adhering:
        model.states[NORM.country_index(code)].memberships.discard("norm")
    before = reach_sets(model)
    model.step()
    assert cut_pairs(model) == cut
    assert code_of(NORM, model.why_cut(11, 2)) == ("shutdown", "XA", "")
    assert lost_pairs(before, reach_sets(model)) == lost
    assert model.current.result.n_pairs() == 5 * 4 - len(lost)


#  XA: 1 > 2 (1 Tier-1), 3 > 4 (3 not protected)      XB: 10      XC: 20 (Tier-1)
#  1 = 20 (Tier-1 peering), 20 > 3, 20 > 10.  No XA–XB link, so no blunt cut: only the per-source rule acts.
#  XA restricts sources of XB: 10 → 20 → 3 → 4 uses XA's 3 as an intermediate; 10 → 20 → 1 → 2 uses XA's 1.
NORM_TRANSIT = world(p2c=[(1, 2), (3, 4), (20, 3), (20, 10)], p2p=[(1, 20)],
                     country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 20: "XC"}, tier1=[1, 20])


@pytest.mark.parametrize("mechanisms, lost", [
    (["m6"], {(10, 4)}),  # XA's protected 1 may carry XB's traffic; its unprotected 3 may not
    (["m0"], {(10, 4), (10, 2)}),
])
def test_public_core_norm_exempts_protected_ases_from_transit_restrictions(mechanisms, lost):
    model, before = run(NORM_TRANSIT, mechanisms=mechanisms, norm_adherence=1.0,
                        imposed=[dict(step=1, country="XA", kind="transit_restriction", target="XB")])
    assert cut_pairs(model) == set()
    assert model.current.result.n_pairs() == 6 * 5 - len(lost)
    assert lost_pairs(before, reach_sets(model)) == lost


#  XA: 3 > 4 (not protected)      XB: 10 (Tier-1)      XC: 20 (Tier-1)      10 = 20, 20 > 3
#  XA restricts sources of XB and does NOT adhere to the norm; XB adheres. The path 10 → 20 → 3 → 4 uses XA's 3
#  as an intermediate, so (10, 4) must be lost: XB's adherence binds XB, not XA.
NORM_SOURCE = world(p2c=[(3, 4), (20, 3)], p2p=[(10, 20)],
                    country={3: "XA", 4: "XA", 10: "XB", 20: "XC"}, tier1=[10, 20])


def test_non_adherent_state_restricts_protected_sources_of_an_adherent_state():
    model = quiet_model(NORM_SOURCE, mechanisms=["m6"], norm_adherence=1.0,
                        imposed=[dict(step=1, country="XA", kind="transit_restriction", target="XB")])
    model.states[NORM_SOURCE.country_index("XA")].memberships.discard("norm")
    before = reach_sets(model)
    model.step()
    assert cut_pairs(model) == set()
    assert lost_pairs(before, reach_sets(model)) == {(10, 4)}
