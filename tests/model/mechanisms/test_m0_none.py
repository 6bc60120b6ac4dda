"""M0: no coordination: an extraterritorial rule with conflicting profiles resolved by the operators alone."""

from __future__ import annotations

from tests.model.mechanisms.common import (
    ET_PROFILES,
    ET_WORLD,
    ET_XA,
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
