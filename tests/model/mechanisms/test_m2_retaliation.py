"""M2: retaliation, tit for tat."""

from __future__ import annotations

from tests.model.mechanisms.common import ET_XA, EXIT, LEADER_WORLD, column, link, run, state
from tests.worlds import cut_pairs


# --------------------------------------------------------------------------------------------------------------
# M2: retaliation, on LEADER_WORLD (XA: 1 > 2, 1 > 3, 1 > 4; XB: 10 > 11; cross-border 1 = 10, 2 > 11).
# Step 1: XA's rule binds 10, which exits XA's market: 1 = 10 is cut (an end in XB: XB is hurt by XA).
# Step 2: XB sanctions XA: its ASes drop their remaining links with XA's ASes, i.e. 2 > 11 (now XA is hurt by XB).
# Step 3: XA sanctions XB back (tit for tat); nothing is left to cut between them.
# --------------------------------------------------------------------------------------------------------------
def _regs(model) -> list[tuple[str, str, str, int, bool]]:
    codes = model.world.topo.country_codes
    return [
        (r.kind.value, codes[r.state], codes[r.target] if r.target >= 0 else "", r.step, r.imposed)
        for r in model.regulations
    ]


def test_m2_hurt_state_retaliates_with_sanctions_that_cut_the_next_step():
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], mechanisms=["m2"], retaliate_prob=1.0, **EXIT)
    assert cut_pairs(model) == {link(1, 10)}
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True)]
    model.step()
    assert state(model, "XB").hurt_by == {0}  # hurt by XA's rule in step 1
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True), ("sanctions", "XB", "XA", 2, False)]
    assert cut_pairs(model) == {link(1, 10), link(2, 11)}
    df = model.cut_links().set_index("step")
    assert df.loc[2, "kind"] == "sanctions" and df.loc[2, "state"] == "XB" and df.loc[2, "target"] == "XA"
    assert column(model, "n_links_cut") == [0, 1, 2]
    model.step()
    assert _regs(model)[-1] == ("sanctions", "XA", "XB", 3, False)
    assert cut_pairs(model) == {link(1, 10), link(2, 11)}


def test_m2_no_retaliation_with_probability_zero():
    model = run(
        LEADER_WORLD, dict(XA=0.2, XB=0.8), n_steps=3, imposed=[ET_XA], mechanisms=["m2"], retaliate_prob=0.0, **EXIT
    )
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True)]
    assert cut_pairs(model) == {link(1, 10)}


def test_m2_an_operator_that_complies_hurts_nobody():
    # the default weighing: 10 complies (XA holds 1/2 of its business, complying costs 0.05 × 3/7), nothing is
    # cut, nobody is hurt, nobody retaliates
    model = run(LEADER_WORLD, dict(XA=0.2, XB=0.8), n_steps=3, imposed=[ET_XA], mechanisms=["m2"], retaliate_prob=1.0)
    assert _regs(model) == [("extraterritorial", "XA", "", 1, True)]
    assert cut_pairs(model) == set() and state(model, "XB").hurt_by == set()
