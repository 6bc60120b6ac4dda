"""The AS-level topology: ASes, business relationships and the facts a regulation model needs.

ASNs are mapped once to contiguous indices ``0 .. n_ases-1`` (``asns[idx]`` is the ASN, ascending), and every
array here is indexed by those indices. Links are numbered too: the ``n_p2c`` customer→provider links come first,
then the ``n_p2p`` peer–peer links, so one boolean mask over ``n_links`` removes any subset of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import NamedTuple

import numpy as np

from sim.data.outlines import CountryFacts, country_facts

UNKNOWN = -1
"""Country index of an AS whose jurisdiction is not known."""

DNS_ROOT_OPERATOR_ASNS = (26415, 394353, 2149, 10886, 21556, 3557, 5927, 1508, 29216, 25152, 20144, 7500)
"""Origin ASes of the 13 DNS root-server letters (Verisign A/J, USC-ISI B, Cogent C, UMD D, NASA E, ISC F,
DISA G, ARL H, Netnod I, RIPE NCC K, ICANN L, WIDE M). The default ``dns_root`` core-service list."""


class Rel(IntEnum):
    """Business relationship of a link, coded as in CAIDA's AS-relationship files."""

    P2C = -1  #: provider → customer (the first AS is the provider)
    P2P = 0  #: settlement-free peers


class Adjacency(NamedTuple):
    """CSR adjacency: the neighbours of ``idx`` are ``nbr[indptr[idx]:indptr[idx + 1]]``, over ``link``."""

    indptr: np.ndarray  # (n_ases + 1,) int64
    nbr: np.ndarray  # (n_entries,) int32 neighbour index
    link: np.ndarray  # (n_entries,) int32 link id

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)


def _csr(n: int, rows: np.ndarray, cols: np.ndarray, links: np.ndarray) -> Adjacency:
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Adjacency(indptr, cols[order].astype(np.int32), links[order].astype(np.int32))


