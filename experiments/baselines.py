"""Baseline valley-free reachability with off-the-shelf graph libraries, for timing comparison only.

The benchmark suite times the fast kernel (:mod:`sim.reach.api`) against what a researcher would write first: one
breadth-first search per source on the state-expanded graph, with ``scipy.sparse.csgraph`` or with ``networkx``.
Both are exact (no sampling, cycles handled) but support no transit restrictions; the simulation never calls them.

The state-expanded graph has ``2 · n_ases`` nodes: node ``idx`` is AS ``idx`` reached going up (customer→provider
hops only), node ``n_ases + idx`` is AS ``idx`` reached after the peer hop or going down. Its edges are those of
:func:`sim.reach.reference.state_edges`, the reference's own graph: ``up(c)→up(p)`` per c2p link,
``up(a)→down(b)`` both ways per p2p link, and ``up(p)→down(c)``, ``down(p)→down(c)`` per c2p link; nothing leads
back up, so every path in it is valley-free.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from sim.data.topology import Topology
from sim.reach.reference import state_edges


def _check_sources(topo: Topology, sources_idx) -> np.ndarray:
    sources_idx = np.atleast_1d(np.asarray(sources_idx))
    if sources_idx.size and not np.issubdtype(sources_idx.dtype, np.integer):
        raise TypeError(f"sources_idx must hold integer indices, got dtype {sources_idx.dtype}")
    sources_idx = sources_idx.astype(np.int64)
    if sources_idx.size and (sources_idx.min() < 0 or sources_idx.max() >= topo.n_ases):
        raise ValueError(f"sources_idx holds an index outside 0..{topo.n_ases - 1}")
    return sources_idx


def scipy_state_graph(topo: Topology, removed_links=None) -> csr_matrix:
    """The state-expanded graph as a sparse ``(2·n_ases, 2·n_ases)`` matrix (built once per question)."""
    n = topo.n_ases
    rows, cols = state_edges(topo, removed_links)
    return csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(2 * n, 2 * n))


def networkx_state_graph(topo: Topology, removed_links=None) -> nx.DiGraph:
    """The state-expanded graph as a ``networkx.DiGraph`` on nodes ``0 .. 2·n_ases - 1``."""
    rows, cols = state_edges(topo, removed_links)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(2 * topo.n_ases))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return graph


def scipy_reach_counts(topo: Topology, sources_idx, removed_links=None, graph: csr_matrix | None = None) -> np.ndarray:
    """Number of ASes each source reaches (itself included), one ``scipy`` BFS per source.

    Parameters
    ----------
    topo : Topology
    sources_idx : (n_sources,) int
        Source AS indices.
    removed_links : (n_links,) bool, optional
        Links that may not be used.
    graph : optional
        The prebuilt state graph (:func:`scipy_state_graph`), so that timings measure the searches alone.

    Returns
    -------
    (n_sources,) int64

    Notes
    -----
    A baseline for timing comparison. The sparse state-expanded graph is built once; then
    ``breadth_first_order`` runs from each source's up-node: O(n_sources · (n_ases + n_links)).
    """
    sources_idx = _check_sources(topo, sources_idx)
    n = topo.n_ases
    graph = scipy_state_graph(topo, removed_links) if graph is None else graph
    counts = np.empty(len(sources_idx), dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    for k, source in enumerate(sources_idx.tolist()):
        order = breadth_first_order(graph, source, directed=True, return_predecessors=False)
        seen[:] = False
        seen[order % n] = True
        counts[k] = seen.sum()
    return counts


def networkx_reach_counts(
    topo: Topology, sources_idx, removed_links=None, graph: nx.DiGraph | None = None
) -> np.ndarray:
    """Number of ASes each source reaches (itself included), one ``networkx`` BFS per source.

    Parameters and returns as in :func:`scipy_reach_counts`.

    Notes
    -----
    A baseline for timing comparison. The ``DiGraph`` on the ``2 · n_ases`` state nodes is built once; then
    ``nx.descendants`` runs from each source's up-node: O(n_sources · (n_ases + n_links)) in pure Python.
    """
    sources_idx = _check_sources(topo, sources_idx)
    n = topo.n_ases
    graph = networkx_state_graph(topo, removed_links) if graph is None else graph
    counts = np.empty(len(sources_idx), dtype=np.int64)
    for k, source in enumerate(sources_idx.tolist()):
        reached = {node % n for node in nx.descendants(graph, source)}
        reached.add(source)
        counts[k] = len(reached)
    return counts
