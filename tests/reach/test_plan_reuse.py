"""A plan made once per topology (``sim.plan_reachability``) and reused across removals gives exactly the answer of
a freshly planned call: random removals of links and ASes and transit restrictions, one plan for a whole sequence of
them, the kernel's size thresholds forced small, pruned edges whose justification is cut, and the real 2016 graph."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ReachPlan, plan_reachability, synthetic_topology
from sim.data.topology import Topology
from sim.reach.api import reachability
from tests.reach.reference_checks import assert_matches_reference
from tests.reach.test_kernel_branches import TINY_BYTES, assert_same, masks, thresholds
from tests.strategies import Restrictions, hub_topologies, restrictions, topologies

REUSE = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def full(topo, restr: Restrictions, **kwargs):
    return reachability(topo, **restr._asdict(), keep_matrix=True, per_source=True, **kwargs)


@st.composite
def dense_restrictions(draw, topo: Topology):
    """Removals at any density (the ``restrictions`` strategy draws small sets): a removal share for links and one
    for ASes, applied by a seeded generator, and sometimes a transit restriction."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    link_frac, as_frac = draw(st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0])), draw(st.sampled_from([0.0, 0.1, 0.3]))
    n_codes = len(topo.country_codes)
    forbid = rng.random((n_codes, n_codes)) < 0.3 if draw(st.booleans()) else None
    return Restrictions(rng.random(topo.n_links) < link_frac, rng.random(topo.n_ases) < as_frac, forbid)


@REUSE
@given(st.data())
def test_one_plan_reused_across_a_sequence_of_removals_equals_fresh_planning(data):
    topo = data.draw(st.one_of(hub_topologies(min_ases=20, max_ases=60), topologies(max_ases=14)))
    plan = plan_reachability(topo, prune=data.draw(st.booleans()))  # unpruned: every call on the unpruned variant
    for _ in range(data.draw(st.integers(1, 4))):
        restr = data.draw(st.one_of(restrictions(topo), dense_restrictions(topo)))
        exempt = masks(data, topo.n_ases) if data.draw(st.booleans()) else None
        reach_any = {"target": masks(data, topo.n_ases)}
        fresh = full(topo, restr, transit_exempt=exempt, reach_any=reach_any)
        reused = full(topo, restr, transit_exempt=exempt, reach_any=reach_any, plan=plan)
        assert_same(reused, fresh)
    assert_matches_reference(reused, topo, restr, transit_exempt=exempt, reach_any=reach_any)


@REUSE
@given(st.data())
def test_reused_plan_with_forced_thresholds_and_blocks_equals_fresh_planning(data):
    topo = data.draw(hub_topologies(min_ases=65, max_ases=140))
    plan = plan_reachability(topo)
    restr = data.draw(st.one_of(restrictions(topo), dense_restrictions(topo)))
    sources = topo.asns[sorted(data.draw(st.sets(st.integers(0, topo.n_ases - 1), min_size=1)))].tolist()
    forced = dict(
        kernel_TALL=data.draw(st.integers(0, 2)),
        kernel_SCRATCH_BYTES=data.draw(TINY_BYTES),
        kernel_GROUP_BYTES=data.draw(TINY_BYTES),
        api_MIN_THREAD_WORDS=1,
    )
    fresh = reachability(topo, sources, **restr._asdict(), keep_matrix=True, per_source=True)
    with thresholds(**forced):
        reused = reachability(
            topo, sources, **restr._asdict(), keep_matrix=True, per_source=True, n_threads=2, plan=plan
        )
    assert_same(reused, fresh)


def _cover_topology() -> Topology:
    """AS 1 sells transit to 2; both sell it to the stubs 3 and 4; 1 also to 5, and 7 to 1; 6 peers with 1.
    Fresh planning drops the edges 1 → 3 and 1 → 4 (2 brings everything 1 does): cutting 1 → 2 (link 0) must bring
    them back."""
    asns = np.arange(1, 8, dtype=np.int64)
    p2c = np.array([[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [0, 4], [6, 0]])
    return Topology.from_links(asns, p2c, np.array([[0, 5]]), name="cover")


@pytest.mark.parametrize("cut", [[], [2], [2, 3], [1, 2], [0], [6]])
def test_a_pruned_edge_comes_back_when_its_justification_is_cut(cut):
    topo = _cover_topology()
    removed = np.isin(np.arange(topo.n_links), cut)
    restr = Restrictions(removed, None, None)
    reused = full(topo, restr, plan=plan_reachability(topo))
    assert_same(reused, full(topo, restr))
    assert_matches_reference(reused, topo, restr)


def test_an_as_losing_all_its_customers_or_removed_counts_like_fresh_planning():
    topo = synthetic_topology(800, seed=3)
    plan = plan_reachability(topo)
    provider = int(np.bincount(topo.provider).argmax())
    customers_links = np.flatnonzero(topo.provider == provider)
    removed_links = np.isin(np.arange(topo.n_links), customers_links)  # the largest provider becomes a stub
    removed_ases = np.zeros(topo.n_ases, bool)
    removed_ases[topo.customer[:5]] = True
    for restr in (Restrictions(removed_links, None, None), Restrictions(None, removed_ases, None)):
        assert_same(
            reachability(topo, **restr._asdict(), per_source=True, plan=plan),
            reachability(topo, **restr._asdict(), per_source=True),
        )


def test_a_plan_is_checked_against_the_topology():
    topo = synthetic_topology(300, seed=1)
    plan = plan_reachability(topo)
    assert isinstance(plan, ReachPlan) and "300 ASes" in repr(plan)
    twin = topo.replace(name="same links, another object")
    assert reachability(twin, plan=plan).n_pairs() == reachability(topo).n_pairs()
    with pytest.raises(ValueError, match="plan was made for another topology"):
        reachability(synthetic_topology(301, seed=1), plan=plan)
    country = topo.country.copy()
    country[0] = (country[0] + 1) % len(topo.country_codes)
    with pytest.raises(ValueError, match="other links or countries"):
        reachability(topo.replace(country=country), plan=plan)
    with pytest.raises(TypeError, match="plan must be a ReachPlan"):
        reachability(topo, plan="plan")
    with pytest.raises(TypeError, match="topology must be a Topology"):
        plan_reachability(None)


@pytest.mark.integration
def test_real_2016_reused_plan_equals_fresh_planning(real_topology):
    topo = real_topology
    plan = plan_reachability(topo)
    rng = np.random.default_rng(11)
    sources = topo.asns[np.sort(rng.choice(topo.n_ases, 256, replace=False))].tolist()
    us, cn = topo.country_index("US"), topo.country_index("CN")
    forbid = np.zeros((len(topo.country_codes),) * 2, bool)
    forbid[cn, us] = True
    for link_frac, as_frac, f in ((0.001, 0.0, None), (0.05, 0.001, None), (0.01, 0.0, forbid)):
        restr = Restrictions(rng.random(topo.n_links) < link_frac, rng.random(topo.n_ases) < as_frac, f)
        fresh = reachability(topo, sources, **restr._asdict(), per_source=True)
        reused = reachability(topo, sources, **restr._asdict(), per_source=True, plan=plan)
        assert fresh.n_pairs() == reused.n_pairs()
        for name in ("dest_counts", "source_counts", "country_pairs"):
            assert np.array_equal(getattr(fresh, name), getattr(reused, name)), name
