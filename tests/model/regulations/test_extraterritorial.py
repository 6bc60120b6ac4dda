"""An extraterritorial rule binds the foreign operators that serve the state's market, and the state's ASes abroad;
a torn operator complies or exits the regulating market, weighing the compliance cost against that market's share
of its business."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.regulations.extraterritorial import serving
from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, link_history, quiet_model, reach_sets, world

# -- comply or exit ------------------------------------------------------------------------------------------------


#   XA (regulator): 1 > 2, 1 > 3, 1 > 4, 1 > 14
#   XB: 10 > 11, 10 > 12, 10 > 13, 15 > 11 (11 buys from 10 and 15); 14; 15 (located in XB, owned by XA)
#   XC: 20 > 21        XD: 30 > 31
#   cross-border: 1 = 10, 1 > 14 (14 only buys transit from XA), 15 = 3, 20 > 2 (20 sells transit to XA's 2), 1 = 30
#
#   Bound by XA's rule (a customer or a peer in XA, or owned by XA): 10, 15, 20, 30; not 14.
#   Share of XA in each one's business (its customers and peers, counted in ASes: no address space here):
#     10: {11, 12, 13, 1} → 1/4        15: {11, 3} → 1/2        20: {21, 2} → 1/2        30: {31, 1} → 1/2
#   Profiles XA 0, XB 1, XC 1, XD 0: XB and XC are 1.0 from XA, severity (1.0 − 0.3) / 0.7 = 1, so complying costs
#   each torn operator (10, 15, 20; not 30) exactly compliance_cost. It exits when that is strictly above its share.
def comply_or_exit_world(owned: bool = True):
    return world(
        p2c=[(1, 2), (1, 3), (1, 4), (1, 14), (10, 11), (10, 12), (10, 13), (15, 11), (20, 21), (20, 2), (30, 31)],
        p2p=[(1, 10), (15, 3), (1, 30)],
        country={
            **dict.fromkeys((1, 2, 3, 4), "XA"),
            **dict.fromkeys((10, 11, 12, 13, 14, 15), "XB"),
            **dict.fromkeys((20, 21), "XC"),
            **dict.fromkeys((30, 31), "XD"),
        },
        owner={15: "XA"} if owned else None,
        operating={15: "XB"} if owned else None,
    )


COMPLY_OR_EXIT = comply_or_exit_world()
PROFILES = dict(XA=0, XB=1, XC=1, XD=0)
ET_XA = [dict(step=1, country="XA", kind="extraterritorial")]


def test_the_bound_operators_serve_the_regulating_market():
    model = quiet_model(COMPLY_OR_EXIT)
    bound = serving(model.world, COMPLY_OR_EXIT.country_index("XA"))
    assert COMPLY_OR_EXIT.asns[bound].tolist() == [10, 15, 20, 30]  # 14 only buys transit from XA


@pytest.mark.parametrize(
    "cost, cut, n_exits, paid",
    [
        (0.2, set(), 0, 3 * 0.2),  # every share is above the cost: 10, 15 and 20 comply
        (0.25, set(), 0, 3 * 0.25),  # 10's share equals the cost: a tie complies
        (0.3, {link(1, 10)}, 1, 2 * 0.3),  # 10 exits (1/4 < 0.3); 15 and 20 comply
        (0.5, {link(1, 10)}, 1, 2 * 0.5),  # 20's share equals the cost: a tie complies
        (0.6, {link(1, 10), link(20, 2)}, 2, 0.6),  # 20 exits too; 15, owned by XA, complies whatever the cost
        (1.0, {link(1, 10), link(20, 2)}, 2, 1.0),
    ],
)
def test_torn_operator_exits_when_complying_costs_more_than_the_market_is_worth_to_it(cost, cut, n_exits, paid):
    model, _ = run(COMPLY_OR_EXIT, profiles=PROFILES, imposed=ET_XA, compliance_cost=cost)
    assert cut_pairs(model) == cut
    assert model.n_conflicts == 3  # 10, 15 and 20 are torn; 30's home XD does not conflict with XA
    assert model.n_exits == n_exits
    df = model.datacollector.get_model_vars_dataframe()
    assert df.compliance_cost.tolist() == [0.0, pytest.approx(paid)] and df.n_exits.tolist() == [0, n_exits]
    for a, b in cut:
        assert code_of(COMPLY_OR_EXIT, model.why_cut(a, b)) == ("extraterritorial", "XA", "")


def test_exiting_operator_cuts_its_links_to_the_regulator_and_no_other():
    # compliance cost 0.3: 10 exits XA's market: 1 = 10 is cut, and none of 10's links inside XB (10 > 11, 12, 13)
    model, before = run(COMPLY_OR_EXIT, profiles=PROFILES, imposed=ET_XA, compliance_cost=0.3)
    assert cut_pairs(model) == {link(1, 10)}
    assert all(model.why_cut(10, c) is None for c in (11, 12, 13))
    # 10, 12 and 13 lose XA (they reached it over 10 = 1 only). 11 keeps 3 over 15 = 3 (15 complies); it loses the
    # rest of XA, which it reached over 10 = 1 > 2, 4, 14 (15 = 3 exports only 3's customers: none)
    assert lost_pairs(before, reach_sets(model)) == between({10, 12, 13}, {1, 2, 3, 4, 14}) | between(
        {11}, {1, 2, 4, 14}
    )
    after = reach_sets(model)
    assert {10, 11, 12, 13} <= after[12] and {11, 3} <= after[15]  # XB's own network is whole


@pytest.mark.parametrize(
    "owned, cut, n_exits, paid",
    [
        (True, {link(1, 10), link(20, 2)}, 2, 0.6),  # 15, owned by XA, complies with its owner
        (False, {link(1, 10), link(20, 2), link(15, 3)}, 3, 0.0),  # privately held, it weighs like the others
    ],
)
def test_state_owned_operator_always_complies_with_its_owner(owned, cut, n_exits, paid):
    # compliance cost 0.6 is above 15's share of 1/2: a private operator exits, one XA owns does not
    model, _ = run(comply_or_exit_world(owned), profiles=PROFILES, imposed=ET_XA, compliance_cost=0.6)
    assert cut_pairs(model) == cut
    assert (model.n_conflicts, model.n_exits) == (3, n_exits)
    assert model.compliance_cost == pytest.approx(paid)


def test_every_torn_operator_exits_under_operator_choice_exit():
    model, _ = run(COMPLY_OR_EXIT, profiles=PROFILES, imposed=ET_XA, operator_choice="exit")
    assert cut_pairs(model) == {link(1, 10), link(20, 2), link(15, 3)}  # 15 too: home law first
    assert (model.n_conflicts, model.n_exits, model.compliance_cost) == (3, 3, 0.0)
    assert model.why_cut(1, 14) is None and model.why_cut(1, 30) is None


@pytest.mark.parametrize(
    "xb, exits",
    [
        (0.65, True),  # 0.65 from XA: severity (0.65 − 0.3) / 0.7 = 0.5, cost 0.6 × 0.5 = 0.3 > 1/4: 10 exits
        (0.51, False),  # severity 0.3, cost 0.18 < 1/4: 10 complies
    ],
)
def test_the_cost_of_complying_grows_with_the_severity_of_the_conflict(xb, exits):
    profiles = dict(PROFILES, XB=xb, XC=0)  # only XB's operators are torn
    model, _ = run(COMPLY_OR_EXIT, profiles=profiles, imposed=ET_XA, compliance_cost=0.6)
    assert cut_pairs(model) == ({link(1, 10)} if exits else set())
    severity = (xb - 0.3) / 0.7
    n_comply = 1 if exits else 2  # 15 always; 10 when it stays
    assert model.n_conflicts == 2 and model.compliance_cost == pytest.approx(n_comply * 0.6 * severity)


def test_lifted_rule_gives_the_exited_links_back_at_the_lift_step_whatever_the_delay():
    model = quiet_model(
        COMPLY_OR_EXIT,
        imposed=[dict(ET_XA[0], lift_step=3)],
        compliance_cost=0.6,
        restore_delay=5,
    )
    for code, level in PROFILES.items():
        model.states[COMPLY_OR_EXIT.country_index(code)].set_profile(np.full(4, float(level)))
    before = reach_sets(model)
    for _ in range(3):
        model.step()
    assert link_history(model, 1, 10) == [(1, 3)] and link_history(model, 20, 2) == [(1, 3)]
    assert cut_pairs(model) == set() and reach_sets(model) == before
    df = model.datacollector.get_model_vars_dataframe()
    assert df.n_links_restored.tolist() == [0, 0, 0, 2] and df.n_exits.tolist() == [0, 2, 2, 0]


# -- bound through ownership alone ---------------------------------------------------------------------------------


#  XA (4 ASes): 1 > 2, 1 > 3, 1 > 4      XB (3): 10 > 11, 10 > 5      XC (1): 20 > 1, 20 > 10
#  5 is located in XB but owned by XA (a state-owned AS operating abroad); no link of 5 touches XA, and it sells
#  nothing anywhere. profiles: XA 0, XB 1 (conflict), XC 0. 20 sells transit to XA's 1: bound, but no conflict.
def owned_abroad(owned: bool):
    return world(
        p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (10, 5), (20, 1), (20, 10)],
        country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XB", 10: "XB", 11: "XB", 20: "XC"},
        owner={5: "XA"} if owned else None,
        operating={5: "XB"} if owned else None,
    )


@pytest.mark.parametrize(
    "owned, choice, n_conflicts, n_exits",
    [
        (True, "weigh", 1, 0),  # bound through ownership alone, and owned: it complies
        (True, "exit", 1, 1),  # obeying home (XB) law it leaves XA's market: it has no link there to cut
        (False, "weigh", 0, 0),  # the same AS privately held is not bound at all
    ],
)
def test_extraterritorial_rule_binds_the_states_own_ases_abroad(owned, choice, n_conflicts, n_exits):
    topo = owned_abroad(owned)
    model, before = run(
        topo, profiles=dict(XA=0, XB=1, XC=0), operator_choice=choice, compliance_cost=1.0, imposed=ET_XA
    )
    assert cut_pairs(model) == set()
    assert (model.n_conflicts, model.n_exits) == (n_conflicts, n_exits)
    assert lost_pairs(before, reach_sets(model)) == set()


def test_memoized_serving_shares_and_links_equal_computing_them_for_the_torn_operators():
    """The rule memoizes, per World, who serves a market, their share of it and their links to it, and indexes them
    by the torn and leaving operators: the same cut, conflicts, exits and cost as computing them for those alone."""
    import sim
    from sim.model.market import share_in
    from sim.model.regulations.base import Context, RegKind, Regulation, cut_links_to, effect

    model = sim.FragmentationModel(topology=sim.synthetic_topology(1500, seed=3), rng=1, n_sources=64)
    w = model.world
    rng = np.random.default_rng(3)
    k = w.n_states
    n_exits = n_complying = 0
    for c in rng.choice(k, 6, replace=False).tolist():
        ctx = Context(rng.random((k, k)) < 0.5, "weigh", model.cone, rng.random((k, k)), 0.05 + 0.2 * rng.random())
        got = effect(w, Regulation(0, RegKind.EXTRATERRITORIAL, c, 1), ctx)  # memoized on the second pass too
        bound = serving(w, c)
        bound = bound[ctx.conflict[c, w.country[bound]]]
        cost = ctx.compliance_cost * ctx.severity[c, w.country[bound]]
        exits = (cost > share_in(w, w.market_measure, bound, np.array([c]))) & (w.topo.owner[bound] != c)
        leaving = bound[exits]
        assert np.array_equal(got.cut, np.unique(cut_links_to(w, leaving, np.full(len(leaving), c))))
        assert (got.n_conflicts, got.n_exits) == (len(bound), int(exits.sum()))
        assert got.compliance_cost == float(cost[~exits].sum())
        again = effect(w, Regulation(0, RegKind.EXTRATERRITORIAL, c, 1), ctx)  # from the memo
        assert np.array_equal(again.cut, got.cut) and again.n_exits == got.n_exits
        n_exits, n_complying = n_exits + got.n_exits, n_complying + got.n_conflicts - got.n_exits
    assert n_exits > 0 and n_complying > 0  # both choices were made


@pytest.mark.parametrize("seed", range(4))
def test_entries_updated_after_purchases_equal_entries_computed_afresh(seed):
    """After links are bought (M7 re-homing: the World is rebuilt), an entry of who serves a market is brought up
    to date from the one before by recomputing the rows of the links' ends (extraterritorial._updated, through
    carry_over), over several purchases in a row: the same arrays, in the same order, as computing it afresh in
    the new World, for every state and for blocs' markets; and the rows recomputed are those of the touched ASes."""
    import importlib

    import sim
    from sim.model.world import World

    et = importlib.import_module("sim.model.regulations.extraterritorial")  # the package exports the rule itself

    topo = sim.synthetic_topology(1200, seed=seed)
    rng = np.random.default_rng(seed)
    old = World(topo, np.zeros(topo.n_ases, bool))
    k = old.n_states
    markets = [np.array([c]) for c in range(k)] + [np.sort(rng.choice(k, 3, replace=False)) for _ in range(4)]
    owned_abroad = np.flatnonzero((topo.owner >= 0) & (topo.owner != topo.country))
    states = np.unique(np.r_[rng.choice(k, 6, replace=False), topo.owner[owned_abroad]]).tolist()
    for c in states:
        for market in markets[:: max(1, len(markets) // 6)]:
            et._served(old, c, market)
    n_stale = 0
    for _ in range(3):  # purchases in a row: stale entries stay stale, with the ASes touched since
        prov = rng.choice(np.flatnonzero(topo.country >= 0), 4)
        cust = np.r_[rng.choice(topo.n_ases, 3), rng.choice(owned_abroad, 1)]  # an owner's rule binds these
        bought = np.stack([prov, cust], axis=1)[prov != cust]
        new = World(topo, old.protected, np.concatenate([old.bought, bought]), old.market_measure)
        et.carry_over(old, new, np.unique(bought))
        n_stale += sum(1 for key in new.memo if key[0] == et.STALE)
        old = new
    assert n_stale > 0
    for key in [key for key in old.memo if key[0] in (et.SERVED, et.STALE)]:
        _, c, market = key
        got = et._served(old, c, np.array(market))
        bound = serving(old, c)
        afresh = et._rows(old, c, np.array(market), bound, old.neighbours_of(bound))
        for a, b in zip(got, afresh, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    everyone = np.arange(topo.n_ases)
    for c in range(k):  # the rows of any ASes are those of the ASes among them that serve c
        assert np.array_equal(
            et._rows(old, c, np.array([c]), everyone, old.neighbours_of(everyone))[0], serving(old, c)
        )
