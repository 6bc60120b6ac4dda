"""M7: operator re-homing."""

from __future__ import annotations

from tests.model.mechanisms.common import build, column, link, reaches, run
from tests.worlds import cut_pairs, world

# --------------------------------------------------------------------------------------------------------------
# M7: operator re-homing.
#
#   XA: 1 > 2, 1 > 3, 1 > 13 (cross-border: XB's 13 buys transit from XA's 1)
#   XB: 10 > 11, 10 > 12                  peers: 1 = 10
#   customer cones: 1 → {1, 2, 3, 13} = 4, 10 → {10, 11, 12} = 3, every other AS 1.
#
#   XA shuts down at step 1: 1 = 10 and 1 > 13 are cut; 13 reaches nobody. With rehome_delay 2, at step 3 the
#   operators that lost links (1, 10, 13) look for a domestic provider with a larger cone: 13 buys transit
#   from 10 (cone 3 > 1); 10 and 1 are the largest transit ASes of their countries and buy nothing.
# --------------------------------------------------------------------------------------------------------------
REHOME_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 13), (10, 11), (10, 12)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 12: "XB", 13: "XB"},
)
SHUTDOWN_XA = dict(step=1, country="XA", kind="shutdown")


def test_m7_operator_that_lost_links_buys_domestic_transit_after_the_delay():
    model = run(
        REHOME_WORLD,
        {},
        n_steps=2,
        imposed=[SHUTDOWN_XA],
        mechanisms=["m7"],
        rehome_delay=2,
        rehome_rate=1.0,
        rehome_cost=2.5,
    )
    assert cut_pairs(model) == {link(1, 10), link(1, 13)}
    assert model.bought == [] and reaches(model, 13) == {13}  # still waiting at step 2
    model.step()
    assert [(b.customer, b.provider, b.step, b.cost) for b in model.bought] == [(13, 10, 3, 2.5)]
    kernel = model.world.kernel_topology()
    assert kernel.p2c_cycles() == []
    new = kernel.n_p2c - 1  # bought links come after the base c2p links
    assert (kernel.asns[kernel.provider[new]], kernel.asns[kernel.customer[new]]) == (10, 13)
    assert reaches(model, 13) == {13, 10, 11, 12}  # XB recovered; XA stays shut
    assert reaches(model, 11) >= {13}
    model.step()  # re-homed once per loss, not every step
    assert len(model.bought) == 1
    assert column(model, "n_links_rehomed") == [0, 0, 0, 1, 1]
    assert column(model, "n_links_cut") == [0, 2, 2, 2, 2]


def test_m7_buys_only_from_a_larger_cone_and_once_per_loss():
    # XA: 1 > 2, 1 > 13 (cross-border)    XB: 10 > 11, 14 > 15    peers: 1 = 10
    # cones: 1 → 3, 10 → 2, 14 → 2, others 1. XA shuts down at step 1 (cuts 1 = 10, 1 > 13); from step 2 the
    # operators 1, 10, 13 look for domestic transit. 13 may buy from 10 or 14 (cone 2 > 1), drawn by cone;
    # 10 may not buy from 14 (equal cones) nor 1 from anyone (the largest in XA). 13 buys once, not once a step.
    topo = world(
        p2c=[(1, 2), (1, 13), (10, 11), (14, 15)],
        p2p=[(1, 10)],
        country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 13: "XB", 14: "XB", 15: "XB"},
    )
    providers = set()
    for seed in range(8):
        model = build(topo, {}, rng=seed, imposed=[SHUTDOWN_XA], mechanisms=["m7"], rehome_delay=1, rehome_rate=1.0)
        for _ in range(4):
            model.step()
        bought = [(b.customer, b.provider, b.step) for b in model.bought]
        assert len(bought) == 1 and bought[0][0] == 13 and bought[0][1] in (10, 14) and bought[0][2] == 2
        assert model.world.kernel_topology().p2c_cycles() == []
        providers.add(bought[0][1])
    assert providers == {10, 14}  # the draw is random, both are eligible


def test_m7_without_rehoming_the_operator_stays_cut_off():
    model = run(REHOME_WORLD, {}, n_steps=4, imposed=[SHUTDOWN_XA], mechanisms=["m0"], rehome_delay=2, rehome_rate=1.0)
    assert model.bought == [] and reaches(model, 13) == {13}
    assert column(model, "n_links_rehomed") == [0] * 5
