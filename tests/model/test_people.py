"""Losses counted in people: the population-weighted measures, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.data.outlines import load_outlines
from sim.model.metrics import people_losing, people_weighted_loss
from tests.worlds import quiet_model, world

# four countries counted (measured loss, known population) and two that are not: one not measured, one without
# an outline; population 100 + 50 + 10 + 40 = 200
LOSS = np.array([0.005, 0.2, 0.6, 0.05, np.nan, 0.9])
PEOPLE = np.array([100.0, 50.0, 10.0, 40.0, 1000.0, np.nan])


@pytest.mark.parametrize(
    ("threshold", "share"),
    [(0.01, (50 + 10 + 40) / 200), (0.10, (50 + 10) / 200), (0.50, 10 / 200), (0.95, 0.0)],
)
def test_share_of_people_in_countries_losing_more_than_a_threshold(threshold, share):
    assert people_losing(LOSS, PEOPLE, threshold) == pytest.approx(share)


def test_population_weighted_loss_is_the_loss_of_the_average_persons_country():
    # (100 · 0.005 + 50 · 0.2 + 10 · 0.6 + 40 · 0.05) / 200 = (0.5 + 10 + 6 + 2) / 200
    assert people_weighted_loss(LOSS, PEOPLE) == pytest.approx(18.5 / 200)


def test_no_country_counted_gives_nan_not_zero():
    assert math.isnan(people_losing(np.array([0.5]), np.array([np.nan]), 0.1))
    assert math.isnan(people_weighted_loss(np.array([np.nan]), np.array([10.0])))


#  FR: 1 > 2, 1 > 3        DE: 10 > 11        SG: 20   (the shutdown world of the regulation tests)
#  cross: 10 > 1, 20 > 1, 2 = 20 (2 is exempt);  DE–SG: 10 = 20.
CODES = ("FR", "DE", "SG")
SHUTDOWN = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 1), (20, 1)],
    p2p=[(2, 20), (10, 20)],
    country={1: "FR", 2: "FR", 3: "FR", 10: "DE", 11: "DE", 20: "SG"},
    codes=CODES,
)


def test_the_model_reads_population_from_the_outlines_by_code():
    model = quiet_model(SHUTDOWN)
    outlines = load_outlines()
    where = outlines.index()
    assert model.population[0] == outlines.population[where["FR"]] > 6e7
    assert model.population[1] == outlines.population[where["DE"]] > 8e7
    assert math.isnan(model.population[2])  # Singapore has no outline at 1:110m
    assert model.world.topo.facts.missing == ("SG",)


def test_a_shutdown_counted_in_people_by_hand():
    """All 30 ordered pairs reach at step 0. FR shuts down (2 exempt): 16 pairs lost, all involving FR (24 pairs
    with the world: 3 · 5 + 3 · 3), 12 involving DE (of 2 · 5 + 2 · 4 = 18), 4 involving SG (of 10). Losses 2/3,
    2/3, 0.4; with 100, 50 and 10 people: 160 counted."""
    model = quiet_model(SHUTDOWN, imposed=[dict(step=1, country="FR", kind="shutdown", exempt=[2])])
    model.population = np.array([100.0, 50.0, 10.0])
    model.step()
    assert model.current.country_loss == pytest.approx([2 / 3, 2 / 3, 0.4])
    row = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert row["pop_frac_over_1pct"] == pytest.approx(1.0)
    assert row["pop_frac_over_10pct"] == pytest.approx(1.0)
    assert row["pop_frac_over_50pct"] == pytest.approx(150 / 160)
    assert row["pop_weighted_loss"] == pytest.approx((100 * 2 / 3 + 50 * 2 / 3 + 10 * 0.4) / 160)
    first = model.datacollector.get_model_vars_dataframe().iloc[0]
    assert first["pop_frac_over_1pct"] == 0.0 and first["pop_weighted_loss"] == 0.0  # step 0: nothing lost


@pytest.mark.parametrize("fact", ["population", "gdp"])
def test_population_and_gdp_as_market_measures(fact):
    """A country's market is its fact (split evenly over its ASes); a country without an outline is worth 0."""
    from sim.model.market import market_weights

    market = market_weights(SHUTDOWN, fact, np.ones(SHUTDOWN.n_ases))
    facts = getattr(SHUTDOWN.facts, fact)
    assert market.measure == fact
    assert market.of_countries(SHUTDOWN.country, 3) == pytest.approx([facts[0], facts[1], 0.0])
    # AS 10 (DE) is the provider of 11 (DE) and 1 (FR, whose cone holds 1, 2 and 3): its cone's worth
    i10 = int(np.searchsorted(SHUTDOWN.asns, 10))
    assert market.worth[i10] == pytest.approx(facts[0] + facts[1])
