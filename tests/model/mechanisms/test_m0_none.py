"""M0: no coordination: an extraterritorial rule with conflicting profiles resolved by the operators alone."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import (
    ET_PROFILES,
    ET_WORLD,
    ET_XA,
    EXIT,
    SEVERITY_XA_XB,
    XA_SIDE,
    column,
    link,
    lost_pairs,
    reaches,
    run,
)
from tests.worlds import cut_pairs


def test_m0_without_a_rule_nothing_is_cut():
    model = run(ET_WORLD, ET_PROFILES, n_steps=2)
    assert model.conflicts[0, 1] and not model.conflicts[0, 2]  # the conflict alone cuts nothing
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
    assert column(model, "loss") == [0.0, 0.0, 0.0]


def test_m0_torn_operator_with_a_large_share_in_the_regulator_complies():
    # XA's rule binds 10 and 20 (peers of XA's 1); only 10 is torn (XB conflicts with XA, XC does not). Complying
    # costs 10 the share 0.05 × 3/7 ≈ 0.021 of its business; exiting, XA's share of it: 1/2. It complies.
    model = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA])
    assert cut_pairs(model) == set() and lost_pairs(model) == set()
    assert model.n_conflicts == 1 and model.n_exits == 0
    assert column(model, "compliance_cost") == [0.0, pytest.approx(0.05 * SEVERITY_XA_XB)]
    assert column(model, "n_exits") == [0, 0]


def test_m0_torn_operator_that_exits_cuts_its_links_to_the_regulator_only():
    # every torn operator exits: 10 gives up XA's market, i.e. its one link there, 1 = 10; its domestic link 10 > 11
    # stays (a foreign rule never cuts links inside the operator's home country). 20 is not torn: nothing cut.
    model = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA], **EXIT)
    assert cut_pairs(model) == {link(1, 10)}
    why = model.why_cut(1, 10)
    assert why.kind == "extraterritorial" and model.world.topo.country_codes[why.state] == "XA"
    assert model.why_cut(10, 11) is None and model.why_cut(1, 20) is None and model.why_cut(20, 21) is None
    assert model.n_conflicts == 1 and model.n_exits == 1 and model.compliance_cost == 0.0
    # baseline: 1–4, 10 and 11 reach one another over 1 = 10; now XB keeps only itself (20 never reached XB: two
    # peer hops 20 = 1 = 10 are not valley-free)
    assert lost_pairs(model) == {(s, d) for s in XA_SIDE for d in (10, 11)} | {
        (s, d) for s in (10, 11) for d in XA_SIDE
    }
    assert reaches(model, 11) == {10, 11}
    assert reaches(model, 20) == {20, 21} | XA_SIDE


@pytest.mark.parametrize(
    "rule_of, cut, n_exits",
    [
        # XB's rule binds XA's 1 (a peer of 10). XB holds 1/5 of 1's business (customers 2, 3, 4, peers 10, 20):
        # complying costs 1 × 3/7 ≈ 0.43 > 0.2, so 1 exits XB's market: 1 = 10 is cut, none of XA's own links
        ("XB", {link(1, 10)}, 1),
        # XA's rule at the same cost: XA holds 1/2 of 10's business, above 0.43: 10 complies
        ("XA", set(), 0),
    ],
)
def test_m0_the_smaller_share_of_business_is_the_market_left(rule_of, cut, n_exits):
    rule = dict(step=1, country=rule_of, kind="extraterritorial")
    model = run(ET_WORLD, ET_PROFILES, imposed=[rule], compliance_cost=1.0)
    assert cut_pairs(model) == cut
    assert model.n_conflicts == 1 and model.n_exits == n_exits
    assert model.compliance_cost == pytest.approx(0.0 if n_exits else SEVERITY_XA_XB)
