"""Countries inferred from the AS graph for ASes that no annotation file locates.

An AS→country table built from where ASes originate prefixes cannot locate an AS that originates none (a
transit-only network) or that has left the table since the graph was drawn; in the 2016 graph with the 2018
table, 6,635 of 55,809 ASes. Left unknown, such an AS looks foreign to all its neighbours, so a stub whose only
provider is Iranian would count as a border. :func:`infer_countries` gives it its neighbours' country when they
all agree.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim.data.topology import UNKNOWN, Topology


def infer_countries(topo: Topology) -> tuple[np.ndarray, np.ndarray]:
    """Countries for the ASes of unknown country whose every neighbour lies in one and the same country.

    Parameters
    ----------
    topo : Topology
        Its ``country`` (``UNKNOWN`` = -1 where not known) and its links; providers, customers and peers are all
        neighbours alike.

    Returns
    -------
    country : (n_ases,) int16
        ``topo.country`` with the inferred countries filled in; known countries are never changed.
    inferred : (n_ases,) bool
        True for the ASes whose country was inferred here.

    Notes
    -----
    The rule is strict: an AS of unknown country gets country ``c`` when all its neighbours are in ``c``. A
    neighbour of unknown country agrees when it gets ``c`` by the same rule, so a chain (or any cluster) of
    linked unknown ASes gets ``c`` when every link leaving it reaches an AS located in ``c``; one link to another
    country, or a cluster with no located neighbour at all, leaves the whole cluster unknown. This is the fixed
    point of applying the rule round after round while treating a neighbour that will resolve to ``c`` as
    being in ``c``; read literally ("every neighbour already known"), rounds would add nothing after the first,
    since two linked unknown ASes would each wait for the other.

    Computed at once on clusters: the connected components of the graph restricted to unknown ASes
    (scipy.sparse.csgraph), then the smallest and largest country among each component's located neighbours.
    O(n_ases + n_links) time and memory; no Python loop over ASes.
    """
    country = np.asarray(topo.country)
    n = topo.n_ases
    unknown = country == UNKNOWN
    inferred = np.zeros(n, bool)
    if not unknown.any() or topo.n_links == 0:
        return country.copy(), inferred
    ends = topo.link_endpoints().astype(np.int64)
    a, b = ends[:, 0], ends[:, 1]
    inner = unknown[a] & unknown[b]
    graph = coo_matrix((np.ones(int(inner.sum()), np.int8), (a[inner], b[inner])), shape=(n, n))
    n_groups, group = connected_components(graph, directed=False)
    # (unknown AS, located neighbour) along every link, both directions
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    edge = unknown[src] & ~unknown[dst]
    lo = np.full(n_groups, np.iinfo(np.int64).max)
    hi = np.full(n_groups, -1, np.int64)
    np.minimum.at(lo, group[src[edge]], country[dst[edge]].astype(np.int64))
    np.maximum.at(hi, group[src[edge]], country[dst[edge]].astype(np.int64))
    agreed = (hi >= 0) & (lo == hi)
    inferred = unknown & agreed[group]
    out = country.copy()
    out[inferred] = hi[group[inferred]]
    return out, inferred
