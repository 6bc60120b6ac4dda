"""The synthetic topology: Internet-like structure, well-formedness, determinism and input validation."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim.cli.data import main as data_cli
from sim.data.synthetic import COUNTRY_CODES, MIN_ASES, synthetic_topology
from sim.memory import ENV_VAR, MemoryBudgetError

N = 10_000


@pytest.fixture(scope="module")
def topo():
    return synthetic_topology(N, seed=0)


def assert_well_formed(topo):
    """Invariants every generated topology must satisfy, whatever the parameters."""
    n = topo.n_ases
    np.testing.assert_array_equal(topo.asns, np.arange(1, n + 1))
    assert np.all(topo.provider != topo.customer), "self loop in c2p"
    assert np.all(topo.peer_a < topo.peer_b), "self loop or unordered p2p pair"
    c2p_pairs = np.minimum(topo.provider, topo.customer).astype(np.int64) * n + np.maximum(topo.provider, topo.customer)
    p2p_pairs = topo.peer_a.astype(np.int64) * n + topo.peer_b
    assert len(np.unique(c2p_pairs)) == topo.n_p2c, "duplicate c2p link (or both directions)"
    assert len(np.unique(p2p_pairs)) == topo.n_p2p, "duplicate p2p link"
    assert not np.isin(p2p_pairs, c2p_pairs).any(), "a pair is both c2p and p2p"
    assert topo.p2c_cycles() == []
    n_providers = topo.providers.degree()
    assert np.all(n_providers[topo.tier1] == 0), "a Tier-1 has a provider"
    assert np.all(n_providers[~topo.tier1] >= 1), "a non-Tier-1 AS has no provider"
    ends = topo.link_endpoints()
    graph = coo_matrix((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1, "graph is not connected"
    assert np.all((topo.country >= 0) & (topo.country < len(topo.country_codes)))
    assert topo.n_countries == len(topo.country_codes)


def test_default_topology_is_well_formed(topo):
    assert_well_formed(topo)
    assert topo.n_ases == N
    assert topo.name == "synthetic-10000-seed0"


def test_tier1_is_a_fully_peered_clique_without_providers(topo):
    t1 = np.flatnonzero(topo.tier1)
    assert 10 <= len(t1) <= 17
    peered = {(a, b) for a, b in zip(topo.peer_a.tolist(), topo.peer_b.tolist(), strict=True)}
    assert all((a, b) in peered for i, a in enumerate(t1.tolist()) for b in t1[i + 1 :].tolist())
    assert topo.providers.degree()[t1].sum() == 0
    assert np.all(topo.customers.degree()[t1] > 0)


def test_most_ases_are_stubs_under_transit_tiers(topo):
    is_stub = topo.is_stub()
    assert 0.80 <= is_stub.mean() <= 0.86
    transit = ~is_stub & ~topo.tier1
    # transit ASes buy transit too (Tier-3 from Tier-2, Tier-2 from Tier-1): a hierarchy, not a star
    assert np.all(topo.providers.degree()[transit] >= 1)
    assert np.mean(topo.tier1[topo.provider[transit[topo.customer]]]) < 0.5
    assert transit.sum() >= 0.13 * N


def test_stub_share_follows_the_transit_fractions():
    topo = synthetic_topology(5_000, seed=1, tier2_frac=0.05, tier3_frac=0.25)
    assert 0.66 <= topo.is_stub().mean() <= 0.71


def test_degrees_are_heavy_tailed(topo):
    deg = topo.degree()
    assert deg.max() >= 100 * np.median(deg)
    # complementary CDF falls roughly as a power law: about one decade per decade of degree (CAIDA: 0.96)
    slope = np.log10(np.mean(deg >= 100) / np.mean(deg >= 10))
    assert -1.6 <= slope <= -0.5
    top = np.sort(deg)[::-1][: N // 20]  # Hill estimator of the tail exponent over the top 5 %
    hill = (len(top) - 1) / np.sum(np.log(top[:-1] / top[-1]))
    assert 0.6 <= hill <= 2.0


def test_p2p_and_c2p_links_are_balanced(topo):
    assert 0.7 <= topo.n_p2p / topo.n_p2c <= 1.4
    assert topo.n_p2p / topo.n_p2c == pytest.approx(1.15, rel=0.02)
    assert 1.7 <= topo.n_p2c / N <= 2.3  # CAIDA 2016: 110,479 c2p links for 55,809 ASes
    fewer = synthetic_topology(N, seed=0, p2p_ratio=0.8)
    assert fewer.n_p2p / fewer.n_p2c == pytest.approx(0.8, rel=0.02)


def test_peering_is_among_transit_ases_and_at_ixps(topo):
    transit_or_ixp = ~topo.is_stub() | topo.ixp
    assert np.mean(transit_or_ixp[topo.peer_a] | transit_or_ixp[topo.peer_b]) >= 0.95
    n_peers = topo.peers.degree()
    ixp = np.flatnonzero(topo.ixp)
    assert len(ixp) == 5
    assert np.all(n_peers[ixp] >= 50)
    assert np.all(n_peers[ixp] > np.percentile(n_peers[~topo.ixp], 99))
    assert np.all(topo.customers.degree()[ixp] == 0)


def test_countries_have_zipf_sizes_and_iso_codes(topo):
    assert topo.country_codes == COUNTRY_CODES[: topo.n_countries]
    assert topo.n_countries == 195
    assert len(set(COUNTRY_CODES)) == len(COUNTRY_CODES)
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in COUNTRY_CODES)
    assert COUNTRY_CODES[:6] == ("US", "BR", "RU", "PL", "GB", "DE")
    sizes = np.bincount(topo.country)
    assert sizes.min() >= 1
    assert sizes.argmax() == topo.country_index("US")
    assert 0.2 <= sizes[0] / N <= 0.3  # the 2018 AS-to-country table: US 26 %
    assert 8 <= sizes[0] / sizes[9] <= 30  # Zipf exponent ~1.2: 10 ** 1.2 = 16
    assert np.all(np.diff(sizes[:10]) < 0)


def test_links_are_mostly_domestic(topo):
    same = topo.country[topo.provider] == topo.country[topo.customer]
    non_tier1 = ~topo.tier1[topo.provider] & ~topo.tier1[topo.customer]
    assert same[non_tier1].mean() >= 0.7
    assert same[non_tier1].mean() <= 0.95  # but there is an international transit market
    stub_links = topo.is_stub()[topo.customer] & ~topo.tier1[topo.provider]
    assert same[stub_links].mean() >= 0.7
    more = synthetic_topology(N, seed=0, domestic_frac=0.95)
    same_more = more.country[more.provider] == more.country[more.customer]
    assert same_more[~more.tier1[more.provider]].mean() > same[~topo.tier1[topo.provider]].mean()


def test_tier1s_sit_in_a_few_large_countries(topo):
    homes = [topo.country_codes[c] for c in topo.country[topo.tier1]]
    assert 3 <= len(set(homes)) <= 10
    assert homes.count("US") >= len(homes) // 3
    assert all(COUNTRY_CODES.index(code) < 30 for code in homes)


def test_state_owned_ases_are_few_and_concentrated(topo):
    owned = topo.owner >= 0
    abroad = topo.operating >= 0
    assert 0.005 <= owned.mean() <= 0.03
    assert len(np.unique(topo.owner[owned])) <= 0.35 * topo.n_countries
    transit = ~topo.is_stub()
    assert transit[owned].mean() >= 2 * transit.mean()
    assert 0 < abroad.sum() < 0.5 * owned.sum()
    assert np.all(owned[abroad])
    np.testing.assert_array_equal(topo.operating[abroad], topo.country[abroad])
    assert np.all(topo.owner[abroad] != topo.country[abroad])
    np.testing.assert_array_equal(topo.owner[owned & ~abroad], topo.country[owned & ~abroad])
    assert not topo.tier1[owned].any() and not topo.ixp[owned].any()


def test_same_seed_gives_identical_arrays():
    first, second = synthetic_topology(3_000, seed=0), synthetic_topology(3_000)  # seed 0 is the default
    for name in ("asns", "provider", "customer", "peer_a", "peer_b", "country", "owner", "operating", "tier1", "ixp"):
        a, b = getattr(first, name), getattr(second, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert first.country_codes == second.country_codes and first.name == second.name


def test_different_seeds_give_different_topologies():
    a, b = synthetic_topology(3_000, seed=0), synthetic_topology(3_000, seed=1)
    pairs_a = set(zip(a.provider.tolist(), a.customer.tolist(), strict=True))
    pairs_b = set(zip(b.provider.tolist(), b.customer.tolist(), strict=True))
    assert len(pairs_a ^ pairs_b) > 0.5 * len(pairs_a)
    assert not np.array_equal(a.country, b.country)


def test_unseeded_runs_are_valid():
    topo = synthetic_topology(500, seed=None)
    assert_well_formed(topo)
    assert topo.name == "synthetic-500-seedNone"


@pytest.mark.parametrize("n_ases", [MIN_ASES, 21, 57, 200, 2_000])
def test_small_and_odd_sizes_are_well_formed(n_ases):
    topo = synthetic_topology(n_ases, seed=7)
    assert_well_formed(topo)
    assert topo.tier1.sum() >= 3 and topo.ixp.sum() >= 1


@settings(max_examples=40, deadline=None)
@given(
    n_ases=st.integers(MIN_ASES, 600),
    seed=st.integers(0, 2**32),
    tier3_frac=st.floats(0.0, 0.25),
    domestic_frac=st.floats(0.0, 1.0),
    p2p_ratio=st.floats(0.0, 3.0),
    multihoming=st.floats(1.0, 4.0),
    n_countries=st.integers(1, 10),
    n_tier1=st.integers(2, 4),
    n_ixps=st.integers(0, 1),
    fitness_exponent=st.floats(0.5, 3.0),
    state_owned_frac=st.floats(0.0, 0.2),
)
def test_any_parameters_give_a_well_formed_topology(
    n_ases,
    seed,
    tier3_frac,
    domestic_frac,
    p2p_ratio,
    multihoming,
    n_countries,
    n_tier1,
    n_ixps,
    fitness_exponent,
    state_owned_frac,
):
    topo = synthetic_topology(
        n_ases,
        seed,
        tier3_frac=tier3_frac,
        domestic_frac=domestic_frac,
        p2p_ratio=p2p_ratio,
        multihoming=multihoming,
        n_countries=n_countries,
        n_tier1=n_tier1,
        n_ixps=n_ixps,
        fitness_exponent=fitness_exponent,
        state_owned_frac=state_owned_frac,
    )
    assert_well_formed(topo)
    assert topo.tier1.sum() == n_tier1 and topo.ixp.sum() == n_ixps


def test_optional_features_can_be_switched_off():
    topo = synthetic_topology(1_000, seed=3, n_ixps=0, n_countries=1, state_owned_frac=0.0)
    assert_well_formed(topo)
    assert not topo.ixp.any() and topo.country_codes == ("US",)
    assert np.all(topo.owner == -1) and np.all(topo.operating == -1)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_ases": 19}, "n_ases"),
        ({"n_ases": -5}, "n_ases"),
        ({"seed": -1}, "seed"),
        ({"n_tier1": 1}, "n_tier1"),
        ({"n_tier1": 500}, "n_tier1"),
        ({"tier2_frac": 0.5}, "tier2_frac"),
        ({"tier3_frac": -0.1}, "tier3_frac"),
        ({"n_ixps": -1}, "n_ixps"),
        ({"n_countries": 0}, "n_countries"),
        ({"n_countries": 196}, "n_countries"),
        ({"country_zipf": -1.0}, "country_zipf"),
        ({"domestic_frac": 1.5}, "domestic_frac"),
        ({"multihoming": 0.5}, "multihoming"),
        ({"p2p_ratio": float("nan")}, "p2p_ratio"),
        ({"fitness_exponent": 0.0}, "fitness_exponent"),
        ({"state_owned_frac": 0.5}, "state_owned_frac"),
        ({"state_abroad_frac": 2.0}, "state_abroad_frac"),
    ],
)
def test_out_of_range_parameters_raise_value_error_naming_them(kwargs, name):
    kwargs = {"n_ases": 1_000} | kwargs
    with pytest.raises(ValueError, match=name):
        synthetic_topology(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_ases": 1000.0}, "n_ases"),
        ({"n_ases": "1000"}, "n_ases"),
        ({"n_ases": True}, "n_ases"),
        ({"seed": 1.5}, "seed"),
        ({"n_ixps": 2.0}, "n_ixps"),
        ({"domestic_frac": "high"}, "domestic_frac"),
    ],
)
def test_wrong_types_raise_type_error_naming_them(kwargs, name):
    kwargs = {"n_ases": 1_000} | kwargs
    with pytest.raises(TypeError, match=name):
        synthetic_topology(**kwargs)


def test_absurd_size_refused_before_allocating_with_estimate_and_budget():
    tracemalloc.start()
    try:
        with pytest.raises(MemoryBudgetError) as err:
            synthetic_topology(10**9, memory_budget=1 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value) == (
        "synthetic_topology(n_ases=1000000000) needs about 476.85 GiB, over the memory budget of 1.00 GiB "
        "(memory_budget): ask for fewer ASes"
    )
    assert isinstance(err.value, ValueError) and peak < 1 << 20


def test_default_budget_is_the_process_budget(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "2GiB")
    with pytest.raises(MemoryBudgetError, match=r"n_ases=5000000\) needs about 2.40 GiB, .* of 2.00 GiB \(\$FRAGSIM"):
        synthetic_topology(5_000_000)
    assert synthetic_topology(1_000).n_ases == 1_000


@pytest.mark.parametrize("n", ["1000000000", "1e9"])
def test_cli_absurd_synthetic_size_is_one_line(capsys, n):
    assert data_cli(["info", "--synthetic", n, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("fragsim-data: error: synthetic_topology(n_ases=1000000000) needs about 476.85 GiB")


@pytest.mark.parametrize("n", ["1.5e3", "nan", "inf", "abc"])
def test_cli_synthetic_size_must_be_whole(capsys, n):
    if n == "1.5e3":
        assert data_cli(["info", "--synthetic", n, "--json"]) == 0 and '"n_ases": 1500' in capsys.readouterr().out
        return
    with pytest.raises(SystemExit) as exc:
        data_cli(["info", "--synthetic", n])
    assert exc.value.code == 2 and f"{n!r} is not a whole number" in capsys.readouterr().err
