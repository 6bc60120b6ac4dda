"""A transit restriction, with its blunt cut and with technical mitigation (M8)."""

from __future__ import annotations

from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, reach_sets, world

# -- transit restriction ---------------------------------------------------------------------------------------

#  XA: 1 > 2            XB: 10 > 11           XC: 20           XD: 30, 31
#  XA–XB: 1 = 10 (peering).  20 > 11 (11 multi-homed to 10 and 20), 20 > 1, 20 > 30, 1 > 30, 1 > 31.
#  Baseline: everyone reaches everyone except 10 ↔ 20 (10 only has a peer and a customer under 20).
#  XA restricts sources of XB: 10 and 11 may not use 1 or 2 as an intermediate hop.
TRANSIT = world(
    p2c=[(1, 2), (10, 11), (20, 11), (20, 1), (20, 30), (1, 30), (1, 31)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 20: "XC", 30: "XD", 31: "XD"},
)
TRANSIT_IMPOSED = [dict(step=1, country="XA", kind="transit_restriction", target="XB")]


def test_transit_restriction_without_mitigation_cuts_the_border_and_restricts_transit():
    model, before = run(TRANSIT, imposed=TRANSIT_IMPOSED)
    assert model.current.result.n_pairs() == 40 - 10
    assert cut_pairs(model) == {link(1, 10)}
    assert code_of(TRANSIT, model.why_cut(1, 10)) == ("transit_restriction", "XA", "XB")
    lost = lost_pairs(before, reach_sets(model))
    assert lost == (
        between({10}, {1, 2, 30, 31})  # the cut peering was 10's only way out
        # 11 → 20 → 1 → 31 and 11 → 20 → 1 → 2 use no cut link: lost only because 1 may not carry XB's traffic
        | {(11, 2), (11, 31)}
    )
    # the restriction is per source: the reverse paths 31 → 1 → 20 → 11 and 2 → 1 → 20 → 11 stay up, and XB
    # still reaches XA's AS 1 itself (an endpoint is never blocked)
    assert {(31, 11), (2, 11), (11, 1)}.isdisjoint(lost)


def test_transit_restriction_with_m8_cuts_nothing_and_is_routed_around():
    model, before = run(TRANSIT, imposed=TRANSIT_IMPOSED, mechanisms=["m8"])
    assert cut_pairs(model) == set()
    assert model.why_cut(1, 10) is None
    lost = lost_pairs(before, reach_sets(model))
    # 10 may still send to 1 over the peering, but not beyond it; 11 likewise through 20
    assert lost == {(10, 2), (10, 30), (10, 31), (11, 2), (11, 31)}
    # 11 → 10 → 1 → 30 is forbidden, 11 → 20 → 30 avoids XA: the pair survives; XA's own sources keep the
    # peering (1 → 10, 2 → 1 → 10), which the blunt cut without M8 takes away
    assert {(11, 30), (1, 10), (2, 10), (10, 1)}.isdisjoint(lost)
    assert model.current.result.n_pairs() == 40 - 5
