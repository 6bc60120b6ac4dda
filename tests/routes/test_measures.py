"""The path measures of sim.routes (transit load, country dependence, path lengths) against the pair-by-pair
reference, on random graphs with ties, stub classes, branches, removals and forced small blocks."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.routes import api, kernel, measures
from sim.routes.api import routes
from tests.routes.measure_reference import (
    assert_exposure_matches,
    assert_measures_match,
    assert_stretch_matches,
    reference_exposure,
)
from tests.strategies import hub_topologies, topologies, topologies_with_restrictions

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BACKENDS = pytest.mark.parametrize("backend", ["numpy", "numba"])  # the same reference for both


@BACKENDS
@PROPERTY
@given(topologies_with_restrictions(max_ases=14), st.data())
def test_measures_match_the_reference_on_random_graphs(backend, case, data):
    topo, restr = case
    space = data.draw(st.lists(st.integers(0, 300), min_size=topo.n_ases, max_size=topo.n_ases))
    topo = topo.replace(address_space=np.array(space, np.int64))  # the destinations' weights in the shares
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    r = routes(topo, measures=True, backend=backend, **masks)
    assert_measures_match(r, topo, **masks)
    assert_exposure_matches(r, topo, **masks)


@BACKENDS
@PROPERTY
@given(hub_topologies(min_ases=20, max_ases=45), st.integers(1, 5), st.data())
def test_measures_match_with_forced_small_blocks_and_subsets(backend, topo, width, data):
    """Many stubs per class, branches, peers; blocks of a few columns; a subset of destinations."""
    asns = topo.asns.tolist()
    dst = data.draw(st.lists(st.sampled_from(asns), min_size=1, max_size=len(asns), unique=True))
    max_block = data.draw(st.sampled_from([width, 64]))  # few columns per block, or all in one
    with (
        mock.patch.object(api, "MAX_BLOCK", max_block),
        mock.patch.object(kernel, "TALL", 1),
        mock.patch.object(measures, "CLASS_CHUNK", 3),
        mock.patch.object(measures, "SUPER_COLUMNS", data.draw(st.integers(1, 20))),  # tiles of a few columns
    ):
        r = routes(topo, destinations=dst, measures=True, n_threads=2, backend=backend)
    assert_measures_match(r, topo, destinations=sorted(dst))
    with mock.patch.object(measures, "EXPOSURE_BLOCK", width):
        assert_exposure_matches(r, topo, destinations=sorted(dst))


@BACKENDS
@PROPERTY
@given(topologies_with_restrictions(max_ases=16, n_countries=5), st.data())
def test_exposure_counted_in_the_measures_pass_matches_the_reference(backend, case, data):
    """``exposure=`` counts it in the tally's tiles (lone classes from their provider row), over blocks and
    super-blocks of a few columns and a subset of destinations; ``exposure()`` for those countries reads it, and
    for others (or ``via``) makes a pass of its own."""
    topo, restr = case
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    asns = topo.asns.tolist()
    dst = sorted(data.draw(st.lists(st.sampled_from(asns), min_size=1, max_size=len(asns), unique=True)))
    codes = data.draw(st.lists(st.sampled_from(topo.country_codes), min_size=1, max_size=5, unique=True))
    with (
        mock.patch.object(api, "MAX_BLOCK", data.draw(st.sampled_from([1, 3, 64]))),
        mock.patch.object(measures, "SUPER_COLUMNS", data.draw(st.integers(1, 20))),
    ):
        r = routes(topo, dst, measures=True, exposure=codes, n_threads=2, backend=backend, **masks)
    pairs, _ = reference_exposure(topo, dst, **masks)
    with mock.patch.object(measures, "_exposure_compiled", side_effect=AssertionError("counted again")):
        got = r.exposure(codes)
    assert list(r.measures.exposure_slots) == [topo.country_index(c) for c in codes]
    assert {
        (a, b): (n, c) for a, b, n, c in got[["source", "destination", "paths", "crossing"]].itertuples(index=False)
    } == {(a, b): v for (a, b), v in pairs.items() if a in codes and b in codes}
    assert_exposure_matches(r, topo, dst, **masks)  # every country, and via: passes of their own


def test_exposure_in_the_pass_is_checked():
    from tests.routes.cases import CASES

    topo = CASES[0].topology()
    with pytest.raises(ValueError, match="measures=True"):
        routes(topo, exposure=[])
    with pytest.raises(TypeError, match="country codes"):
        routes(topo, measures=True, exposure="XA")
    with pytest.raises(KeyError, match="ZZ"):
        routes(topo, measures=True, exposure=["ZZ"])


@BACKENDS
@PROPERTY
@given(topologies(max_ases=18, n_countries=7), st.data())
def test_exposure_between_some_countries_matches_the_reference(backend, topo, data):
    """Many countries, so paths cross three or more of them; only some asked for, so a path's single other country
    may be one not asked for."""
    codes = data.draw(st.lists(st.sampled_from(topo.country_codes), min_size=1, max_size=7, unique=True))
    pairs, _ = reference_exposure(topo)
    got = routes(topo, backend=backend).exposure(codes)
    assert {
        (a, b): (n, c) for a, b, n, c in got[["source", "destination", "paths", "crossing"]].itertuples(index=False)
    } == {(a, b): v for (a, b), v in pairs.items() if a in codes and b in codes}


@BACKENDS
@PROPERTY
@given(topologies_with_restrictions(max_ases=14), st.booleans())
def test_stretch_matches_the_reference_on_random_graphs(backend, case, stored):
    """The per-pair change of length against the unrestricted routes, and the routes lost; the baseline's
    columns stored (all destinations) or computed block by block (a baseline without columns)."""
    topo, restr = case
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    baseline = routes(topo, None if stored else [])
    r = routes(topo, measures=True, backend=backend, baseline=baseline, **masks)
    assert_stretch_matches(r, topo, **masks)


@BACKENDS
@PROPERTY
@given(hub_topologies(min_ases=20, max_ases=45), st.integers(1, 5), st.data())
def test_stretch_matches_with_forced_small_blocks_and_subsets(backend, topo, width, data):
    asns = topo.asns.tolist()
    dst = sorted(data.draw(st.lists(st.sampled_from(asns), min_size=1, max_size=len(asns), unique=True)))
    links = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_links, max_size=topo.n_links)), bool)
    ases = np.array(data.draw(st.lists(st.booleans(), min_size=topo.n_ases, max_size=topo.n_ases)), bool)
    ases &= np.random.default_rng(0).random(topo.n_ases) < 0.2  # a few ASes gone, most alive
    stored = data.draw(st.sampled_from([None, [], dst[: len(dst) // 2]]))  # all, none, some baseline columns
    baseline = routes(topo, stored)
    with (
        mock.patch.object(api, "MAX_BLOCK", width),
        mock.patch.object(measures, "CLASS_CHUNK", 3),
        mock.patch.object(measures, "SUPER_COLUMNS", data.draw(st.integers(1, 20))),
    ):
        r = routes(topo, dst, links, ases, measures=True, n_threads=2, baseline=baseline, backend=backend)
    assert_stretch_matches(r, topo, dst, links, ases)


def test_stretch_needs_a_baseline_and_a_subset_of_the_removals():
    from tests.routes.cases import CASES

    case = CASES[4]  # a removed link
    topo = case.topology()
    masks = case.masks(topo)
    r = routes(topo, measures=True, **masks)
    with pytest.raises(ValueError, match="baseline"):
        r.stretch()
    with pytest.raises(ValueError, match="measures=True"):
        routes(topo, baseline=routes(topo))
    with pytest.raises(ValueError, match="subset"):
        routes(topo, measures=True, baseline=routes(topo, **masks))
    with pytest.raises(TypeError, match="baseline"):
        routes(topo, measures=True, baseline="before")
    # 1 → 9 was 3 hops down its customers (1, 2, 3, 9); without the link 2-3 it takes its peer 4: one hop less;
    # 3 (and 9 through it) can no longer reach 1 and 2 without a valley
    got = routes(topo, measures=True, baseline=routes(topo), **masks)
    assert got.stretch().set_index("change")["pairs"].get(-1, 0) >= 1 and got.lost_routes() > 0
    assert_stretch_matches(got, topo, **masks)


def test_measures_need_the_switch():
    from tests.routes.cases import CASES

    r = routes(CASES[0].topology())
    try:
        r.transit_load()
    except ValueError as err:
        assert "measures=True" in str(err)
    else:
        raise AssertionError("transit_load without measures=True must say how to get it")
    assert np.all(routes(CASES[0].topology(), measures=True).path_lengths()["pairs"] > 0)


def test_backend_is_checked_and_recorded(monkeypatch):
    from sim.backend import MEASURES_ENV as ENV_VAR
    from sim.backend import Backend
    from tests.routes.cases import CASES

    topo = CASES[0].topology()
    try:
        routes(topo, backend="fortran")
    except ValueError as err:
        assert "backend" in str(err) and "fortran" in str(err)
    else:
        raise AssertionError("an unknown backend must be refused by name")
    monkeypatch.setenv(ENV_VAR, "numpy")
    assert routes(topo).backend is Backend.NUMPY
    assert routes(topo, backend="numba").backend is Backend.NUMBA
