"""An extraterritorial rule binds foreign operators linked to the state, and the state's ASes abroad."""

from __future__ import annotations

import pytest

from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, reach_sets, world

# -- extraterritorial --------------------------------------------------------------------------------------------

#          XA (3 ASes)        XB (4 ASes)         XC (2)      XD (2)
#          1 > 2, 1 > 3       10 > 11, 12, 13     20 > 21     30 > 31
#  cross:  1 > 10, 1 > 20, 1 > 30     (1 is everyone's top provider: full reachability, 11 × 10 pairs)
#  profiles: XA 0, XB 1 and XC 1 (conflict with XA), XD 0 (no conflict)
# XA adopts an extraterritorial rule: 10, 20, 30 are bound (linked to XA's AS 1); 10 and 20 are torn.
EXTRATERRITORIAL = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 12), (10, 13), (20, 21), (30, 31), (1, 10), (1, 20), (1, 30)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB", 20: "XC", 21: "XC", 30: "XD", 31: "XD"},
)
XB_ASES = {10, 11, 12, 13}


@pytest.mark.parametrize(
    "choice, cut, lost",
    [
        # larger market: 10 keeps XB (4 ASes > 3) and drops its link to XA; 20 keeps XA (3 > 2) and drops its
        # link into XC, so 21 is cut off from everyone; XD's 30 does not conflict and keeps every link.
        (
            "larger_market",
            {link(1, 10), link(20, 21)},
            between(XB_ASES, {1, 2, 3, 20, 21, 30, 31}) | between({21}, {1, 2, 3, 20, 30, 31}),
        ),
        # home law: both torn operators obey their home state and drop their links to XA; 21 stays with 20.
        (
            "home_law",
            {link(1, 10), link(1, 20)},
            between(XB_ASES, {1, 2, 3, 20, 21, 30, 31}) | between({20, 21}, {1, 2, 3, 30, 31}),
        ),
    ],
)
def test_extraterritorial_rule_tears_conflicting_foreign_operators(choice, cut, lost):
    model, before = run(
        EXTRATERRITORIAL,
        profiles=dict(XA=0, XB=1, XC=1, XD=0),
        operator_choice=choice,
        imposed=[dict(step=1, country="XA", kind="extraterritorial")],
    )
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
    return world(
        p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (10, 5), (20, 1), (20, 10)],
        country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XB", 10: "XB", 11: "XB", 20: "XC"},
        owner={5: "XA"} if owned else None,
        operating={5: "XB"} if owned else None,
    )


@pytest.mark.parametrize(
    "owned, choice, cut, n_conflicts",
    [
        # bound through ownership alone; XA's market (4) > XB's (3): 5 keeps XA and drops its XB link, the only
        # link it has, so it is cut off from all 7 other ASes
        (True, "larger_market", {link(10, 5)}, 1),
        # obeying home (XB) law it drops its links to XA: it has none
        (True, "home_law", set(), 1),
        # the same AS privately held is not bound at all
        (False, "larger_market", set(), 0),
    ],
)
def test_extraterritorial_rule_binds_the_states_own_ases_abroad(owned, choice, cut, n_conflicts):
    topo = owned_abroad(owned)
    model, before = run(
        topo,
        profiles=dict(XA=0, XB=1, XC=0),
        operator_choice=choice,
        imposed=[dict(step=1, country="XA", kind="extraterritorial")],
    )
    assert cut_pairs(model) == cut
    assert model.n_conflicts == n_conflicts
    expected_lost = between({5}, {1, 2, 3, 4, 10, 11, 20}) if cut else set()
    assert lost_pairs(before, reach_sets(model)) == expected_lost
    assert model.current.result.n_pairs() == 8 * 7 - len(expected_lost)
    if cut:
        assert code_of(topo, model.why_cut(5, 10)) == ("extraterritorial", "XA", "")
