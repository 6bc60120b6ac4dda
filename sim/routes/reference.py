"""Slow, obviously-correct best-path routes to one destination: the ground truth of the routes kernel.

BGP is run literally. Every AS holds at most one route, an AS path to the destination; in synchronous rounds each
AS takes the best route that its neighbours export to it, until no route changes:

- **export** (Gao-Rexford): a route learned from a customer, or the destination's own, goes to every neighbour; a
  route learned from a peer or a provider goes to customers only;
- **loop prevention**: an AS refuses a route whose path already holds it;
- **preference** (BGPy 13's default ``BGP`` policy): routes from customers, then from peers, then from providers;
  then the shorter AS path; then the lowest next-hop ASN.

The rounds stop at the stable state, which is unique: preference by class and then by length admits no dispute
wheel, customer→provider cycles included (every wheel would need each pivot to prefer a strictly shorter route of
the same class through its successor, or a better class that the successor cannot export back up). Without
customer→provider cycles it is exactly what BGPy computes by propagation ranks (up to providers, one peer hop, down
to customers); with cycles BGPy cannot run (its rank assignment recurses without end), and this stable state is
the definition the kernel follows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.data.topology import Topology
from sim.reach.checks import check_mask
from sim.routes.route_class import RouteClass


class Route(NamedTuple):
    """The route an AS chose: its next hop (the destination's own row: itself), AS hops, and class."""

    next_hop: int
    length: int
    route_class: RouteClass


def _neighbours(topo: Topology, removed_links, removed_ases) -> list[list[tuple[int, RouteClass]]]:
    """For each AS, ``(neighbour, class of a route learned from it)`` over the links still usable."""
    links_ok = ~removed_links & ~removed_ases[topo.link_endpoints()].any(axis=1)
    nbrs: list[list[tuple[int, RouteClass]]] = [[] for _ in range(topo.n_ases)]
    for k in np.flatnonzero(links_ok[: topo.n_p2c]).tolist():
        p, c = int(topo.provider[k]), int(topo.customer[k])
        nbrs[p].append((c, RouteClass.CUSTOMER))
        nbrs[c].append((p, RouteClass.PROVIDER))
    for k in np.flatnonzero(links_ok[topo.n_p2c :]).tolist():
        a, b = int(topo.peer_a[k]), int(topo.peer_b[k])
        nbrs[a].append((b, RouteClass.PEER))
        nbrs[b].append((a, RouteClass.PEER))
    return nbrs


def reference_routes(topo: Topology, dst_asn: int, removed_links=None, removed_ases=None) -> dict[int, Route]:
    """Every AS's chosen route to ``dst_asn``, by running BGP to its stable state (slow and exact).

    Parameters
    ----------
    topo : Topology
    dst_asn : int
        The destination (origin) ASN.
    removed_links : (n_links,) bool, optional
        Links that may not be used.
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: they hold no route and carry none; a removed destination is reached by nobody.

    Returns
    -------
    dict of int → Route
        For each ASN holding a route (the destination included), its next-hop ASN, length and class.

    Raises
    ------
    KeyError
        ``dst_asn`` is not in the topology.
    RuntimeError
        The rounds did not settle (never expected: see the module docstring).

    Notes
    -----
    One round costs O(n_links × path length); at most ``4 × n_ases + 4`` rounds. Tests only, on small graphs.
    """
    removed_links = check_mask("removed_links", removed_links, topo.n_links)
    removed_ases = check_mask("removed_ases", removed_ases, topo.n_ases)
    removed_links = np.zeros(topo.n_links, bool) if removed_links is None else removed_links
    removed_ases = np.zeros(topo.n_ases, bool) if removed_ases is None else removed_ases
    dst = int(topo.asn_to_idx(dst_asn)[0])
    if removed_ases[dst]:
        return {}
    nbrs = _neighbours(topo, removed_links, removed_ases)
    asn = topo.asns.tolist()
    origin = (RouteClass.ORIGIN, (dst,))
    best: dict[int, tuple[RouteClass, tuple[int, ...]]] = {dst: origin}
    for _ in range(4 * topo.n_ases + 4):
        new = {dst: origin}
        for v in range(topo.n_ases):
            offers = []
            for u, cls in nbrs[v] if v != dst else ():
                if u not in best:
                    continue
                u_cls, u_path = best[u]
                exported = u_cls in (RouteClass.ORIGIN, RouteClass.CUSTOMER) or cls == RouteClass.PROVIDER
                if exported and v not in u_path:
                    offers.append(((-cls, len(u_path), asn[u]), (cls, (v, *u_path))))
            if offers:
                new[v] = min(offers)[1]
        if new == best:
            hop = {v: path[min(1, len(path) - 1)] for v, (_, path) in new.items()}
            return {asn[v]: Route(asn[hop[v]], len(path) - 1, cls) for v, (cls, path) in new.items()}
        best = new
    raise RuntimeError(f"BGP rounds to AS{dst_asn} did not settle")
