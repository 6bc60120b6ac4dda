"""The public-core norm (M6) as it changes what the regulations cut and block."""

from __future__ import annotations

import pytest

from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, quiet_model, reach_sets, world

# -- public-core norm (M6) ---------------------------------------------------------------------------------------

#  XA: 1 > 2, 1 > 3        XB: 10 > 11        1 and 10 are Tier-1 (protected)
#  cross: 1 = 10 (both protected), 10 > 3 (touches protected 10), 2 = 11 (touches nothing protected)
NORM = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 3)],
    p2p=[(1, 10), (2, 11)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"},
    tier1=[1, 10],
)
ALL_CROSS = {link(1, 10), link(10, 3), link(2, 11)}


@pytest.mark.parametrize(
    "mechanisms, adherence, not_adhering, cut, lost",
    [
        (["m6"], 1.0, (), {link(2, 11)}, set()),  # XA adheres: only the unprotected link goes; 1 = 10 carries all
        # the norm binds only adherents: XB adhering (and owning the protected 10) does not restrain XA
        (["m6"], 1.0, ("XA",), ALL_CROSS, between({1, 2, 3}, {10, 11})),
        (["m6"], 0.0, (), ALL_CROSS, between({1, 2, 3}, {10, 11})),
        (["m0"], 1.0, (), ALL_CROSS, between({1, 2, 3}, {10, 11})),  # no norm at all
    ],
)
def test_public_core_norm_spares_links_of_protected_ases(mechanisms, adherence, not_adhering, cut, lost):
    model = quiet_model(
        NORM, mechanisms=mechanisms, norm_adherence=adherence, imposed=[dict(step=1, country="XA", kind="shutdown")]
    )
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
NORM_TRANSIT = world(
    p2c=[(1, 2), (3, 4), (20, 3), (20, 10)],
    p2p=[(1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 20: "XC"},
    tier1=[1, 20],
)


@pytest.mark.parametrize(
    "mechanisms, lost",
    [
        (["m6"], {(10, 4)}),  # XA's protected 1 may carry XB's traffic; its unprotected 3 may not
        (["m0"], {(10, 4), (10, 2)}),
    ],
)
def test_public_core_norm_exempts_protected_ases_from_transit_restrictions(mechanisms, lost):
    model, before = run(
        NORM_TRANSIT,
        mechanisms=mechanisms,
        norm_adherence=1.0,
        imposed=[dict(step=1, country="XA", kind="transit_restriction", target="XB")],
    )
    assert cut_pairs(model) == set()
    assert model.current.result.n_pairs() == 6 * 5 - len(lost)
    assert lost_pairs(before, reach_sets(model)) == lost


#  XA: 3 > 4 (not protected)      XB: 10 (Tier-1)      XC: 20 (Tier-1)      10 = 20, 20 > 3
#  XA restricts sources of XB and does NOT adhere to the norm; XB adheres. The path 10 → 20 → 3 → 4 uses XA's 3
#  as an intermediate, so (10, 4) must be lost: XB's adherence binds XB, not XA.
NORM_SOURCE = world(
    p2c=[(3, 4), (20, 3)], p2p=[(10, 20)], country={3: "XA", 4: "XA", 10: "XB", 20: "XC"}, tier1=[10, 20]
)


def test_non_adherent_state_restricts_protected_sources_of_an_adherent_state():
    model = quiet_model(
        NORM_SOURCE,
        mechanisms=["m6"],
        norm_adherence=1.0,
        imposed=[dict(step=1, country="XA", kind="transit_restriction", target="XB")],
    )
    model.states[NORM_SOURCE.country_index("XA")].memberships.discard("norm")
    before = reach_sets(model)
    model.step()
    assert cut_pairs(model) == set()
    assert lost_pairs(before, reach_sets(model)) == {(10, 4)}
