"""M6: the public-core norm."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_XA, EXIT, assert_back_once, build, column, link, reaches, run, state
from tests.worlds import cut_pairs, link_history, world

# --------------------------------------------------------------------------------------------------------------
# M6: the public-core norm.
#
#   XA: 1* > 2, 1* > 3, 1* > 4, 1* > 5        XB: 10* > 11, 12 > 13
#   cross-border: 1* = 10* (Tier-1 peering), 12 > 2 (XB's 12 sells transit to XA's 2)
#
#   XA's rule binds 10 and 12 (a peer, a customer in XA); XB conflicts and both exit (EXIT): 10 cuts 1 = 10,
#   12 cuts 12 > 2. 1 = 10 touches the Tier-1 ASes: an adherent's regulation leaves it up.
# --------------------------------------------------------------------------------------------------------------
NORM_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (1, 5), (10, 11), (12, 13), (12, 2)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB"},
    tier1=(1, 10),
)
NORM = dict(mechanisms=["m6"], norm_adherence=1.0, protected_roles=("tier1",))


@pytest.mark.parametrize(
    "mechanisms, cut",
    [
        (["m0"], {link(1, 10), link(12, 2)}),
        (["m6"], {link(12, 2)}),
    ],
)
def test_m6_norm_protects_links_touching_tier1(mechanisms, cut):
    model = run(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], **{**NORM, "mechanisms": mechanisms}, **EXIT)
    assert cut_pairs(model) == cut
    assert model.n_conflicts == 2  # both operators are torn; the norm only spares the protected link
    # 12 and 13 lost their only way out either way; 11 keeps XA over 10 = 1 under the norm
    assert reaches(model, 13) == {12, 13}
    assert (reaches(model, 11) == {10, 11}) == (link(1, 10) in cut)
    assert reaches(model, 11) >= {10, 11}  # no domestic link is cut


def test_m6_only_the_regulating_state_adherence_counts():
    model = build(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], **NORM, **EXIT)
    state(model, "XA").memberships.discard("norm")  # XB adheres, the regulator does not
    model.step()
    assert cut_pairs(model) == {link(1, 10), link(12, 2)}


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_m6_link_comes_back_when_the_regulator_adheres_to_the_norm(delay):
    # XA does not adhere at step 1: both links are cut. It adheres after step 1: its rule no longer cuts 1 = 10,
    # which is back at step 2 + delay; 12 > 2 (nothing protected) stays cut.
    model = build(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], restore_delay=delay, **NORM, **EXIT)
    state(model, "XA").memberships.discard("norm")
    model.step()
    state(model, "XA").join("norm")
    for _ in range(1 + delay):
        model.step()
    assert_back_once(model, 1, 10, cut_step=1, back_step=2 + delay)
    assert link_history(model, 12, 2) == [(1, -1)]
    assert cut_pairs(model) == {link(12, 2)}


def test_m6_link_stays_cut_when_the_regulator_leaves_the_norm_before_the_delay():
    # restore_delay 2: XA adheres after step 1 (1 = 10 due back at step 4) and leaves again after step 2: at step 3
    # its rule cuts the link once more, so it never came back
    model = build(NORM_WORLD, dict(XA=0.2, XB=0.8), imposed=[ET_XA], restore_delay=2, **NORM, **EXIT)
    xa = state(model, "XA")
    xa.memberships.discard("norm")
    model.step()
    xa.join("norm")
    model.step()
    xa.memberships.discard("norm")
    for _ in range(3):
        model.step()
    assert link_history(model, 1, 10) == [(1, -1)]
    assert column(model, "n_links_restored") == [0] * 6
    assert cut_pairs(model) == {link(1, 10), link(12, 2)}
