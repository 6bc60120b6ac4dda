"""M6: the public-core norm."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_XA, build, link, reaches, run, state
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M6: the public-core norm.
#
#   XA (market 5): 1* > 2, 1* > 3, 1* > 4, 1* > 5        XB (market 4): 10* > 11, 12 > 13
#   cross-border: 1* = 10* (Tier-1 peering), 2 > 12 (XA's 2 sells transit to XB's 12)
#
#   XA's rule binds 10 and 12; XB conflicts; XA is the larger market, so 10 cuts 10–11 and 12 cuts 12–13.
#   10–11 touches the Tier-1 AS 10: an adherent's regulation leaves it up.
# --------------------------------------------------------------------------------------------------------------
NORM_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (1, 5), (10, 11), (12, 13), (2, 12)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB"},
    tier1=(1, 10),
)


@pytest.mark.parametrize(
    "mechanisms, cut",
    [
        (["m0"], {link(10, 11), link(12, 13)}),
        (["m6"], {link(12, 13)}),
    ],
)
def test_m6_norm_protects_links_touching_tier1(mechanisms, cut):
    model = run(
        NORM_WORLD,
        dict(XA=0.2, XB=0.8),
        imposed=[ET_XA],
        mechanisms=mechanisms,
        norm_adherence=1.0,
        protected_roles=("tier1",),
    )
    assert cut_pairs(model) == cut
    assert model.n_conflicts == 2  # both operators are torn; the norm only spares the protected link
    # 13 lost its only provider either way; 11 keeps 10 under the norm
    assert reaches(model, 13) == {13}
    assert (reaches(model, 11) == {11}) == (link(10, 11) in cut)


def test_m6_only_the_regulating_state_adherence_counts():
    model = build(
        NORM_WORLD,
        dict(XA=0.2, XB=0.8),
        imposed=[ET_XA],
        mechanisms=["m6"],
        norm_adherence=1.0,
        protected_roles=("tier1",),
    )
    state(model, "XA").memberships.discard("norm")  # XB adheres, the regulator does not
    model.step()
    assert cut_pairs(model) == {link(10, 11), link(12, 13)}
