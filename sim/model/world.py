"""The world the states regulate: the topology with the indexes the regulations need (links by country and by
AS, markets, border links), and the links bought since (re-homing).

A border link joins ASes of two different known countries. A link to an AS of unknown country is not a border
link for any regulation: the data says nothing about where that AS is, so no state's rule treats it as foreign
(the loader first gives such ASes the country all their neighbours share, see :mod:`sim.data.annotations`)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.arrays import expand_ranges
from sim.data.topology import Topology
from sim.model.market import Market
from sim.reach import ReachPlan
from sim.reach.incremental import ResultMemo
from sim.reach.reuse import plan_reachability, shared_plan


def _csr(n_rows: int, rows: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(indptr, *values)`` with the entries grouped by ``rows`` (stable): one sort for every column."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return (indptr, *(v[order] for v in values))


def _border(end_country: np.ndarray) -> np.ndarray:
    """Whether each link is a border link: its ends lie in two different known countries."""
    return (end_country[:, 0] != end_country[:, 1]) & (end_country[:, 0] >= 0) & (end_country[:, 1] >= 0)


def _inserted(indptr, n_first, rows, first_values, second_values, columns) -> tuple[np.ndarray, ...]:
    """A CSR index of link ends (:func:`_csr` of every link's first ends, then its second ends) with new links'
    ends inserted where the full sort would put them: a row's entries are its old first ends, its new first ends,
    its old second ends, then its new second ends. ``n_first`` counts each row's old first ends; ``rows`` = (the
    new links' first-end rows, their second-end rows), -1 for an end in no row; ``first_values`` and
    ``second_values`` are the new entries' values of each column. Returns ``(indptr, *columns)``."""
    at, values, new_rows, sides = [], [[] for _ in columns], [], []
    for side, (row, vals) in enumerate(zip(rows, (first_values, second_values), strict=True)):
        keep = row >= 0
        row = row[keep]
        at.append(indptr[row] + n_first[row] if side == 0 else indptr[row + 1])
        new_rows.append(row)
        sides.append(np.full(len(row), side))
        for k, v in enumerate(vals):
            values[k].append(v[keep])
    at, new_rows = np.concatenate(at), np.concatenate(new_rows)
    # at one place (rows without old entries between): by row, a row's first ends first, each side in link order
    order = np.lexsort((np.concatenate(sides), new_rows, at))
    out_ptr = indptr + np.r_[0, np.cumsum(np.bincount(new_rows, minlength=len(indptr) - 1))]
    return (out_ptr, *(np.insert(c, at[order], np.concatenate(v)[order]) for c, v in zip(columns, values, strict=True)))


#: attributes a World with links bought keeps from the one before (they depend on the topology, not the links)
_SHARED = ("topo", "n_states", "country", "protected", "n_ases_in", "market_measure", "market")


@dataclass(frozen=True)
class BoughtLink:
    """A customer→provider link an operator bought (re-homing), by ASN."""

    customer: int  # ASN
    provider: int  # ASN
    step: int
    cost: float


#: bytes of reachability answers a World keeps for the runs on it (:class:`~sim.reach.incremental.ResultMemo`):
#: about 70 on the 2016 graph with sampled sources, enough for the runs of a sweep worker that differ only in the
#: mechanism (a tipping-point sweep's order puts them 10 jobs apart)
REACH_MEMO_BYTES = 64 * 2**20
MEMO_ENTRIES = 1024  #: results a World keeps (:meth:`World.remember`): every state's market alone, and blocs'


class World:
    """Index structures over the topology and the links bought since (re-homing), extended into a new World
    when links are added (:meth:`with_bought`).

    Link ids are the model's: the base topology's ids first, then bought links in order. :meth:`kernel_topology`
    and :meth:`to_kernel` translate to the kernel's numbering (c2p links first, then p2p).

    Parameters
    ----------
    topo : Topology
    protected : ndarray of bool, shape (n_ases,)
        ASes a public-core norm protects.
    bought : ndarray of int, shape (n_bought, 2), optional
        ``(provider, customer)`` AS indices of links bought since.
    market : Market, optional
        The market measure (:mod:`sim.model.market`); default: ASes.

    Attributes
    ----------
    market : ndarray of float, shape (K,)
        Each country's market under the measure.
    n_ases_in : ndarray of int64, shape (K,)
        ASes located in each country (a state exists where there is at least one).
    cross : ndarray of bool, shape (n_links,)
        Border links: the two ends lie in two different known countries.
    """

    def __init__(
        self, topo: Topology, protected: np.ndarray, bought: np.ndarray | None = None, market: Market | None = None
    ):
        self.topo = topo
        self.bought = np.zeros((0, 2), np.int64) if bought is None else np.asarray(bought, np.int64).reshape(-1, 2)
        self.n_states = len(topo.country_codes)
        self.ends = np.concatenate([topo.link_endpoints().astype(np.int64), self.bought])
        self.n_links = len(self.ends)
        self.country = topo.country.astype(np.int64)
        self.end_country = self.country[self.ends]
        self.is_p2c = np.r_[np.arange(topo.n_links) < topo.n_p2c, np.ones(len(self.bought), bool)]
        self.protected = protected
        self.protected_link = protected[self.ends].any(axis=1)
        self.n_ases_in = topo.ases_per_country()
        ones = np.ones(topo.n_ases)
        self.market_measure = market if market is not None else Market("ases", ones, ones)
        self.market = self.market_measure.of_countries(self.country, self.n_states)
        n = topo.n_ases
        rows = np.concatenate([self.ends[:, 0], self.ends[:, 1]])
        ids = np.concatenate([np.arange(self.n_links)] * 2)
        # beside each (AS, link) entry: the AS at the other end, and whether the AS sells on that link (a peer
        # link, or the provider's end of a customer link), gathered once instead of per regulation and step
        side0 = np.r_[np.ones(self.n_links, bool), np.zeros(self.n_links, bool)]  # the provider's end of a c2p link
        self.as_indptr, self.as_links, self.as_other, self.as_sells = _csr(
            n,
            rows,
            ids,
            np.concatenate([self.ends[:, 1], self.ends[:, 0]]),
            np.concatenate([~self.is_p2c, ~self.is_p2c]) | side0,
        )
        crow = np.concatenate([self.end_country[:, 0], self.end_country[:, 1]])
        keep = crow >= 0
        self.c_indptr, c_links = _csr(self.n_states, crow[keep], ids[keep])
        self.c_links = c_links
        self.cross = _border(self.end_country)
        self.memo: OrderedDict = OrderedDict()  # results of pure functions of this world, by key (see remember)
        self.reach_memo = ResultMemo(REACH_MEMO_BYTES)

    def with_bought(self, bought: np.ndarray) -> World:
        """This world with the links ``bought`` added after the others (``(provider, customer)`` AS indices): the
        same as ``World(topo, protected, concatenate([self.bought, bought]), market)``, its indexes extended by
        inserting the new links' entries where a fresh build sorts them (each AS's and each country's entries are
        those at a link's first end, then those at its second, each in link order; a bought link comes after
        every other), instead of sorting every link again. The memos start empty."""
        bought = np.asarray(bought, np.int64).reshape(-1, 2)
        new = object.__new__(World)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k in _SHARED})
        new.bought = np.concatenate([self.bought, bought])
        new.ends = np.concatenate([self.ends, bought])
        new.n_links = len(new.ends)
        ids = np.arange(self.n_links, new.n_links)
        end_country = self.country[bought]
        new.end_country = np.concatenate([self.end_country, end_country])
        new.is_p2c = np.r_[self.is_p2c, np.ones(len(bought), bool)]
        new.protected_link = np.r_[self.protected_link, self.protected[bought].any(axis=1)]
        # the provider's end sells on a customer link; the customer's does not
        new.as_indptr, new.as_links, new.as_other, new.as_sells = _inserted(
            self.as_indptr,
            np.bincount(self.ends[:, 0], minlength=len(self.as_indptr) - 1),
            (bought[:, 0], bought[:, 1]),
            (ids, bought[:, 1], np.ones(len(bought), bool)),
            (ids, bought[:, 0], np.zeros(len(bought), bool)),
            (self.as_links, self.as_other, self.as_sells),
        )
        first = self.end_country[:, 0]
        new.c_indptr, new.c_links = _inserted(
            self.c_indptr,
            np.bincount(first[first >= 0], minlength=self.n_states),
            (end_country[:, 0], end_country[:, 1]),
            (ids,),
            (ids,),
            (self.c_links,),
        )
        new.cross = np.r_[self.cross, _border(end_country)]
        new.memo = OrderedDict()
        new.reach_memo = ResultMemo(REACH_MEMO_BYTES)
        return new

    def remember(self, key, make):
        """``make()``, a pure function of this world, computed once per ``key`` and kept. The runs of a sweep
        worker share a World (:class:`sim.FragmentationModel`), and some keys differ from run to run (a bloc's
        market), so only the ``MEMO_ENTRIES`` most recently used are kept."""
        memo = self.memo
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
        value = memo[key] = make()
        if len(memo) > MEMO_ENTRIES:
            memo.popitem(last=False)
        return value

    def links_of_country(self, c: int) -> np.ndarray:
        """Link ids with an end located in country ``c`` (a link inside ``c`` appears twice)."""
        return self.c_links[self.c_indptr[c] : self.c_indptr[c + 1]]

    def links_between(self, c: int, t: int) -> np.ndarray:
        """Link ids (sorted) with one end located in country ``c`` and the other in country ``t`` (``c == t``: the
        links inside ``c``); both known countries."""
        if c < 0 or t < 0:
            raise ValueError(f"links_between: country indices must be known (>= 0), got {c} and {t}")
        keys, links = self._pair_links
        key = min(c, t) * self.n_states + max(c, t)
        return links[np.searchsorted(keys, key, "left") : np.searchsorted(keys, key, "right")]

    @cached_property
    def _pair_links(self) -> tuple[np.ndarray, np.ndarray]:
        """The links between two known countries, by the pair's key ``min × K + max``: (sorted keys, link ids)."""
        ec = self.end_country
        links = np.flatnonzero((ec >= 0).all(axis=1))
        keys = ec[links].min(axis=1) * self.n_states + ec[links].max(axis=1)
        order = np.argsort(keys, kind="stable")
        return keys[order], links[order]

    def links_of_ases(self, ases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(AS, link id) pairs for every link of the given ASes."""
        pos, at = self._entries(ases)
        return ases[pos], self.as_links[at]

    def neighbours_of(self, ases: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(position of the AS in ``ases``, link id, the AS at the other end, whether the AS sells on the link) for
        every link of the given ASes, in the order of :meth:`links_of_ases`."""
        pos, at = self._entries(ases)
        return pos, self.as_links[at], self.as_other[at], self.as_sells[at]

    def _entries(self, ases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts, stops = self.as_indptr[ases], self.as_indptr[ases + 1]
        counts = stops - starts
        return np.repeat(np.arange(len(ases)), counts), expand_ranges(starts, counts)

    def other_end(self, links: np.ndarray, ases: np.ndarray) -> np.ndarray:
        """The AS at the other end of each link from ``ases``."""
        a, b = self.ends[links, 0], self.ends[links, 1]
        return np.where(a == ases, b, a)

    def kernel_topology(self) -> Topology:
        """The topology with the bought links, as the kernel reads it (one object per World)."""
        return self._kernel_topology

    @cached_property
    def _kernel_topology(self) -> Topology:
        if not len(self.bought):
            return self.topo
        topo = self.topo
        p2c = np.concatenate([np.stack([topo.provider, topo.customer], axis=1), self.bought])
        return topo.replace(provider=p2c[:, 0].astype(np.int32), customer=p2c[:, 1].astype(np.int32))

    @cached_property
    def reach_plan(self) -> ReachPlan:
        """The reachability plan of :meth:`kernel_topology`, made once and reused by every step's measurement
        (cut links and transit restrictions only take away). Shared by the Worlds of one topology object (the runs
        of a sweep worker). A World with links bought is a new one, so planned again: it then serves a few
        steps until the next purchase, and is planned without searching redundant edges or grouping stubs (0.03 s
        instead of 0.4 s on the 2016 graph; the same answers)."""
        if len(self.bought):
            return plan_reachability(self.kernel_topology(), prune=False)
        return shared_plan(self.kernel_topology())

    def to_kernel(self, mask: np.ndarray) -> np.ndarray:
        """A mask over the model's link ids, in the kernel's order."""
        n_p2c = self.topo.n_p2c
        return np.concatenate([mask[:n_p2c], mask[self.topo.n_links :], mask[n_p2c : self.topo.n_links]])


def protected_sets(topo: Topology) -> dict[str, np.ndarray]:
    """The topology's named AS sets a norm may protect (``tier1``, ``ixp``, core services), the empty ones left
    out: name -> (n_ases,) bool mask."""
    sets = {"tier1": topo.tier1.copy(), "ixp": topo.ixp.copy()}
    sets.update({name: mask.copy() for name, mask in topo.core_services.items()})
    return {name: mask for name, mask in sets.items() if mask.any()}


def protected_mask(sets: dict[str, np.ndarray], roles, n_ases: int) -> np.ndarray:
    """(n_ases,) bool: the ASes of any of the ``roles`` (a role the topology lacks protects nothing)."""
    protected = np.zeros(n_ases, bool)
    for role in roles:
        protected |= sets.get(role, np.zeros(n_ases, bool))
    return protected


def links_between_states(world: World) -> np.ndarray:
    """(K, K) cross-border link counts between countries."""
    ec = world.end_country[world.cross]
    k = world.n_states
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (ec[:, 0], ec[:, 1]), 1)
    return counts + counts.T