@dataclass(frozen=True, eq=False)
class Topology:
    """An AS graph with c2p and p2p links and per-AS annotations.

    Build one with :func:`sim.load_topology`, :func:`sim.synthetic_topology` or :meth:`Topology.from_links`.

    Attributes
    ----------
    asns : (n_ases,) int64, ascending
        ``asns[idx]`` is the AS number of index ``idx``.
    provider, customer : (n_p2c,) int32
        Customer→provider links: ``provider[k]`` sells transit to ``customer[k]``; link id ``k``.
    peer_a, peer_b : (n_p2p,) int32
        Peer–peer links with ``peer_a < peer_b``; link id ``n_p2c + k``.
    country : (n_ases,) int16
        Index into ``country_codes`` of the AS's jurisdiction, ``UNKNOWN`` (-1) when not known.
    owner : (n_ases,) int16
        Index into ``country_codes`` of the state owning the AS, -1 for privately held ASes.
    operating : (n_ases,) int16
        For a state-owned AS operating abroad, the index of the country it operates in, else -1.
    tier1, ixp : (n_ases,) bool
        Public-core roles of the routing core: the Tier-1 clique and IXP route servers.
    core_services : mapping of name → (n_ases,) bool
        Other public-core ASes by service (e.g. ``dns_root``), from configurable ASN lists.
    name : str
        A label (file name or synthetic spec).
    provenance : mapping
        How the topology was made: input files, their sha256, the loaders' reports.
    address_space : (n_ases,) int64
        IPv4 address space the AS originates, in /24 blocks; 0 when there is no data. Defaults to all 0.
    country_inferred : (n_ases,) bool
        True where ``country`` was inferred from the AS's neighbours rather than read from a file
        (:func:`sim.data.inference.infer_countries`). Defaults to all False.
    """

    asns: np.ndarray
    provider: np.ndarray
    customer: np.ndarray
    peer_a: np.ndarray
    peer_b: np.ndarray
    country_codes: tuple[str, ...]
    country: np.ndarray
    owner: np.ndarray
    operating: np.ndarray
    tier1: np.ndarray
    ixp: np.ndarray
    core_services: Mapping[str, np.ndarray] = field(default_factory=dict)
    name: str = ""
    provenance: Mapping[str, object] = field(default_factory=dict)
    address_space: np.ndarray | None = None
    country_inferred: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.asns)
        if n and np.any(np.diff(self.asns) <= 0):
            raise ValueError("asns must be strictly ascending")
        # per-AS fields added after the others: absent means "no data" / "nothing inferred" (frozen: set here)
        for arr_name, dtype in (("address_space", np.int64), ("country_inferred", bool)):
            arr = getattr(self, arr_name)
            object.__setattr__(self, arr_name, np.zeros(n, dtype) if arr is None else np.asarray(arr, dtype=dtype))
        for arr_name in ("country", "owner", "operating", "tier1", "ixp", "address_space", "country_inferred"):
            if len(getattr(self, arr_name)) != n:
                raise ValueError(f"{arr_name} has length {len(getattr(self, arr_name))}, expected n_ases={n}")
        for arr_name, arr in (
            ("provider", self.provider),
            ("customer", self.customer),
            ("peer_a", self.peer_a),
            ("peer_b", self.peer_b),
        ):
            if len(arr) and (arr.min() < 0 or arr.max() >= n):
                raise ValueError(f"{arr_name} holds an index outside 0..{n - 1}")
        if n and self.address_space.min() < 0:
            raise ValueError("address_space holds a negative count of /24 blocks")
        if np.any(self.country_inferred & (self.country < 0)):
            raise ValueError("country_inferred marks an AS whose country is unknown")
        for key, mask in self.core_services.items():
            if len(mask) != n:
                raise ValueError(f"core_services[{key!r}] has length {len(mask)}, expected n_ases={n}")

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_links(
        cls,
        asns: np.ndarray,
        p2c: np.ndarray,
        p2p: np.ndarray,
        *,
        country_codes: tuple[str, ...] = (),
        country: np.ndarray | None = None,
        owner: np.ndarray | None = None,
        operating: np.ndarray | None = None,
        tier1: np.ndarray | None = None,
        ixp: np.ndarray | None = None,
        core_services: Mapping[str, np.ndarray] | None = None,
        name: str = "",
        address_space: np.ndarray | None = None,
        country_inferred: np.ndarray | None = None,
    ) -> Topology:
        """Build a topology from index arrays.

        Parameters
        ----------
        asns : (n,) int
            AS numbers, strictly ascending; the index of each is its position.
        p2c : (n_p2c, 2) int
            Rows ``(provider_idx, customer_idx)``.
        p2p : (n_p2p, 2) int
            Rows ``(idx, idx)``; stored with the smaller index first.
        country_codes, country, owner, operating, tier1, ixp, core_services, name, address_space, country_inferred
            As the fields of the same names; each defaults to "unknown / none / False / 0".
        """
        asns = np.asarray(asns, dtype=np.int64)
        n = len(asns)
        p2c = np.asarray(p2c, dtype=np.int32).reshape(-1, 2)
        p2p = np.sort(np.asarray(p2p, dtype=np.int32).reshape(-1, 2), axis=1)

        def filled(arr, dtype, fill):
            return np.full(n, fill, dtype=dtype) if arr is None else np.asarray(arr, dtype=dtype)

        return cls(
            asns=asns,
            provider=np.ascontiguousarray(p2c[:, 0]),
            customer=np.ascontiguousarray(p2c[:, 1]),
            peer_a=np.ascontiguousarray(p2p[:, 0]),
            peer_b=np.ascontiguousarray(p2p[:, 1]),
            country_codes=tuple(country_codes),
            country=filled(country, np.int16, UNKNOWN),
            owner=filled(owner, np.int16, UNKNOWN),
            operating=filled(operating, np.int16, UNKNOWN),
            tier1=filled(tier1, bool, False),
            ixp=filled(ixp, bool, False),
            core_services={k: np.asarray(v, dtype=bool) for k, v in (core_services or {}).items()},
            name=name,
            address_space=filled(address_space, np.int64, 0),
            country_inferred=filled(country_inferred, bool, False),
        )

    def replace(self, **changes) -> Topology:
        """A copy with some fields changed (cached derived arrays are recomputed)."""
        return dataclasses.replace(self, **changes)

    # -- sizes --------------------------------------------------------------------------------------------
    @property
    def n_ases(self) -> int:
        return len(self.asns)

    @property
    def n_p2c(self) -> int:
        return len(self.provider)

    @property
    def n_p2p(self) -> int:
        return len(self.peer_a)

    @property
    def n_links(self) -> int:
        return self.n_p2c + self.n_p2p

    @property
    def n_countries(self) -> int:
        """Number of distinct countries that at least one AS is located in."""
        return int(np.unique(self.country[self.country >= 0]).size)

    # -- index maps ---------------------------------------------------------------------------------------
    def asn_to_idx(self, asns) -> np.ndarray:
        """Indices of ASNs (array in, array out); raises ``KeyError`` naming ASNs not in the topology."""
        asns = np.atleast_1d(np.asarray(asns, dtype=np.int64))
        idx = np.searchsorted(self.asns, asns)
        idx_clipped = np.minimum(idx, max(self.n_ases - 1, 0))
        missing = (idx >= self.n_ases) | (self.asns[idx_clipped] != asns) if self.n_ases else np.ones_like(asns, bool)
        if np.any(missing):
            raise KeyError(f"ASNs not in the topology: {asns[missing][:10].tolist()}")
        return idx.astype(np.int64)

    def idx_to_asn(self, idx) -> np.ndarray:
        return self.asns[np.asarray(idx)]

    def mask_of(self, asns) -> np.ndarray:
        """Boolean mask over ASes of the given ASNs; ASNs absent from the topology are ignored."""
        asns = np.asarray(list(asns), dtype=np.int64)
        return np.isin(self.asns, asns)

    @property
    def n_slots(self) -> int:
        """Country slots of the kernels' per-country counts: one per country code, the last for "unknown"."""
        return len(self.country_codes) + 1

    @cached_property
    def country_slot(self) -> np.ndarray:
        """(n_ases,) int64: each AS's country index, ``len(country_codes)`` (the last slot) when unknown."""
        return np.where(self.country < 0, len(self.country_codes), self.country).astype(np.int64)

    @cached_property
    def facts(self) -> CountryFacts:
        """Population and GDP of each country of ``country_codes`` (NaN where the outlines have none), read once
        from the outlines file of the data folder, else the package's copy (:mod:`sim.data.outlines`)."""
        return country_facts(self.country_codes)

    def ases_per_country(self) -> np.ndarray:
        """(len(country_codes),) int64: ASes located in each country (those of unknown country left out)."""
        return np.bincount(self.country_slot, minlength=self.n_slots)[:-1]

    def country_index(self, code: str) -> int:
        try:
            return self.country_codes.index(code)
        except ValueError:
            raise KeyError(f"country {code!r} is not in the topology") from None

    # -- adjacency (CSR, cached) ----------------------------------------------------------------------------
    @cached_property
    def providers(self) -> Adjacency:
        """For each AS, its providers (over c2p link ids)."""
        return _csr(self.n_ases, self.customer, self.provider, np.arange(self.n_p2c))

    @cached_property
    def customers(self) -> Adjacency:
        """For each AS, its customers (over c2p link ids)."""
        return _csr(self.n_ases, self.provider, self.customer, np.arange(self.n_p2c))

    @cached_property
    def peers(self) -> Adjacency:
        """For each AS, its peers (over p2p link ids ``n_p2c + k``)."""
        ids = np.arange(self.n_p2c, self.n_links)
        rows = np.concatenate([self.peer_a, self.peer_b])
        cols = np.concatenate([self.peer_b, self.peer_a])
        return _csr(self.n_ases, rows, cols, np.concatenate([ids, ids]))

    def link_endpoints(self) -> np.ndarray:
        """(n_links, 2) int32: ``(provider, customer)`` for c2p links, then ``(peer_a, peer_b)``."""
        return np.stack(
            [np.concatenate([self.provider, self.peer_a]), np.concatenate([self.customer, self.peer_b])], axis=1
        )

    def degree(self) -> np.ndarray:
        """Total number of links of each AS."""
        return self.providers.degree() + self.customers.degree() + self.peers.degree()

    def is_stub(self) -> np.ndarray:
        """ASes with no customers."""
        return self.customers.degree() == 0

    # -- structure ------------------------------------------------------------------------------------------
    def p2c_cycles(self) -> list[np.ndarray]:
        """Customer→provider cycles: strongly connected components of size > 1, each as sorted ASNs."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        n = self.n_ases
        graph = csr_matrix((np.ones(self.n_p2c, np.int8), (self.customer, self.provider)), shape=(n, n))
        _, labels = connected_components(graph, directed=True, connection="strong")
        sizes = np.bincount(labels)
        big = np.flatnonzero(sizes > 1)
        order = np.argsort(labels, kind="stable")
        groups = np.split(order, np.cumsum(sizes)[:-1])
        return [np.sort(self.asns[groups[c]]) for c in big]

    # -- export ---------------------------------------------------------------------------------------------
    def to_networkx(self):
        """A ``networkx.DiGraph`` on ASNs: ``rel='p2c'`` edges provider→customer and ``rel='c2p'`` back,
        ``rel='p2p'`` edges both ways; nodes carry ``country``, ``country_inferred``, ``owner``, ``tier1``,
        ``ixp`` and ``address_space`` (/24 blocks, 0 = no data)."""
        import networkx as nx

        g = nx.DiGraph()
        codes = self.country_codes

        def code(i):
            return codes[i] if i >= 0 else None

        for i, asn in enumerate(self.asns.tolist()):
            g.add_node(
                asn,
                country=code(self.country[i]),
                country_inferred=bool(self.country_inferred[i]),
                owner=code(self.owner[i]),
                tier1=bool(self.tier1[i]),
                ixp=bool(self.ixp[i]),
                address_space=int(self.address_space[i]),
            )
        a = self.asns
        for p, c in zip(a[self.provider].tolist(), a[self.customer].tolist(), strict=True):
            g.add_edge(p, c, rel="p2c")
            g.add_edge(c, p, rel="c2p")
        for x, y in zip(a[self.peer_a].tolist(), a[self.peer_b].tolist(), strict=True):
            g.add_edge(x, y, rel="p2p")
            g.add_edge(y, x, rel="p2p")
        return g

    def summary(self) -> dict:
        """The facts ``fragsim-data info`` prints (plain Python types, JSON-ready)."""
        deg = self.degree()
        return {
            "name": self.name,
            "n_ases": self.n_ases,
            "n_links": self.n_links,
            "n_p2c": self.n_p2c,
            "n_p2p": self.n_p2p,
            "n_tier1": int(self.tier1.sum()),
            "n_ixp": int(self.ixp.sum()),
            "n_with_country": int((self.country >= 0).sum()),
            "n_without_country": int((self.country < 0).sum()),
            "n_country_inferred": int(self.country_inferred.sum()),
            "n_countries": self.n_countries,
            "n_state_owned": int((self.owner >= 0).sum()),
            "n_state_owned_abroad": int((self.operating >= 0).sum()),
            "n_p2c_cycles": len(self.p2c_cycles()),
            "n_stubs": int(self.is_stub().sum()),
            "n_with_address_space": int((self.address_space > 0).sum()),
            "address_space_blocks": int(self.address_space.sum()),
            "max_degree": int(deg.max()) if self.n_ases else 0,
            "core_services": {k: int(v.sum()) for k, v in self.core_services.items()},
        }
