"""The explicit state flow of a step: the operators, the re-homing and the measurement return what changed, and
the model alone applies it.

World (as in the mechanism tests): XA: 1 > 2, 1 > 3, 1 > 4; XB: 10 > 11; XC: 20 > 21; peers 1 = 10, 1 = 20.
XA's profile 0.2 conflicts with XB's 0.8, not with XC's 0.3. XA's rule binds 10 and 20 (peers in XA); torn
operators exit (``operator_choice="exit"``): 10 cuts its link to XA, 1 = 10.
"""

from __future__ import annotations

import numpy as np

from sim.model.measure import measure
from sim.model.operators import Operators, Resolution
from tests.worlds import quiet_model, world

WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
XA, XB, XC = 0, 1, 2


def model_with(**params):
    model = quiet_model(WORLD, conflict_tolerance=0.3, operator_choice="exit", **params)
    for code, level in dict(XA=0.2, XB=0.8, XC=0.3).items():
        model.states[WORLD.country_index(code)].set_profile(np.full(4, level))
    return model


def link_id(model, a: int, b: int) -> int:
    ia, ib = WORLD.asn_to_idx([a, b])
    ends = model.world.ends
    return int(np.flatnonzero(((ends[:, 0] == ia) & (ends[:, 1] == ib)) | ((ends[:, 0] == ib) & (ends[:, 1] == ia)))[0])


def resolve(model, operators=None, step=None, delay=1):
    """The operators' resolution of the model's regulations as they stand (nothing applied)."""
    return (operators or Operators()).resolve(
        model.world,
        model.regulations,
        model.steps if step is None else step,
        model.cut_by,
        model.cause_ended,
        delay,
        model.context(),
        model.states,
    )


def test_resolve_returns_the_changes_and_writes_nothing():
    model = model_with()
    reg = model.adopt(model.states[XA], "extraterritorial")
    cut_by, cause_ended = model.cut_by.copy(), model.cause_ended.copy()
    res = resolve(model)
    assert isinstance(res, Resolution)
    assert [(ids.tolist(), r) for ids, r in res.cuts] == [([link_id(model, 1, 10)], reg.id)]
    assert res.n_conflicts == 1 and res.n_exits == 1 and res.restored.tolist() == []
    assert (res.cause_ended == -1).all()
    assert res.hurt == {XB: {XA}}  # 1 = 10 has an end in XB: XB is hurt by XA's rule
    np.testing.assert_array_equal(model.cut_by, cut_by)  # nothing applied yet
    np.testing.assert_array_equal(model.cause_ended, cause_ended)
    assert model.hurt == {} and model.states[XB].hurt_by == set()


def test_resolve_reports_when_a_cause_ended_and_gives_the_link_back_after_the_delay():
    # 1 = 10 cut at step 1; XB then moves next to XA: no rule cuts it any more. Resolved at step 2 with delay 2 it
    # is not back yet, and the step its cause was first seen gone (2) is returned; at step 4 it is given back.
    model = model_with(imposed=[dict(step=1, country="XA", kind="extraterritorial")])
    model.step()
    cut = link_id(model, 1, 10)
    model.states[XB].set_profile(np.full(4, 0.2))
    res = resolve(model, step=2, delay=2)
    assert res.restored.tolist() == [] and res.cause_ended.tolist() == [
        2 if i == cut else -1 for i in range(model.world.n_links)
    ]
    assert res.n_conflicts == 0 and [ids.tolist() for ids, _ in res.cuts] == [[]]
    model.cause_ended = res.cause_ended
    assert resolve(model, step=3, delay=2).restored.tolist() == []
    later = resolve(model, step=4, delay=2)
    assert later.restored.tolist() == [cut] and (later.cause_ended == -1).all()


