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
from sim.model.regulations.base import Context, Effect, RegKind, Regulation, cross_of, cut_links_to, register
from sim.model.world import World


def serving(world: World, c: int) -> np.ndarray:
    """Foreign ASes (of known country) with a customer or a peer located in ``c``, and ``c``'s state-owned ASes
    located abroad: sorted, unique AS indices."""
    links, _, foreign = cross_of(world, c)
    sells = ~world.is_p2c[links] | (world.ends[links, 0] == foreign)  # a peer, or the provider of c's AS
    owned = np.flatnonzero((world.topo.owner == c) & (world.country != c) & (world.country >= 0))
    return np.unique(np.concatenate([foreign[sells], owned]))


@register(RegKind.EXTRATERRITORIAL)
def extraterritorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    """The links of the operators that exit ``c``'s market; ``n_conflicts`` counts the torn operators."""
    c = reg.state
    bound = serving(world, c)
    home = world.country[bound]
    torn = ctx.conflict[c, home]
    bound, home = bound[torn], home[torn]
    if ctx.operator_choice == "exit":
        exits = np.ones(len(bound), bool)
        cost = np.zeros(len(bound))
    else:
        severity = ctx.severity[c, home] if ctx.severity is not None else np.ones(len(bound))
        cost = ctx.compliance_cost * severity
        market = ctx.bloc_of.get(c, np.array([c]))
        exits = (cost > share_in(world, world.market_measure, bound, market)) & (world.topo.owner[bound] != c)
    leaving = bound[exits]
    return Effect(
        cut_links_to(world, leaving, np.full(len(leaving), c)),
        int(len(bound)),
        int(exits.sum()),
        float(cost[~exits].sum()),
    )
