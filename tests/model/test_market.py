"""The market measures: what a country's market is worth, and what share of an operator's business lies there."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from sim.model.market import market_weights, share_in
from sim.reach.cones import customer_cone_sizes
from tests.worlds import cut_pairs, quiet_model, with_address_space, world

# XA: 1 > 2, 1 > 3        XB: 10 > 11, 10 > 12        XC: 5 > 10 (5 sells transit to 10), 20
# peers: 1 = 10, 12 = 20
# /24 blocks originated: 1: 2, 2: 4, 3: 2, 10: 4, 11: 8, 12: 0 (no data), 5: 16, 20: 0 (no data)
#
# Operator 10 sells to 11, 12 (customers) and 1 (peer); its provider 5 sells to it and is not its market.
#   ases:          each neighbour worth 1                         → XA 1/3, XB 2/3
#   cone:          cone(1) = {1, 2, 3} = 3, cone(11) = cone(12) = 1 → XA 3/5, XB 2/5
#   address space: blocks in each cone: 1 → 2 + 4 + 2 = 8, 11 → 8, 12 → 0 → XA 8/16, XB 8/16
# Operator 20's one peer, 12, is worth no address space: it falls back to the count of its customers and peers (XB:
# 1/1). Operator 2 sells to nobody: its share is 0 everywhere. Operator 5 sells only to 10: cone {10, 11, 12}.
#
# Country markets: ases XA 3, XB 3, XC 2; cone (sum of the cones of its ASes) XA 3 + 1 + 1, XB 3 + 1 + 1, XC 4 + 1;
# address space XA 2 + 4 + 2 = 8, XB 4 + 8 + 0 = 12, XC 16 + 0 = 16.
MARKET_WORLD = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 12), (5, 10)],
    p2p=[(1, 10), (12, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 12: "XB", 5: "XC", 20: "XC"},
)
BLOCKS = {1: 2, 2: 4, 3: 2, 10: 4, 11: 8, 12: 0, 5: 16, 20: 0}
SPACED = with_address_space(MARKET_WORLD, BLOCKS)
XA, XB, XC = 0, 1, 2

SHARES = {  # measure -> operator ASN -> (share in XA, XB, XC)
    "ases": {10: (1 / 3, 2 / 3, 0), 20: (0, 1, 0), 2: (0, 0, 0), 5: (0, 1, 0)},
    "cone": {10: (3 / 5, 2 / 5, 0), 20: (0, 1, 0), 2: (0, 0, 0), 5: (0, 1, 0)},
    "address_space": {10: (1 / 2, 1 / 2, 0), 20: (0, 1, 0), 2: (0, 0, 0), 5: (0, 1, 0)},
}
MARKETS = {"ases": (3, 3, 2), "cone": (5, 5, 5), "address_space": (8, 12, 16)}


@pytest.mark.parametrize("measure", list(SHARES))
def test_share_of_business_and_country_markets_under_each_measure(measure):
    model = quiet_model(SPACED, market=measure)
    market = model.world.market_measure
    assert market.measure == measure
    np.testing.assert_allclose(model.world.market[:3], MARKETS[measure])
    ops = np.sort(SPACED.asn_to_idx(list(SHARES[measure])))
    asns = SPACED.asns[ops].tolist()
    for c in (XA, XB, XC):
        got = share_in(model.world, market, ops, c)
        np.testing.assert_allclose(got, [SHARES[measure][a][c] for a in asns], err_msg=f"country {c}")
    assert [s.market for s in model.states.values()] == pytest.approx(list(MARKETS[measure]))


def test_address_space_worth_is_the_space_in_the_customer_cone():
    market = market_weights(SPACED, "address_space", customer_cone_sizes(SPACED))
    worth = dict(zip(SPACED.asns.tolist(), market.worth.tolist(), strict=True))
    assert worth == {1: 8, 2: 4, 3: 2, 5: 28, 10: 12, 11: 8, 12: 0, 20: 0}
    assert dict(zip(SPACED.asns.tolist(), market.own.tolist(), strict=True)) == BLOCKS


def test_a_world_without_address_space_falls_back_to_ases_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="sim.model.market"):
        model = quiet_model(MARKET_WORLD, market="address_space")
    assert model.world.market_measure.measure == "ases"
    assert "no address-space data" in caplog.text
    np.testing.assert_allclose(model.world.market[:3], MARKETS["ases"])


def test_unknown_measure_is_refused_naming_market():
    with pytest.raises(ValueError, match="market"):
        quiet_model(MARKET_WORLD, market="prefixes")
    with pytest.raises(ValueError, match="market must be one of"):
        market_weights(MARKET_WORLD, "prefixes", customer_cone_sizes(MARKET_WORLD))


@pytest.mark.parametrize(
    "measure, cost, exits",
    [
        # XA's rule binds 10 (a peer of 1); XB is 1.0 from XA, so complying costs 10 exactly compliance_cost
        ("ases", 0.45, True),  # 0.45 > 1/3
        ("address_space", 0.45, False),  # 0.45 < 1/2
        ("cone", 0.45, False),  # 0.45 < 3/5
        ("address_space", 0.55, True),  # 0.55 > 1/2
        ("cone", 0.55, False),  # 0.55 < 3/5
    ],
)
def test_the_market_measure_decides_whether_an_operator_exits(measure, cost, exits):
    model = quiet_model(
        SPACED, market=measure, compliance_cost=cost, imposed=[dict(step=1, country="XA", kind="extraterritorial")]
    )
    model.states[XA].set_profile(np.zeros(4))
    model.states[XB].set_profile(np.ones(4))
    model.states[XC].set_profile(np.zeros(4))
    model.step()
    assert cut_pairs(model) == ({frozenset((1, 10))} if exits else set())
    assert model.n_exits == int(exits)


@pytest.mark.parametrize("measure, leader", [("ases", "XA"), ("address_space", "XC")])
def test_the_largest_market_follows_the_measure(measure, leader):
    # ases: XA and XB tie at 3 (the first wins); address space: XC's 16 blocks lead
    model = quiet_model(SPACED, market=measure, mechanisms=["m1"])
    assert model.leader.code == leader
