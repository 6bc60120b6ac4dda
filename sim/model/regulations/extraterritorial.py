"""Extraterritorial rule of state ``c``: it binds the foreign operators that serve ``c``'s market, and ``c``'s
state-owned ASes abroad. A bound operator whose home state's rules conflict with ``c``'s cannot obey both at no
cost: it complies (a compliance cost, no link change) or exits ``c``'s market (cuts its links to ``c``'s ASes,
and only those), whichever costs it less. A foreign rule never makes an operator cut links inside its home country.

The rule, per bound operator ``o`` of home country ``h`` (known, not ``c``), when the rules of ``c`` and ``h``
conflict (their profiles are farther apart than the tolerance and no mechanism coordinates them):

- ``o`` *serves* ``c``'s market when it has a customer or a peer located in ``c`` (a network that only buys
  transit from ``c``'s networks does not sell anything there), or when ``c`` owns it;
- the *severity* of the conflict is how far past the tolerance the two profiles are, from 0 (at the tolerance) to
  1 (the largest possible distance);
- complying costs ``o`` the share ``compliance_cost × severity`` of its business; exiting costs it the share of
  its business in ``c``: its customers' and peers' worth located in ``c`` (:func:`sim.model.market.share_in`);
  when ``c`` belongs to a bloc, in the whole bloc (one rulebook: leaving it means leaving every member's market);
- ``o`` exits when complying costs strictly more (a tie complies: leaving a market is the bigger step); an AS
  ``c`` owns always complies with its owner. With ``operator_choice="exit"`` every torn operator exits (the
  worst case, as if home law always came first).
"""

from __future__ import annotations

import numpy as np

from sim.model.market import shares_of
from sim.model.regulations.base import Context, Effect, RegKind, Regulation, cross_of, register
from sim.model.world import World


def serving(world: World, c: int) -> np.ndarray:
    """Foreign ASes (of known country) with a customer or a peer located in ``c``, and ``c``'s state-owned ASes
    located abroad: sorted, unique AS indices."""
    links, _, foreign = cross_of(world, c)
    sells = ~world.is_p2c[links] | (world.ends[links, 0] == foreign)  # a peer, or the provider of c's AS
    owned = np.flatnonzero((world.topo.owner == c) & (world.country != c) & (world.country >= 0))
    return np.unique(np.concatenate([foreign[sells], owned]))


def _rows(world: World, c: int, market: np.ndarray, ases: np.ndarray, neighbours: tuple) -> tuple[np.ndarray, ...]:
    """The entry of :func:`_served` restricted to the ASes of ``ases`` (sorted, unique) that serve ``c``, from
    ``neighbours`` (``world.neighbours_of(ases)``): (those ASes, each one's share of the market, its links to
    ``c`` as (position among them, link id), each AS's in the World's order)."""
    at, links, other, sells = neighbours
    sells_there = np.zeros(len(ases), bool)
    sells_there[at[sells & (world.country[other] == c)]] = True
    home = world.country[ases]
    # serving()'s rule per AS (test_entries_updated_after_purchases_equal_entries_computed_afresh holds them equal)
    serve = (home != c) & (home >= 0) & (sells_there | (world.topo.owner[ases] == c))
    pick = serve[at]
    at, links, other, sells = (np.cumsum(serve) - 1)[at[pick]], links[pick], other[pick], sells[pick]
    to_c = world.country[other] == c
    n = int(serve.sum())
    return (
        ases[serve],
        shares_of(world, world.market_measure, at[sells], other[sells], n, market),
        at[to_c],
        links[to_c],
    )


SERVED, STALE = "extraterritorial", "extraterritorial-before-purchase"  #: memo keys of entries, and of stale ones


