"""A seeded, Internet-like synthetic AS topology: the simulator's embedded default and its scaling workload."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.arrays import unique_sorted
from sim.data.topology import Topology
from sim.memory import check_budget

COUNTRY_CODES: tuple[str, ...] = tuple(
    """
US BR RU PL GB DE IN UA AU CA FR ID CN NL RO IT ES AR CZ BD KR CH BG JP SE AT TR IR ZA NZ TH DK MX SG IL PH VN BE NO
FI CL SI LV HU MY NG CO IE SK GR RS MD LB SA LT PK HR IQ EC KZ EE BY KE GE KH PT NP AE VE CY PA AM MM CR LU PY KW AL
GH HN EG TZ IS AF AZ AO PE UZ MK MN DO GT PS BA SV SC JO UG BO MU KG CD MT NI BZ MZ TN LI UY ZM ZW BH BW CM LK ME LA
MA SO BF GA OM PG SL SS TJ BT CI RW TT QA JM NA BJ FJ MV MW TD VU BI CG DZ GM SN GN HT LY BN BS LR ML SB SD SM GQ LS
SZ TL BB NE TG TM FM GD GY MG TO WS AG CU CV KI MR PW SR VA YE CF DJ DM GW KM LC MC MH NR ST SY AD ER ET KN KP TV VC
""".split()
)
"""ISO 3166 alpha-2 codes, most ASes first (AS-to-country table of 2018, 195 countries); country ``i`` of a
synthetic topology is ``COUNTRY_CODES[i]``."""

TIER1_HOMES = ("US", "DE", "US", "JP", "US", "SE", "US", "FR", "US", "NL", "US", "IT", "US", "ES", "US", "IN", "US")
"""Home countries of the 17 ASes of CAIDA's 2016 Tier-1 clique (by headquarters), interleaved so that any
prefix is spread over several large countries; cycled when more Tier-1s are asked for."""

MIN_ASES = 20
T1, T2, T3, STUB, IXP = range(5)  # tier codes; ASes are laid out by tier in this order, so index = rank
_FITNESS_SCALE = np.array([1.0, 5.0, 1.0, 0.2, 0.0])  # by tier (Tier-1s compete only among themselves)
_STATE_TIER_WEIGHT = np.array([0.0, 20.0, 5.0, 1.0, 0.0])  # state carriers are mostly transit networks
_MAX_PROVIDERS = 12
_MAX_FITNESS = 1000.0  # truncates the Pareto tail: no single AS takes over a market, at any n_ases
_TIER1_WORLD_SHARE = 0.6  # of the weight of the international transit market
_PEERING_SCALE = np.array([0.0, 4.0, 1.0, 0.15, 0.0])  # by tier: who joins IXPs and accepts peerings
_IXP_MEMBERSHIPS = 0.12  # IXP member draws per AS, split among route servers by Pareto weights
_IXP_MIN_DRAWS = 10
_IXP_LOCAL_FRAC = 0.7  # the rest of an IXP's members are foreign Tier-2 carriers
_IXP_PEERING_SHARE = 0.5  # of the optional p2p links: bilateral at IXPs; the rest are private peerings
_MAX_PEERING_ROUNDS = 8
_STATE_COUNTRY_FRAC = 0.3
# Address space (/24 blocks) by tier: lognormal median and log-spread, from the 2018 AS→country table on the 2016
# graph (median and interquartile ratio of the ASes with data: Tier-1 clique 25,694 and 92; transit ASes with >= 10
# customers 256 and 18; with 1-9 customers 32 and 9.6; stubs 4 and 7); route servers originate nothing.
_BLOCKS_MEDIAN = np.array([25_694.0, 256.0, 32.0, 4.0, 0.0])
_BLOCKS_SIGMA = np.array([3.35, 2.13, 1.68, 1.44, 0.0])  # ln(interquartile ratio) / 1.349
_MAX_BLOCKS = 1 << 20  # a /4 (the largest AS of 2018 originates 444,082 /24s)
#: peak bytes per AS while generating: 478 at 100,000 ASes and 441 at 300,000 (tracemalloc), rounded up
BYTES_PER_AS = 512


def synthetic_topology(
    n_ases: int,
    seed: int | None = 0,
    *,
    n_tier1: int | None = None,
    tier2_frac: float = 0.03,
    tier3_frac: float = 0.13,
    n_ixps: int | None = None,
    n_countries: int | None = None,
    country_zipf: float = 1.2,
    domestic_frac: float = 0.7,
    multihoming: float = 2.0,
    p2p_ratio: float = 1.15,
    fitness_exponent: float = 1.2,
    state_owned_frac: float = 0.015,
    state_abroad_frac: float = 0.2,
    memory_budget: int | None = None,
) -> Topology:
    """Generate an Internet-like AS topology from a seed.

    Parameters
    ----------
    n_ases : int
        Number of ASes, at least ``MIN_ASES`` (20). ASNs are ``1 .. n_ases``.
    seed : int or None
        Seed of the one random generator used (``None``: fresh entropy). The same seed gives the same arrays.
    n_tier1 : int, optional
        Size of the Tier-1 clique, 2 .. n_ases // 5; default ``min(17, max(3, n_ases // 100))`` (CAIDA 2016: 17).
    tier2_frac, tier3_frac : float
        Shares of national (Tier-2) and small (Tier-3) transit ASes, each at most 0.25; the rest are stubs.
    n_ixps : int, optional
        IXP route-server ASes, 0 .. n_ases // 20; default ``max(1, round(n_ases / 2000))`` (CAIDA 2016: 28).
    n_countries : int, optional
        Countries, the first of ``COUNTRY_CODES`` (at most 195); default ``round(2 * sqrt(n_ases))``, capped.
    country_zipf : float
        Zipf exponent of country sizes; 1.2 fits the 2018 AS-to-country table (US 26 %, rank 10 about 2 %).
    domestic_frac : float
        Probability that a provider draw stays in the customer's country (half that for Tier-2 customers, who
        mostly buy from Tier-1s, and for private peerings).
    multihoming : float, >= 1
        Mean number of provider draws of a stub (1 + Poisson); transit ASes make half a draw more.
    p2p_ratio : float
        Target p2p links per c2p link (CAIDA 2016: 128,585 / 110,479 = 1.16). The Tier-1 clique and the
        route-server links are always present, so a tiny ratio is not reached.
    fitness_exponent : float
        Pareto shape of the fitness that weights provider and peer choice; smaller is heavier-tailed.
    state_owned_frac, state_abroad_frac : float
        Share of ASes that are state-owned (Carisimo et al. 2021 found 984, ~1.8 % of the 2016 topology),
        and the share of those operating abroad (193 of 984).
    memory_budget : int, optional
        Bytes the generation may take; default :func:`sim.memory.memory_budget` (what the process can still
        allocate). About ``BYTES_PER_AS`` (512) bytes per AS are needed.

    Returns
    -------
    Topology
        Named ``synthetic-{n_ases}-seed{seed}``, with countries, ``owner``, ``operating``, ``address_space`` and
        the ``tier1`` and ``ixp`` flags; no ``core_services`` (real root-server ASNs mean nothing among ASNs
        ``1 .. n_ases``); no country is unknown, so none is inferred.

    Raises
    ------
    TypeError
        If a count or ``seed`` is not an integer, or a share is not a number.
    ValueError
        If ``n_ases`` < 20, ``seed`` < 0 or a parameter is outside its range; the message names it.
    sim.memory.MemoryBudgetError
        A ``ValueError`` and a ``MemoryError``: the estimate for ``n_ases`` exceeds the memory budget; raised
        before anything is allocated, with the estimate and the budget.

    Notes
    -----
    ASes are laid out by tier (Tier-1, Tier-2, Tier-3, stubs, route servers) and a provider always has a
    smaller index than its customer, so the c2p graph is acyclic and every AS reaches the Tier-1 clique
    upward: the graph is connected and Gao-Rexford routing is well founded. Countries get Zipf sizes (at
    least one AS each; Tier-1s at the clique's real home countries). A provider draw is domestic (any transit
    AS of the customer's country ranked above it) or international (a Tier-1 or Tier-2 ranked above it; the
    Tier-1s hold 60 % of that market whatever ``n_ases``, and carriers of small countries rarely sell
    abroad), weighted by a truncated Pareto fitness scaled by tier: a fitness model of preferential
    attachment, giving heavy-tailed degrees. A transit AS left without customers adopts a domestic stub, so
    the stubs are exactly the stub tier and the route servers. Peering: the Tier-1 clique; route servers
    with Pareto-sized, mostly domestic member sets; then, up to ``p2p_ratio * n_p2c`` links in a few rounds,
    bilateral peerings inside one IXP and private peerings started by transit ASes (by fitness) with any
    non-Tier-1 AS. State ownership falls on ~30 % of countries with heavy-tailed propensity, mostly on
    transit ASes; an AS operating abroad has ``operating == country`` (where it is) and a foreign ``owner``.
    Address space (/24 blocks originated) is lognormal by tier, heavy-tailed and larger the higher the tier:
    median 25,694 blocks for a Tier-1, 256 for a Tier-2, 32 for a Tier-3, 4 for a stub, with log-spreads 3.35,
    2.13, 1.68 and 1.44 (the medians and interquartile ratios of the 2018 AS→country table on the 2016 graph,
    tiers matched by customer count), rounded, at least 1 and at most 2^20 blocks; route servers originate
    none. It is drawn from its own stream (the first child of the seed's ``SeedSequence``), so adding it left
    every other array of a given seed unchanged.
    Fully vectorized (loops only over stages and peering rounds): O((n + m) log(n + m)) time for m links,
    memory linear in n + m; 10^6 ASes take seconds.
    """
    n_tier1, n_ixps, n_countries = _check_params(locals())
    check_budget(f"synthetic_topology(n_ases={n_ases})", estimate_bytes(n_ases), memory_budget, "ask for fewer ASes")
    seed_seq = np.random.SeedSequence(seed)
    rng = np.random.default_rng(seed_seq)  # the same stream as default_rng(seed)
    tier = _layout(n_ases, n_tier1, tier2_frac, tier3_frac, n_ixps)
    country = _assign_countries(rng, tier, n_countries, country_zipf)
    fitness = _FITNESS_SCALE[tier] * np.minimum(rng.pareto(fitness_exponent, n_ases) + 1.0, _MAX_FITNESS)
    p2c = _pick_providers(rng, tier, country, fitness, domestic_frac, multihoming)
    p2c = _adopt_orphans(rng, p2c, tier, country)
    p2p = _peer_links(rng, tier, country, fitness, p2c, round(p2p_ratio * len(p2c)), domestic_frac)
    owner, operating = _state_ownership(rng, tier, country, n_countries, state_owned_frac, state_abroad_frac)
    return Topology.from_links(
        np.arange(1, n_ases + 1, dtype=np.int64),
        p2c,
        p2p,
        country_codes=COUNTRY_CODES[:n_countries],
        country=country,
        owner=owner,
        operating=operating,
        tier1=tier == T1,
        ixp=tier == IXP,
        name=f"synthetic-{n_ases}-seed{seed}",
        address_space=_address_space(np.random.default_rng(seed_seq.spawn(1)[0]), tier),
    )


def estimate_bytes(n_ases: int) -> int:
    """Peak memory of :func:`synthetic_topology` for ``n_ases`` ASes, in bytes (an upper estimate)."""
    return BYTES_PER_AS * n_ases + (16 << 20)


def _address_space(rng, tier: np.ndarray) -> np.ndarray:
    """/24 blocks originated per AS: lognormal with the tier's median and spread, rounded and truncated."""
    blocks = _BLOCKS_MEDIAN[tier] * np.exp(_BLOCKS_SIGMA[tier] * rng.standard_normal(len(tier)))
    blocks = np.clip(np.rint(blocks), 1, _MAX_BLOCKS).astype(np.int64)
    blocks[tier == IXP] = 0
    return blocks


def _check_params(params: dict) -> tuple[int, int, int]:
    """Validate the arguments of :func:`synthetic_topology`; return the counts with defaults resolved."""
    n_ases = params["n_ases"]
    _check_number("n_ases", n_ases, MIN_ASES, np.inf, integer=True)
    if params["seed"] is not None:
        _check_number("seed", params["seed"], 0, np.inf, integer=True)
    if params["memory_budget"] is not None:
        _check_number("memory_budget", params["memory_budget"], 1, np.inf, integer=True)
    defaults = {
        "n_tier1": min(17, max(3, n_ases // 100)),
        "n_ixps": max(1, round(n_ases / 2000)),
        "n_countries": min(len(COUNTRY_CODES), round(2 * n_ases**0.5)),
    }
    n_tier1, n_ixps, n_countries = (defaults[k] if params[k] is None else params[k] for k in defaults)
    _check_number("n_tier1", n_tier1, 2, n_ases // 5, integer=True)
    _check_number("n_ixps", n_ixps, 0, n_ases // 20, integer=True)
    _check_number("n_countries", n_countries, 1, min(len(COUNTRY_CODES), n_ases - n_tier1), integer=True)
    for name, lo, hi in (
        ("tier2_frac", 0.0, 0.25),
        ("tier3_frac", 0.0, 0.25),
        ("country_zipf", 0.0, 5.0),
        ("domestic_frac", 0.0, 1.0),
        ("multihoming", 1.0, 10.0),
        ("p2p_ratio", 0.0, 5.0),
        ("fitness_exponent", 0.5, 10.0),
        ("state_owned_frac", 0.0, 0.2),
        ("state_abroad_frac", 0.0, 1.0),
    ):
        _check_number(name, params[name], lo, hi)
    return int(n_tier1), int(n_ixps), int(n_countries)


def _check_number(name: str, value, lo: float, hi: float, *, integer: bool = False) -> None:
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")


def _layout(n: int, n_tier1: int, tier2_frac: float, tier3_frac: float, n_ixps: int) -> np.ndarray:
    n_t2 = max(1, round(tier2_frac * n))
    n_t3 = round(tier3_frac * n)
    counts = [n_tier1, n_t2, n_t3, n - n_tier1 - n_t2 - n_t3 - n_ixps, n_ixps]
    return np.repeat(np.arange(5, dtype=np.int8), counts)


def _assign_countries(rng, tier: np.ndarray, n_countries: int, zipf: float) -> np.ndarray:
    """Tier-1s at their fixed homes; the others a random permutation of Zipf-sized, non-empty countries."""
    homes = np.resize([COUNTRY_CODES.index(code) for code in TIER1_HOMES], np.sum(tier == T1))
    homes[homes >= n_countries] = 0
    n_rest = len(tier) - len(homes)
    share = np.arange(1, n_countries + 1, dtype=float) ** -zipf
    share /= share.sum()
    quota = share * (n_rest - n_countries)  # largest-remainder split of what is left after one AS each
    counts = 1 + np.floor(quota).astype(np.int64)
    counts[np.argsort(np.floor(quota) - quota, kind="stable")[: n_rest - counts.sum()]] += 1
    rest = rng.permutation(np.repeat(np.arange(n_countries), counts))
    return np.concatenate([homes, rest]).astype(np.int16)


class _Pool(NamedTuple):
    """Candidate ASes sorted by (group, index), with cumulative weights for weighted draws inside a group."""

    idx: np.ndarray
    key: np.ndarray  # group * n + idx, ascending
    cum: np.ndarray  # cumulative weight, with a leading 0


def _pool(mask: np.ndarray, group: np.ndarray, weight: np.ndarray) -> _Pool:
    idx = np.flatnonzero(mask)
    key = group[idx].astype(np.int64) * len(mask) + idx
    order = np.argsort(key, kind="stable")
    return _Pool(idx[order], key[order], np.concatenate([[0.0], np.cumsum(weight[idx[order]])]))


def _draw(rng, pool: _Pool, group: np.ndarray, below: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """One weighted draw per query among pool members of ``group`` with index < ``below``; also says which
    queries had no candidate (their draw is meaningless)."""
    if len(pool.idx) == 0:
        return np.zeros(len(group), np.int64), np.ones(len(group), bool)
    base = group.astype(np.int64) * n
    lo, hi = np.searchsorted(pool.key, base), np.searchsorted(pool.key, base + below)
    empty = hi <= lo
    hi = np.where(empty, lo + 1, hi)
    target = pool.cum[lo] + rng.random(len(lo)) * (pool.cum[np.minimum(hi, len(pool.idx))] - pool.cum[lo])
    pos = np.clip(np.searchsorted(pool.cum, target, side="right") - 1, lo, hi - 1)
    return pool.idx[np.minimum(pos, len(pool.idx) - 1)], empty


def _draw_local_or_global(rng, local: _Pool, world: _Pool, country, below, local_frac, n) -> np.ndarray:
    """Draw from the querying AS's country with probability ``local_frac`` (when it has a candidate), else
    from the world pool (grouped as one country, 0), which must hold a candidate for every query."""
    pick, empty = _draw(rng, local, country, below, n)
    go_world = empty | (rng.random(len(pick)) >= local_frac)
    pick[go_world] = _draw(rng, world, np.zeros(go_world.sum(), np.int64), below[go_world], n)[0]
    return pick


def _pick_providers(rng, tier, country, fitness, domestic_frac, multihoming) -> np.ndarray:
    n = len(tier)
    extra = np.array([0.0, multihoming - 0.5, multihoming - 0.5, multihoming - 1.0, 0.0])[tier[tier != T1]]
    n_draws = np.minimum(1 + rng.poisson(extra), _MAX_PROVIDERS)
    cust = np.repeat(np.flatnonzero(tier != T1), n_draws)
    local = _pool((tier == T2) | (tier == T3), country, fitness)
    world = _pool(tier <= T2, np.zeros(n, np.int64), _world_weight(tier, country, fitness))
    local_frac = np.where(tier[cust] == T2, domestic_frac / 2, domestic_frac)
    prov = _draw_local_or_global(rng, local, world, country[cust], cust, local_frac, n)
    key = unique_sorted(prov.astype(np.int64) * n + cust)  # multihoming draws that hit the same provider merge
    return np.stack([key // n, key % n], axis=1)


def _world_weight(tier: np.ndarray, country: np.ndarray, fitness: np.ndarray) -> np.ndarray:
    """Weights of the international transit market: Tier-1s hold a fixed share whatever the number of Tier-2s,
    and Tier-2s of small countries rarely sell abroad."""
    weight = np.where(tier == T2, fitness * _reach(country), fitness)
    weight[tier > T2] = 0.0
    t1 = tier == T1
    weight[t1] *= _TIER1_WORLD_SHARE / weight[t1].sum()
    weight[~t1] *= (1.0 - _TIER1_WORLD_SHARE) / weight[~t1].sum()
    return weight


def _reach(country: np.ndarray) -> np.ndarray:
    """How far an AS's business extends abroad: the square root of its country's size relative to the largest."""
    size = np.bincount(country)
    return np.sqrt(size[country] / size.max())


def _adopt_orphans(rng, p2c: np.ndarray, tier: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Give each transit AS without a customer one stub, domestic when its country has one."""
    n = len(tier)
    orphan = np.flatnonzero((tier == T2) | (tier == T3))
    orphan = orphan[~np.isin(orphan, p2c[:, 0])]
    stubs = _pool(tier == STUB, country, np.ones(n))
    stub, empty = _draw(rng, stubs, country[orphan], np.full(len(orphan), n), n)
    stub[empty] = rng.choice(stubs.idx, empty.sum())
    key = np.sort(np.concatenate([p2c[:, 0] * n + p2c[:, 1], orphan.astype(np.int64) * n + stub]))
    return np.stack([key // n, key % n], axis=1)


def _setdiff(keys: np.ndarray, other: np.ndarray) -> np.ndarray:
    keys = unique_sorted(keys)
    return keys[~np.isin(keys, other)]


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def _peer_links(rng, tier, country, fitness, p2c, n_p2p, domestic_frac) -> np.ndarray:
    """The Tier-1 clique and route-server links, then optional peerings up to ``n_p2p`` links in all."""
    n = len(tier)
    t1_a, t1_b = np.triu_indices(int(np.sum(tier == T1)), k=1)
    members = _ixp_members(rng, tier, country)
    taken = _pair_keys(p2c[:, 0], p2c[:, 1], n)
    fixed = _setdiff(np.concatenate([_pair_keys(t1_a, t1_b, n), _pair_keys(members // n, members % n, n)]), taken)
    pools = _peering_pools(tier, country, fitness, members)
    optional = np.zeros(0, np.int64)
    for _ in range(_MAX_PEERING_ROUNDS):  # repeated pairs shrink a round's yield: top up the deficit
        deficit = n_p2p - len(fixed) - len(optional)
        if deficit <= 0:
            break
        a, b = _candidate_pairs(rng, pools, deficit + deficit // 2 + 1, domestic_frac, n)
        new = _setdiff(_pair_keys(a[a != b], b[a != b], n), np.concatenate([taken, fixed, optional]))
        optional = np.concatenate([optional, rng.permutation(new)[:deficit]])
    key = np.sort(np.concatenate([fixed, optional]))
    return np.stack([key // n, key % n], axis=1)


def _ixp_members(rng, tier, country) -> np.ndarray:
    """Unique ``rs * n + member`` keys: Pareto-sized member sets, mostly ASes of the route server's country."""
    n = len(tier)
    rs = np.flatnonzero(tier == IXP)
    if len(rs) == 0:
        return np.zeros(0, np.int64)
    size = rng.pareto(1.5, len(rs)) + 1.0
    rs = np.repeat(rs, _IXP_MIN_DRAWS + rng.multinomial(round(_IXP_MEMBERSHIPS * n), size / size.sum()))
    scale = _PEERING_SCALE[tier]
    local = _pool(scale > 0, country, scale)
    world = _pool(tier == T2, np.zeros(n, np.int64), scale)
    member = _draw_local_or_global(rng, local, world, country[rs], np.full(len(rs), n), _IXP_LOCAL_FRAC, n)
    return unique_sorted(rs.astype(np.int64) * n + member)


class _PeeringPools(NamedTuple):
    """Who starts a peering (by fitness: large networks peer most) and who accepts (by tier only)."""

    ixp_fit: _Pool  # IXP members grouped by route server
    ixp_any: _Pool
    transit_fit: _Pool  # transit ASes, one group; small countries' carriers rarely go abroad
    local_any: _Pool  # non-Tier-1 ASes grouped by country
    world_any: _Pool
    country: np.ndarray


def _peering_pools(tier, country, fitness, members) -> _PeeringPools:
    n = len(tier)
    scale = _PEERING_SCALE[tier]
    member = members % n
    one_group = np.zeros(n, np.int64)
    return _PeeringPools(
        _Pool(member, members, np.concatenate([[0.0], np.cumsum(fitness[member])])),
        _Pool(member, members, np.concatenate([[0.0], np.cumsum(scale[member])])),
        _pool((tier == T2) | (tier == T3), one_group, fitness * _reach(country)),
        _pool(scale > 0, country, scale),
        _pool(scale > 0, one_group, scale),
        country,
    )


def _candidate_pairs(
    rng, pools: _PeeringPools, n_draws: int, domestic_frac: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate peerings: bilateral between members of one IXP, and private ones started by transit ASes."""
    rs, n_members = np.unique(pools.ixp_fit.key // n, return_counts=True)
    n_ixp = round(_IXP_PEERING_SHARE * n_draws) if len(rs) else 0
    ixp = np.repeat(rs, rng.multinomial(n_ixp, n_members / n_members.sum())) if len(rs) else rs
    everywhere = np.full(n_draws, n)
    a_ixp = _draw(rng, pools.ixp_fit, ixp, everywhere[:n_ixp], n)[0]
    b_ixp = _draw(rng, pools.ixp_any, ixp, everywhere[:n_ixp], n)[0]
    n_private = n_draws - n_ixp
    a = _draw(rng, pools.transit_fit, np.zeros(n_private, np.int64), everywhere[:n_private], n)[0]
    b = _draw_local_or_global(
        rng, pools.local_any, pools.world_any, pools.country[a], everywhere[:n_private], domestic_frac / 2, n
    )
    return np.concatenate([a_ixp, a]), np.concatenate([b_ixp, b])


def _state_ownership(rng, tier, country, n_countries, owned_frac, abroad_frac) -> tuple[np.ndarray, np.ndarray]:
    """A few states (heavy-tailed propensity) own mostly transit ASes at home and, for a share, abroad."""
    n = len(tier)
    owner, operating = np.full(n, -1, np.int16), np.full(n, -1, np.int16)
    n_states = min(n_countries, max(2, round(_STATE_COUNTRY_FRAC * n_countries)))
    states = rng.choice(n_countries, n_states, replace=False)
    propensity = np.zeros(n_countries)
    propensity[states] = rng.pareto(1.0, n_states) + 1.0
    n_owned = round(owned_frac * n)
    n_abroad = round(abroad_frac * n_owned) if n_states > 1 else 0
    home = _weighted_sample(rng, propensity[country] * _STATE_TIER_WEIGHT[tier], n_owned - n_abroad)
    owner[home] = country[home]
    weight = _STATE_TIER_WEIGHT[tier]
    weight[home] = 0.0
    abroad = _weighted_sample(rng, weight, n_abroad)
    pos = rng.choice(n_states, len(abroad), p=propensity[states] / propensity[states].sum())
    pos = np.where(states[pos] == country[abroad], (pos + 1) % n_states, pos)  # a foreign state, never its own
    owner[abroad], operating[abroad] = states[pos], country[abroad]
    return owner, operating


def _weighted_sample(rng, weight: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``weight`` (Efraimidis-Spirakis keys)."""
    positive = np.flatnonzero(weight > 0)
    k = min(k, len(positive))
    if k == 0:
        return positive[:0]
    keys = np.log(rng.random(len(positive))) / weight[positive]
    return np.sort(positive[np.argpartition(-keys, k - 1)[:k]])
