"""Slow, obviously-correct valley-free reachability: the ground truth the fast kernel is tested against.

Speed is irrelevant here; every line should be checkable by eye against the Gao-Rexford rule. The search runs on a
*state-expanded* graph whose nodes are ``(idx, phase)``:

- phase 0 — the AS was reached by customer→provider hops only (still "going up");
- phase 1 — the AS was reached after the single peer–peer hop or after a provider→customer hop ("going down").

Edges only ever allow the valid transitions: up stays up (0→0), a peer hop or a first down hop leaves the up phase
(0→1), and down stays down (1→1). Nothing leads from phase 1 back to phase 0, so no valley and no second peer hop
can ever be built, and a breadth-first search handles customer→provider cycles exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import networkx as nx
import numpy as np

from sim.data.topology import UNKNOWN, Topology
from sim.reach.checks import check_forbid, check_mask

UP, DOWN = 0, 1
"""Phases of the state-expanded graph (see the module docstring)."""


def _check_mask(mask, length: int, arg_name: str) -> np.ndarray:
    mask = check_mask(arg_name, mask, length)
    return np.zeros(length, dtype=bool) if mask is None else mask


def _check_forbid(forbid_transit, n_codes: int) -> np.ndarray:
    forbid = check_forbid(forbid_transit, n_codes)
    return np.zeros((n_codes, n_codes), dtype=bool) if forbid is None else forbid


def state_edges(topo: Topology, removed_links=None, removed_ases=None) -> tuple[np.ndarray, np.ndarray]:
    """The edges of the state-expanded valley-free graph, without removed links and ASes.

    Parameters
    ----------
    topo : Topology
    removed_links : (n_links,) bool, optional
        Links that may not be used.
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: no edge touches them.

    Returns
    -------
    tails, heads : (n_edges,) int64
        Node ids ``phase · n_ases + idx`` (``UP`` = 0, ``DOWN`` = 1): for each c2p link ``(c, UP)→(p, UP)``,
        ``(p, UP)→(c, DOWN)`` and ``(p, DOWN)→(c, DOWN)``; for each p2p link ``(a, UP)→(b, DOWN)`` and
        ``(b, UP)→(a, DOWN)``. Nothing leads back to ``UP``, so every path is valley-free.

    Notes
    -----
    The one definition of the state-expanded graph: :func:`state_graph` and the timing baselines of the
    experiments build their graphs from it. O(n_links).
    """
    removed_links = _check_mask(removed_links, topo.n_links, "removed_links")
    removed_ases = _check_mask(removed_ases, topo.n_ases, "removed_ases")
    ends = topo.link_endpoints().astype(np.int64)
    usable = ~removed_links & ~removed_ases[ends].any(axis=1)
    is_c2p = np.arange(topo.n_links) < topo.n_p2c
    provider, customer = ends[usable & is_c2p].T
    peer_a, peer_b = ends[usable & ~is_c2p].T
    up, down = UP * topo.n_ases, DOWN * topo.n_ases
    tails = np.concatenate([customer + up, provider + up, provider + down, peer_a + up, peer_b + up])
    heads = np.concatenate([provider + up, customer + down, customer + down, peer_b + down, peer_a + down])
    return tails, heads


def state_graph(topo: Topology, removed_links=None, removed_ases=None) -> nx.DiGraph:
    """The state-expanded valley-free graph on nodes ``(idx, phase)``, without removed links and ASes.

    Parameters
    ----------
    topo : Topology
    removed_links : (n_links,) bool, optional
        Links that may not be used.
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: they get no node and no edge.

    Returns
    -------
    networkx.DiGraph
        The edges of :func:`state_edges`, node id ``phase · n_ases + idx`` written as ``(idx, phase)``.
    """
    tails, heads = state_edges(topo, removed_links, removed_ases)
    removed_ases = _check_mask(removed_ases, topo.n_ases, "removed_ases")
    n = topo.n_ases
    graph = nx.DiGraph()
    for idx in np.flatnonzero(~removed_ases).tolist():
        graph.add_nodes_from([(idx, UP), (idx, DOWN)])
    graph.add_edges_from(
        ((t % n, t // n), (h % n, h // n)) for t, h in zip(tails.tolist(), heads.tolist(), strict=True)
    )
    return graph


def _forbidden_intermediates(topo: Topology, source: int, forbid_transit: np.ndarray) -> set[int]:
    """Indices of ASes that ``source`` may not use as an intermediate hop."""
    source_country = int(topo.country[source])
    if source_country == UNKNOWN:
        return set()
    return {
        v for v in range(topo.n_ases) if topo.country[v] != UNKNOWN and forbid_transit[source_country, topo.country[v]]
    }


def _reach_from(graph: nx.DiGraph, source: int, forbidden: set[int]) -> set[int]:
    """Indices reachable from ``source`` by breadth-first search from ``(source, UP)``.

    A forbidden AS may be *visited* (it is then a reachable destination) but never *expanded* (it would be an
    intermediate hop). The source itself is always expanded.
    """
    start = (source, UP)
    visited = {start}
    queue = deque([start])
    while queue:
        idx, phase = queue.popleft()
        if idx != source and idx in forbidden:
            continue
        for nxt in graph.successors((idx, phase)):
            if nxt not in visited:
                visited.add(nxt)
                queue.append(nxt)
    return {idx for idx, _ in visited}


def _source_indices(topo: Topology, sources: Iterable[int] | None) -> np.ndarray:
    if sources is None:
        return np.arange(topo.n_ases)
    return topo.asn_to_idx(np.fromiter(sources, dtype=np.int64))


def reference_reach_sets(
    topo: Topology,
    sources: Iterable[int] | None = None,
    removed_links=None,
    removed_ases=None,
    forbid_transit=None,
    transit_exempt=None,
) -> dict[int, frozenset[int]]:
    """Which ASes each source reaches along valley-free paths (the reference; slow and exact).

    Parameters
    ----------
    topo : Topology
    sources : iterable of int, optional
        Source ASNs; ``None`` means every AS.
    removed_links : (n_links,) bool, optional
        Links that may not be used (link ids as in :class:`~sim.data.topology.Topology`).
    removed_ases : (n_ases,) bool, optional
        ASes that are gone: they reach nothing (not even themselves), cannot be reached and cannot be traversed.
    forbid_transit : (len(country_codes), len(country_codes)) bool, optional
        ``forbid_transit[country[s], country[v]]`` forbids a source ``s`` to use AS ``v`` as an *intermediate*
        hop (``v != s`` and ``v != d``). Sources and ASes of unknown country are never restricted.
    transit_exempt : (n_ases,) bool, optional
        ASes never forbidden as intermediates (they stay restricted as sources).

    Returns
    -------
    dict of int → frozenset of int
        For each source ASN, the ASNs it reaches, itself included unless removed.

    Raises
    ------
    KeyError
        If a source ASN is not in the topology.
    TypeError, ValueError
        If a mask is not boolean or has the wrong shape.

    Notes
    -----
    ``d`` is reachable from ``s`` iff some path runs zero or more customer→provider hops, then at most one peer–peer
    hop, then zero or more provider→customer hops (Gao-Rexford: ``d`` receives ``s``'s announcement under the
    standard export rules); the zero-length path counts. Customer→provider cycles are handled exactly.
    One Python breadth-first search per source: O(|sources| · (n_ases + n_links)), meant for graphs of tens to
    thousands of ASes in tests only.
    """
    removed_ases = _check_mask(removed_ases, topo.n_ases, "removed_ases")
    forbid_transit = _check_forbid(forbid_transit, len(topo.country_codes))
    exempt = set(np.flatnonzero(_check_mask(transit_exempt, topo.n_ases, "transit_exempt")).tolist())
    graph = state_graph(topo, removed_links, removed_ases)
    result: dict[int, frozenset[int]] = {}
    for source in _source_indices(topo, sources).tolist():
        asn = int(topo.asns[source])
        if removed_ases[source]:
            result[asn] = frozenset()
            continue
        reached = _reach_from(graph, source, _forbidden_intermediates(topo, source, forbid_transit) - exempt)
        result[asn] = frozenset(int(topo.asns[idx]) for idx in reached)
    return result


def reference_n_pairs(
    topo: Topology,
    sources: Iterable[int] | None = None,
    removed_links=None,
    removed_ases=None,
    forbid_transit=None,
) -> int:
    """Number of ordered pairs ``(s, d)``, ``s != d``, ``s`` in ``sources``, with ``d`` reachable from ``s``.

    Parameters and semantics as in :func:`reference_reach_sets`.
    """
    reach = reference_reach_sets(topo, sources, removed_links, removed_ases, forbid_transit)
    return sum(len(reached - {asn}) for asn, reached in reach.items())
