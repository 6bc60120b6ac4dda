"""What a market is worth: the measure behind "the larger market" (states) and "the value of a market to an
operator" (comply or exit).

Three measures, chosen by the ``market`` parameter:

==================  ==========================================  ===============================================
measure             a country's market                          what a link to an AS is worth to its neighbour
==================  ==========================================  ===============================================
``address_space``   /24 blocks originated by its ASes           /24 blocks in that AS's customer cone
``ases``            ASes located there                          one (a share of neighbours)
``cone``            sum of its ASes' customer cones (in ASes)   that AS's customer cone (in ASes)
``population``      its population (Natural Earth estimate)     the population in that AS's customer cone
``gdp``             its GDP (Natural Earth estimate)            the GDP in that AS's customer cone
==================  ==========================================  ===============================================

``address_space`` is the default: it counts the users and services a market holds, where the AS count makes a
country of many small networks weigh as much as one of a few large ones. The value of country ``c``'s market to an
operator is the share of its customers' and peers' worth that lies in ``c`` (its business: what it sells transit
and peering to, weighed by what sits behind each; its providers sell to it and are not its market).

Missing data: an AS without address-space data (a transit-only AS, or one whose country was inferred) originates
nothing, so it adds nothing to its country's market, but its customer cone still carries its customers' address
space. An operator whose neighbours are all worth nothing under the measure (no address-space data anywhere below
them) falls back to the share of its customers and peers. A topology with no address-space data at all (a
hand-built one) falls back to the ``ases`` measure, with a warning; :attr:`Market.measure` names the measure
actually used.

``population`` and ``gdp`` spread a country's fact (:attr:`sim.data.topology.Topology.facts`) evenly over its
ASes, so that a country's market is its population (GDP) and an AS carries its share of it down its customer
cone. A country without facts (no outline at 1:110m: Singapore, Hong Kong...) is worth nothing under them, and a
topology without any facts falls back to ``ases``, with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from sim.data.topology import Topology
from sim.reach.cones import customer_cone_sizes

log = logging.getLogger(__name__)

MARKET_MEASURES = ("address_space", "ases", "cone", "population", "gdp")


@dataclass(frozen=True)
class Market:
    """Per-AS weights of one market measure."""

    measure: str
    own: np.ndarray  #: (n_ases,) float: what each AS adds to its country's market
    worth: np.ndarray  #: (n_ases,) float: what a link to the AS is worth to its neighbour

    def of_countries(self, country: np.ndarray, n_states: int) -> np.ndarray:
        """(n_states,) float: each country's market (ASes of unknown country left out)."""
        known = country >= 0
        return np.bincount(country[known], weights=self.own[known], minlength=n_states)


def market_weights(topo: Topology, measure: str, cone: np.ndarray) -> Market:
    """The weights of ``measure`` on ``topo``; ``cone`` is the customer cone size of each AS.

    Raises
    ------
    ValueError
        ``measure`` is unknown.
    """
    if measure == "address_space":
        space = topo.address_space.astype(np.float64)
        if space.any():
            return Market(measure, space, customer_cone_sizes(topo, weights=space))
        log.warning("market: topology %r has no address-space data; markets are counted in ASes", topo.name)
        measure = "ases"
    if measure in ("population", "gdp"):
        own = _spread_facts(topo, measure)
        if own.any():
            return Market(measure, own, customer_cone_sizes(topo, weights=own))
        log.warning("market: topology %r has no country %s; markets are counted in ASes", topo.name, measure)
        measure = "ases"
    if measure == "ases":
        ones = np.ones(topo.n_ases)
        return Market(measure, ones, ones)
    if measure == "cone":
        cone = cone.astype(np.float64)
        return Market(measure, cone, cone)
    raise ValueError(f"market must be one of {list(MARKET_MEASURES)}, got {measure!r}")


def _spread_facts(topo: Topology, fact: str) -> np.ndarray:
    """(n_ases,) float: each AS's share of its country's ``fact`` (population or gdp), the country's value split
    evenly over its ASes; 0 for ASes of unknown country or of a country without the fact."""
    per_country = np.nan_to_num(getattr(topo.facts, fact), nan=0.0)
    n_in = topo.ases_per_country()
    share = np.where(n_in > 0, per_country / np.maximum(n_in, 1), 0.0)
    return np.where(topo.country >= 0, share[np.maximum(topo.country, 0)], 0.0)


def share_in(world, market: Market, ases: np.ndarray, countries) -> np.ndarray:
    """For each AS of ``ases`` (sorted, unique), the share of its business located in ``countries`` (one country,
    or the members of a bloc, whose single rulebook makes one market): the worth of its customers and peers there
    over the worth of all its customers and peers (its providers sell to it, so they are not its market).

    An AS whose customers and peers are all worth nothing gets the share of them located there instead; one
    with no customer and no peer gets 0.
    """
    pos, _, other, sells = world.neighbours_of(ases)
    return shares_of(world, market, pos[sells], other[sells], len(ases), countries)


def shares_of(world, market: Market, pos: np.ndarray, other: np.ndarray, n: int, countries) -> np.ndarray:
    """:func:`share_in` of ``n`` ASes from their customers and peers: ``other[i]`` is a customer or a peer of the
    AS at position ``pos[i]`` (each AS's in the World's order: the sums are then the same to the last bit)."""
    in_market = np.zeros(world.n_states + 1, bool)  # the last slot: unknown country (-1), never in the market
    in_market[np.asarray(countries)] = True
    there = in_market[world.country[other]].astype(np.float64)
    worth = market.worth[other]
    total = np.bincount(pos, weights=worth, minlength=n)
    inside = np.bincount(pos, weights=worth * there, minlength=n)
    count = np.bincount(pos, minlength=n)
    count_in = np.bincount(pos, weights=there, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / total, np.where(count > 0, count_in / np.maximum(count, 1), 0.0))