def _served(world: World, c: int, market: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(:func:`serving` of ``c``, each one's :func:`~sim.model.market.share_in` of ``market``, and the links of
    each one to ``c`` as (position in the serving array, link id)): pure functions of the world, so memoized on it
    (a World is replaced by an extended one when links are bought; :func:`carry_over` then leaves an entry to
    update). Every part is per AS, so indexing the whole set's answers equals computing them for a subset
    (:func:`cut_links_to` of the leaving operators)."""
    key = (c, tuple(np.asarray(market).ravel().tolist()))

    def make():
        stale = world.memo.pop((STALE, *key), None)
        if stale is not None:
            return _updated(world, c, market, *stale)
        bound = serving(world, c)
        return _rows(world, c, market, bound, world.neighbours_of(bound))

    return world.remember((SERVED, *key), make)


def _updated(world: World, c: int, market: np.ndarray, entry: tuple, touched: np.ndarray) -> tuple[np.ndarray, ...]:
    """``entry`` of :func:`_served` in a world before links were bought between the ``touched`` ASes (sorted,
    unique), brought up to date: the same arrays :func:`_served` computes afresh. A bought link changes an entry
    only in the rows of its two ends (a new neighbour, so perhaps a new serving AS, a new share, a new link to
    ``c``); every other row, with its links in the World's order, is kept."""
    bound, share, at, links = entry
    keep = ~np.isin(bound, touched, assume_unique=True)
    # the touched ASes' links, gathered once per World for every entry brought up to date in it
    neighbours = world.remember(("neighbours", touched.tobytes()), lambda: world.neighbours_of(touched))
    fresh = _rows(world, c, market, touched, neighbours)
    merged = np.concatenate([bound[keep], fresh[0]])
    order = np.argsort(merged, kind="stable")
    kept_link = keep[at]
    owner = np.concatenate([bound[at[kept_link]], fresh[0][fresh[2]]])  # each link's serving AS
    by_owner = np.argsort(owner, kind="stable")  # grouped by AS, each AS's links in their order
    new_bound = merged[order]
    return (
        new_bound,
        np.concatenate([share[keep], fresh[1]])[order],
        np.searchsorted(new_bound, owner[by_owner]),
        np.concatenate([links[kept_link], fresh[3]])[by_owner],
    )


def carry_over(old: World, new: World, touched: np.ndarray) -> None:
    """Give ``new`` (``old`` with links bought between the ``touched`` ASes, sorted and unique) the memo entries of
    :func:`_served`: as they were when the purchase leaves them unchanged, else to be updated on first use
    (:func:`_updated`: a few rows recomputed, not the whole market). An entry of state ``c`` and a market of
    countries lists the ASes that serve ``c``, their shares of the market and their links to ``c``; a bought link
    changes them only through its ends: a new neighbour of an AS located in ``c`` (a new serving AS), or a new
    customer of a serving AS (its share, its links). So an entry is kept when no touched AS is one of its serving
    ASes or is located in ``c`` or in a country of its market; the link ids it holds stay valid (bought links come
    after the others). A stale entry stays stale, with the ASes touched since added."""
    located = np.zeros(old.n_states + 1, bool)  # the last slot: unknown country
    located[old.country[touched]] = True
    for key, entry in list(old.memo.items()):
        if not isinstance(key, tuple) or key[0] not in (SERVED, STALE):
            continue
        _, c, market = key
        if key[0] == STALE:
            new.memo[key] = (entry[0], np.union1d(entry[1], touched))
        elif located[c] or located[list(market)].any() or np.isin(touched, entry[0]).any():
            new.memo[(STALE, c, market)] = (entry, touched)
        else:
            new.memo[key] = entry


def prepare(world: World, bloc_of: dict[int, np.ndarray], countries) -> None:
    """Work out now what an extraterritorial rule of each of ``countries`` will ask of the world (its serving
    operators, their shares of the market, their links), so that the first step that adopts one does not: a
    dashboard does it while the model is built, not on the first click. Changes no result (it fills a memo)."""
    for c in countries:
        _served(world, int(c), bloc_of.get(int(c), np.array([int(c)])))


@register(RegKind.EXTRATERRITORIAL)
def extraterritorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    """The links of the operators that exit ``c``'s market; ``n_conflicts`` counts the torn operators."""
    c = reg.state
    served, share, link_at, link_to_c = _served(world, c, ctx.bloc_of.get(c, np.array([c])))
    torn = np.flatnonzero(ctx.conflict[c, world.country[served]])
    bound, home, share = served[torn], world.country[served[torn]], share[torn]
    if ctx.operator_choice == "exit":
        exits = np.ones(len(bound), bool)
        cost = np.zeros(len(bound))
    else:
        severity = ctx.severity[c, home] if ctx.severity is not None else np.ones(len(bound))
        cost = ctx.compliance_cost * severity
        exits = (cost > share) & (world.topo.owner[bound] != c)
    leaving = np.zeros(len(served), bool)
    leaving[torn[exits]] = True
    return Effect(link_to_c[leaving[link_at]], int(len(bound)), int(exits.sum()), float(cost[~exits].sum()))
