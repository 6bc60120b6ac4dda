"""Hypothesis strategies: small random topologies and matching restrictions, for the reachability property tests.

Use ``topologies()`` alone, or ``topologies_with_restrictions()`` to get ``(topo, Restrictions)``, whose
``_asdict()`` goes straight into the keyword arguments of the reachability functions::

    @given(topologies_with_restrictions())
    def test_kernel_matches_reference(case):
        topo, restr = case
        expected = reference_reach_sets(topo, **restr._asdict())
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.data.topology import UNKNOWN, Topology

COUNTRY_CODES = tuple(f"X{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
"""ISO 3166 user-assigned codes (XA..XZ), so no test pretends to be a real country."""

MAX_ASN = 2**32 - 1


class Restrictions(NamedTuple):
    """Keyword arguments ``removed_links``, ``removed_ases``, ``forbid_transit`` (each may be ``None``)."""

    removed_links: np.ndarray | None
    removed_ases: np.ndarray | None
    forbid_transit: np.ndarray | None


def _planted_cycle(draw, n: int) -> list[tuple[int, int]]:
    """Often, a customer→provider cycle through 3..n ASes as ``(provider, customer)`` rows: sparse random
    orientations alone rarely close one."""
    if n < 3 or not draw(st.booleans()):
        return []
    ring = draw(st.permutations(range(n)))[: draw(st.integers(3, n))]
    return [(ring[k], ring[k - 1]) for k in range(len(ring))]


@st.composite
def topologies(draw, max_ases: int = 12, with_cycles: bool = True, n_countries: int = 3, min_ases: int = 1):
    """Random small :class:`Topology` objects.

    Parameters
    ----------
    max_ases, min_ases : int
        Bounds on the number of ASes.
    with_cycles : bool
        If True, c2p links are oriented at random and may form customer→provider cycles (about half the
        topologies with 3+ ASes get a planted one); if False they follow a random hierarchy (providers rank above
        customers), so the c2p graph is acyclic.
    n_countries : int
        Size of ``country_codes`` (at most 26); each AS gets one of them or ``UNKNOWN`` (-1).

    Notes
    -----
    Each unordered AS pair carries at most one link (no duplicates, no self-loops), drawn with a per-topology link
    density so that dense graphs (cycles, several paths) are common; link order is shuffled, so link ids are
    arbitrary. Shrinks toward fewer ASes and fewer links.
    """
    if not 0 <= n_countries <= len(COUNTRY_CODES):
        raise ValueError(f"n_countries must be in 0..{len(COUNTRY_CODES)}, got {n_countries}")
    n = draw(st.integers(min_ases, max_ases))
    asns = sorted(draw(st.lists(st.integers(1, MAX_ASN), min_size=n, max_size=n, unique=True)))
    rank = draw(st.permutations(range(n))) if not with_cycles else None
    p2c = _planted_cycle(draw, n) if with_cycles else []
    taken = {frozenset(link) for link in p2c}
    n_no_link = draw(st.integers(3, 9))  # out of 10: the density of links
    p2p = []
    for a, b in itertools.combinations(range(n), 2):
        kind = draw(st.integers(0, 9))  # shrinks to 0, "no link"
        if kind < n_no_link or frozenset((a, b)) in taken:
            continue
        if kind % 3 == 0:
            p2p.append((a, b))
        elif rank is not None:
            p2c.append((a, b) if rank[a] < rank[b] else (b, a))  # the higher-ranked AS is the provider
        else:
            p2c.append((a, b) if kind % 3 == 1 else (b, a))
    p2c = [p2c[k] for k in draw(st.permutations(range(len(p2c))))]
    p2p = [p2p[k] for k in draw(st.permutations(range(len(p2p))))]
    country = draw(st.lists(st.integers(UNKNOWN, n_countries - 1), min_size=n, max_size=n))
    return Topology.from_links(
        np.array(asns, dtype=np.int64),
        np.array(p2c, dtype=np.int32).reshape(-1, 2),
        np.array(p2p, dtype=np.int32).reshape(-1, 2),
        country_codes=COUNTRY_CODES[:n_countries],
        country=np.array(country, dtype=np.int16),
        name="hypothesis",
    )


def restrictions(topo: Topology, allow_none: bool = True):
    """A strategy for :class:`Restrictions` matching ``topo``'s links, ASes and country codes.

    Removed links and ASes are drawn as small sets (a few removals keep most of the graph connected);
    ``forbid_transit`` is a dense random matrix. With ``allow_none`` each field may also be ``None`` (the
    "no restriction" default of the functions).
    """
    n_codes = len(topo.country_codes)

    def sparse_mask(length):
        return (
            st.sets(st.integers(0, length - 1), max_size=length).map(
                lambda chosen: np.isin(np.arange(length), list(chosen))
            )
            if length
            else st.just(np.zeros(0, bool))
        )

    def maybe(mask):
        return st.none() | mask if allow_none else mask

    return st.builds(
        Restrictions,
        maybe(sparse_mask(topo.n_links)),
        maybe(sparse_mask(topo.n_ases)),
        maybe(arrays(bool, (n_codes, n_codes), elements=st.booleans())),
    )


def topologies_with_restrictions(allow_none: bool = True, **topology_kwargs):
    """``(topo, Restrictions)`` pairs; ``topology_kwargs`` go to :func:`topologies`."""
    return topologies(**topology_kwargs).flatmap(
        lambda topo: st.tuples(st.just(topo), restrictions(topo, allow_none=allow_none))
    )


def _hub_links(rng: np.random.Generator, n_hubs: int, n_mid: int, n: int, cycle: bool) -> tuple[list, list]:
    """``(provider, customer)`` and peer rows over labels ``0..n-1``: hubs first, then the middle tier, then
    edge ASes; at most one link per unordered pair."""
    p2c, p2p, taken = [], [], set()

    def link(rows, a, b):
        if a != b and frozenset((a, b)) not in taken:
            taken.add(frozenset((a, b)))
            rows.append((a, b))

    for v in range(1, n_hubs):  # hubs: peers of each other, or a hub buying transit from an older one
        link(p2p if rng.random() < 0.7 else p2c, int(rng.integers(0, v)), v)
    for v in range(n_hubs, n):
        upper = n_hubs if v < n_hubs + n_mid else n_hubs + n_mid
        for p in rng.choice(upper, size=min(upper, int(rng.integers(1, 4))), replace=False).tolist():
            # edge ASes mostly buy from hubs: hubs get many customers (targets with many in-edges)
            link(p2c, p if rng.random() < 0.5 or p < n_hubs else int(rng.integers(0, n_hubs)), v)
    if cycle and n_mid >= 3:
        ring = (n_hubs + rng.permutation(n_mid)[: int(rng.integers(3, n_mid + 1))]).tolist()
        for k in range(len(ring)):
            link(p2c, ring[k], ring[k - 1])
    for _ in range(int(rng.integers(0, n // 2 + 1))):
        a, b = rng.choice(np.arange(n_hubs, n), size=2, replace=False).tolist()
        link(p2p, a, b)
    return p2c, p2p


@st.composite
def hub_topologies(draw, min_ases: int = 20, max_ases: int = 60, n_countries: int = 3):
    """Larger random topologies shaped like the Internet's: a few hubs with many customers, a middle tier (often
    holding a customer→provider cycle), edge ASes with 1–3 providers, and random peering.

    Big enough that the reachability kernel's size-dependent branches (targets with many in-edges, chunked
    gathers, several source blocks) run once their thresholds are made small. The shape is drawn by hypothesis;
    the links come from a numpy generator seeded by a drawn seed, and AS indices are shuffled so that hubs do not
    sit at the lowest indices.
    """
    if not 4 <= min_ases <= max_ases:
        raise ValueError(f"min_ases must be in 4..max_ases, got min_ases={min_ases}, max_ases={max_ases}")
    n = draw(st.integers(min_ases, max_ases))
    n_hubs = draw(st.integers(1, 4))
    n_mid = draw(st.integers(0, (n - n_hubs) // 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p2c, p2p = _hub_links(rng, n_hubs, n_mid, n, cycle=draw(st.booleans()))
    index = rng.permutation(n)
    asns = np.sort(rng.choice(MAX_ASN, size=n, replace=False) + 1)
    return Topology.from_links(
        asns,
        index[np.array(p2c, dtype=np.int64).reshape(-1, 2)],
        index[np.array(p2p, dtype=np.int64).reshape(-1, 2)],
        country_codes=COUNTRY_CODES[:n_countries],
        country=rng.integers(UNKNOWN, n_countries, n).astype(np.int16),
        name="hypothesis-hubs",
    )