def test_the_model_applies_the_resolution_and_hands_the_hurt_to_the_states_next_step():
    model = model_with(imposed=[dict(step=1, country="XA", kind="extraterritorial", lift_step=3)])
    model.step()
    cut = link_id(model, 1, 10)
    assert model.cut_by[cut] == 0 and model.cut_step[cut] == 1 and (model.cut_by >= 0).sum() == 1
    assert model.hurt == {XB: {XA}} and model.states[XB].hurt_by == set()  # not yet: states learn it next step
    model.step()
    assert model.states[XB].hurt_by == {XA}
    model.step()  # lifted at step 3: the link comes back, and the operators say so
    assert model.cut_by[cut] == -1 and model.cut_step[cut] == -1
    assert model.cut_log.restores[-1][0].tolist() == [cut] and model.cut_log.restores[-1][1] == 3


def test_filter_cuts_given_to_the_operators_decides_what_is_cut():
    model = model_with()
    model.adopt(model.states[XA], "extraterritorial")
    res = resolve(model, Operators(lambda reg, cut: cut[:0]))
    assert [ids.tolist() for ids, _ in res.cuts] == [[]] and res.hurt == {} and res.n_conflicts == 1


def test_measure_returns_the_per_country_loss_and_the_model_sets_it_on_the_states():
    model = model_with(imposed=[dict(step=1, country="XA", kind="extraterritorial")])
    assert model.baseline.country_loss is None and all(s.loss == 0.0 for s in model.states.values())
    model.step()
    m = model.current
    again = measure(model.world, model.cut_by >= 0, model.sources, model.protected_sets, None, None, model.baseline)
    np.testing.assert_array_equal(again.country_loss, m.country_loss)
    assert m.country_loss[XB] > 0 and m.country_loss[XC] == 0.0
    for c, s in model.states.items():
        assert s.loss == m.country_loss[c]


def test_adopted_reads_the_one_record_of_extraterritorial_rules_in_force():
    model = model_with(imposed=[dict(step=1, country="XA", kind="extraterritorial", lift_step=2)])
    assert not model.states[XA].adopted and not model.et_adopters.any()
    model.step()
    assert model.states[XA].adopted and model.et_adopters.tolist()[:3] == [True, False, False]
    assert model.has_rule(XA, "extraterritorial")
    model.step()  # lifted
    assert not model.states[XA].adopted and not model.et_adopters.any()
    assert not model.has_rule(XA, "extraterritorial")


def test_a_link_stays_cut_while_any_rule_in_force_cuts_it():
    # 1 = 10 is cut by XA's rule at step 1 (10 exits XA's market); XB's shutdown from step 2 cuts it too. After
    # step 2 XB's profile joins XA's: XA's rule no longer cuts it, the shutdown still does. It stays cut, on the
    # record of the rule that cut it first.
    model = model_with(
        imposed=[
            dict(step=1, country="XA", kind="extraterritorial"),
            dict(step=2, country="XB", kind="shutdown"),
        ],
        restore_delay=0,
    )
    model.step()
    model.step()
    model.states[XB].set_profile(np.full(4, 0.2))
    for _ in range(3):
        model.step()
    cut = link_id(model, 1, 10)
    assert model.cut_by[cut] == 0 and model.cut_step[cut] == 1 and model.why_cut(1, 10).kind == "extraterritorial"
    assert model.n_conflicts == 0 and model.cause_ended[cut] == -1
    assert model.datacollector.get_model_vars_dataframe().n_links_restored.tolist() == [0] * 6


def test_a_lifted_rules_link_that_another_rule_cuts_is_not_counted_as_restored():
    # XB's shutdown (steps 1–2) and XA's rule (from step 1, 10 exits) both cut 1 = 10. The shutdown is lifted at
    # step 3, but XA's rule still cuts the link: it does not come up, and nothing is restored.
    model = model_with(
        imposed=[
            dict(step=1, country="XB", kind="shutdown", lift_step=3),
            dict(step=1, country="XA", kind="extraterritorial"),
        ]
    )
    for _ in range(4):
        model.step()
    assert model.cut_by[link_id(model, 1, 10)] >= 0 and model.why_cut(1, 10).kind == "extraterritorial"
    assert model.datacollector.get_model_vars_dataframe().n_links_restored.tolist() == [0] * 5
