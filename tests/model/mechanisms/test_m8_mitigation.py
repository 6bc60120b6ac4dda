"""M8: technical mitigation of a transit restriction."""

from __future__ import annotations

from tests.model.mechanisms.common import column, link, lost_pairs, reaches, run
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M8: technical mitigation of a transit restriction.
#
#   XA: 1 > 2, 1 > 10, 1 > 20, 1 > 22     XB: 10 > 11     XC: 20, 22     XD: 30 > 10, 30 > 20
#
#   XA restricts transit for sources in XB. XB reaches XC's 20 through 1 or through 30; XC's 22 and XA's 2
#   only through 1.
# --------------------------------------------------------------------------------------------------------------
TRANSIT_WORLD = world(
    p2c=[(1, 2), (1, 10), (1, 20), (1, 22), (10, 11), (30, 10), (30, 20)],
    country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 20: "XC", 22: "XC", 30: "XD"},
)
RESTRICT = dict(step=1, country="XA", kind="transit_restriction", target="XB")


def test_m8_transit_restriction_cuts_nothing_and_traffic_routes_around():
    model = run(TRANSIT_WORLD, {}, imposed=[RESTRICT], mechanisms=["m8"])
    assert cut_pairs(model) == set() and column(model, "n_links_cut") == [0, 0]
    # XB's sources may reach 1 itself, and 20 around XA via 30, but not 2 or 22 (only through 1)
    assert reaches(model, 10) == {10, 11, 1, 30, 20}
    assert reaches(model, 11) == {10, 11, 1, 30, 20}
    # only XB's sources are restricted: XA's and XC's still cross 1 to reach XB
    assert reaches(model, 1) == {1, 2, 10, 11, 20, 22}
    assert reaches(model, 22) >= {10, 11}
    assert lost_pairs(model) == {(s, d) for s in (10, 11) for d in (2, 22)}


def test_m8_without_mitigation_the_restriction_cuts_the_links():
    model = run(TRANSIT_WORLD, {}, imposed=[RESTRICT], mechanisms=["m0"])
    assert cut_pairs(model) == {link(1, 10)}
    why = model.why_cut(1, 10)
    assert why.kind == "transit_restriction"
    assert reaches(model, 10) == {10, 11, 30, 20}  # 1 itself is lost too
    assert reaches(model, 1) == {1, 2, 20, 22}  # and XA no longer reaches XB
    assert reaches(model, 22) == {22, 1, 2, 20}
