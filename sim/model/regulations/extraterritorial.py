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

from sim.model.market import share_in
from sim.model.regulations.base import Context, Effect, RegKind, Regulation, cross_of, register
from sim.model.world import World


def serving(world: World, c: int) -> np.ndarray:
    """Foreign ASes (of known country) with a customer or a peer located in ``c``, and ``c``'s state-owned ASes
    located abroad: sorted, unique AS indices."""
    links, _, foreign = cross_of(world, c)
    sells = ~world.is_p2c[links] | (world.ends[links, 0] == foreign)  # a peer, or the provider of c's AS
    owned = np.flatnonzero((world.topo.owner == c) & (world.country != c) & (world.country >= 0))
    return np.unique(np.concatenate([foreign[sells], owned]))


def _served(world: World, c: int, market: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(:func:`serving` of ``c``, each one's :func:`~sim.model.market.share_in` of ``market``, and the links of
    each one to ``c`` as (position in the serving array, link id)): pure functions of the world, so memoized on it
    (a World is rebuilt when links are bought). Both are per AS, so indexing the whole set's answers equals
    computing them for a subset (:func:`cut_links_to` of the leaving operators)."""

    def make():
        bound = serving(world, c)
        at, links, other, _ = world.neighbours_of(bound)
        to_c = world.country[other] == c
        return bound, share_in(world, world.market_measure, bound, market), at[to_c], links[to_c]

    return world.remember(("extraterritorial", c, tuple(np.asarray(market).ravel().tolist())), make)


def carry_over(old: World, new: World, touched: np.ndarray) -> None:
    """Give ``new`` (``old`` with links bought between the ``touched`` ASes) the memo entries of :func:`_served`
    that the purchase leaves as they were. An entry of state ``c`` and a market of countries lists the ASes that
    serve ``c``, their shares of the market and their links to ``c``; a bought link changes them only through its
    ends: a new neighbour of an AS located in ``c`` (a new serving AS), or a new customer of a serving AS (its
    share, its links). So an entry is kept when no touched AS is one of its serving ASes or is located in ``c`` or
    in a country of its market; the link ids it holds stay valid (bought links come after the others)."""
    located = np.zeros(old.n_states + 1, bool)  # the last slot: unknown country
    located[old.country[touched]] = True
    for key, entry in list(old.memo.items()):
        if not (isinstance(key, tuple) and key[0] == "extraterritorial"):
            continue
        _, c, market = key
        bound = entry[0]
        if located[c] or located[list(market)].any() or np.isin(touched, bound).any():
            continue
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
