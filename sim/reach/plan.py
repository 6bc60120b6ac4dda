"""Preparation for the reachability kernel: the effective graph after removals, its processing order, and
the layout of source bits. Everything here is index arithmetic over links (no per-AS Python loops).

The kernel's three phases read edges grouped by *target*:

- **up**: customer → provider (``U[p] |= fwd_c(U[c])``), providers in increasing level;
- **peer**: peer → peer (``P[v] |= fwd_p(U[p])``);
- **down**: provider → customer (``D[c] |= fwd_p(D[p])``), customers in increasing level from the top.

Stubs (ASes with no alive customer) have ``U = {own bit}``: their up and peer contributions are single bits,
and they are only *targets* of the down phase, so their rows are streamed and reduced, never stored.
Customer→provider cycles are strongly connected components; their members share a level and are closed by
a fixpoint inside the level (see :func:`levels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.arrays import expand_ranges, group_rows, runs, stable_order, unique_sorted
from sim.data.topology import Topology


@dataclass(frozen=True)
class Edges:
    """Directed edges ``src → dst`` (AS indices), the order is the caller's; ``link``, when known, is the
    topology's link id of each edge (a peer link gives two edges with the same id)."""

    src: np.ndarray
    dst: np.ndarray
    link: np.ndarray | None = None

    def select(self, keep: np.ndarray) -> Edges:
        return Edges(self.src[keep], self.dst[keep], None if self.link is None else self.link[keep])

    def __len__(self) -> int:
        return len(self.src)


@dataclass(frozen=True)
class Levels:
    """Processing order of one phase over the transit ASes."""

    level: np.ndarray  # (n_ases,) int32, -1 for ASes outside the phase
    n_levels: int
    in_cycle: np.ndarray  # (n_ases,) bool: member of a c2p cycle (SCC of size > 1)


def levels(n: int, nodes: np.ndarray, edges: Edges) -> Levels:
    """Longest-path levels of ``nodes`` along ``edges`` (both ends in ``nodes``), cycles collapsed.

    ``level[dst] > level[src]`` for every edge between different strongly connected components; members of
    one SCC share a level. Complexity: O(depth × len(edges)) vectorized work.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    graph = csr_matrix((np.ones(len(edges), np.int8), (edges.src, edges.dst)), shape=(n, n))
    _, comp = connected_components(graph, directed=True, connection="strong")
    comp_size = np.bincount(comp, minlength=n)
    in_cycle = comp_size[comp] > 1
    between = comp[edges.src] != comp[edges.dst]
    csrc, cdst = comp[edges.src[between]], comp[edges.dst[between]]
    clevel = np.zeros(comp.max() + 1 if n else 0, dtype=np.int32)
    while True:  # Bellman-Ford on a DAG: at most depth rounds
        cand = np.zeros_like(clevel)
        np.maximum.at(cand, cdst, clevel[csrc] + 1)
        new = np.maximum(clevel, cand)
        if np.array_equal(new, clevel):
            break
        clevel = new
    level = np.full(n, -1, dtype=np.int32)
    level[nodes] = clevel[comp[nodes]]
    n_levels = int(level.max()) + 1 if len(nodes) else 0
    return Levels(level, n_levels, in_cycle)


@dataclass(frozen=True)
class StubClasses:
    """Stubs with the same country, alive providers and alive peers have the same D row but for their own
    bit: one row per class is computed, and the reducer adds each member's own bit."""

    rep: np.ndarray  # (n_classes,) AS index of each class's representative stub
    members: np.ndarray  # (n_stubs,) stub AS indices, grouped by class
    member_class: np.ndarray  # (n_stubs,) class of each entry of ``members``


@dataclass(frozen=True)
class Plan:
    """The effective graph of one reachability question (restrictions applied), in kernel order."""

    n: int
    alive: np.ndarray  # (n,) bool
    stub: np.ndarray  # (n,) bool: alive and no alive customer
    transit: np.ndarray  # (n_transit,) AS indices of alive non-stubs; row i of the kernel's arrays
    row_of: np.ndarray  # (n,) int64: transit row of an AS, -1 for stubs and removed ASes
    up: Edges  # customer → provider, alive
    peer: Edges  # both directions, alive (redundant ones dropped when pruned)
    down: Edges  # provider → customer, alive (redundant ones dropped when pruned)
    up_levels: Levels
    down_levels: Levels
    classes: StubClasses


def _pairs_within_groups(group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i ≠ j, of positions of a sorted ``group`` array that share a group."""
    counts = np.bincount(group, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = counts[group]
    i = np.repeat(np.arange(len(group)), k)
    j = expand_ranges(start[group], k)
    keep = i != j
    return i[keep], j[keep]


def _find_pair(keys: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """For each ``(a, b)``, its position in ``keys`` (sorted ``a * n + b`` codes), -1 where it is absent."""
    if not len(keys) or not len(a):
        return np.full(len(a), -1, np.int64)
    code = a.astype(np.int64) * n + b
    order = np.argsort(code)  # sorted queries make the binary searches cache-friendly
    pos = np.minimum(np.searchsorted(keys, code[order]), len(keys) - 1)
    found = np.full(len(code), -1, np.int64)
    found[order] = np.where(keys[pos] == code[order], pos, -1)
    return found


def _pair_index(edges: Edges, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted ``src * n + dst`` codes of ``edges``, the link id of each code)."""
    code = edges.src.astype(np.int64) * n + edges.dst
    order = np.argsort(code, kind="stable")
    return code[order], edges.link[order]


@dataclass(frozen=True)
class Cover:
    """Why edges may be dropped: edge ``edge[k]`` is redundant while the links ``link_a[k]`` and ``link_b[k]``
    both exist. An edge may have several justifications."""

    edge: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray

    def covered(self, n_edges: int, link_ok: np.ndarray | None = None) -> np.ndarray:
        """(n_edges,) bool: edges with at least one justification whose links all exist (``link_ok``)."""
        edge = self.edge if link_ok is None else self.edge[link_ok[self.link_a] & link_ok[self.link_b]]
        out = np.zeros(n_edges, bool)
        out[edge] = True
        return out


def redundant_edges(
    n: int,
    down: Edges,
    peer: Edges,
    transit_mask: np.ndarray,
    down_level: np.ndarray,
    up_level: np.ndarray,
    exhaustive: bool = False,
) -> tuple[Edges, Cover, Cover]:
    """The edges whose contribution another edge already brings (valid only without transit restrictions, where
    every AS forwards every bit), with the links that justify dropping them:

    - provider ``q1 → v`` when ``q1`` is a provider of another provider ``q2`` of ``v`` (``D[q2] ⊇ D[q1]``);
    - transit peer ``p → v`` when ``p`` is a peer or a provider of a provider ``q`` of ``v``
      (``D[v] ⊇ D[q] ⊇ U[p]``);
    - transit peer ``p → v`` when a provider ``p'`` of ``p`` on a strictly higher up-level is a peer of ``v``
      too (``U[p'] ⊇ U[p]``).

    The covering provider (``q2``, ``q``) must sit on a strictly lower down-level than ``v``, and ``q2`` on a
    strictly higher one than ``q1``: justifications then run down the levels and never in a circle, which
    inside a c2p cycle they otherwise can (every edge into the cycle "covered" by another one). So an edge may be
    dropped while *any* of its justifications has both links present, whatever else is dropped: the plan
    reused across removals (:class:`sim.reach.reuse.ReachPlan`) relies on it.

    ``down`` and ``peer`` carry link ids. Returns ``(down sorted by customer, its Cover, the peer edges' Cover)``.
    Without ``exhaustive`` the third rule is only tried on peers the second leaves (enough for one fixed graph, and
    faster).
    """
    c2p_keys, c2p_link = _pair_index(down, n)
    by_cust = down.select(np.argsort(down.dst, kind="stable"))
    v_level = np.where(down_level >= 0, down_level, np.iinfo(np.int32).max)  # stubs sit below everything
    i, j = _pairs_within_groups(by_cust.dst, n)
    q1, q2 = by_cust.src[i], by_cust.src[j]
    ok = (down_level[q2] > down_level[q1]) & (down_level[q2] < v_level[by_cust.dst[i]])
    i, j, q1, q2 = i[ok], j[ok], q1[ok], q2[ok]
    pos = _find_pair(c2p_keys, q1, q2, n)
    hit = pos >= 0
    down_cover = Cover(i[hit], c2p_link[pos[hit]], by_cust.link[j[hit]])
    # peers: pair each transit peer p -> v with every provider q of v on a lower level
    indptr = np.concatenate([[0], np.cumsum(np.bincount(by_cust.dst, minlength=n))])
    tp = np.flatnonzero(transit_mask[peer.src])
    n_prov = indptr[peer.dst[tp] + 1] - indptr[peer.dst[tp]]
    e = np.repeat(tp, n_prov)
    k = expand_ranges(indptr[peer.dst[tp]], n_prov)  # the edge q -> v in by_cust
    q = by_cust.src[k]
    ok = down_level[q] < v_level[peer.dst[e]]
    e, k, q = e[ok], k[ok], q[ok]
    # p is a peer of q, or q's provider: one lookup in the union of both relations (they are disjoint)
    p2p_keys, p2p_link = _pair_index(peer, n)
    adj_code = np.concatenate([p2p_keys, c2p_keys])
    adj_order = np.argsort(adj_code, kind="stable")
    adj_keys, adj_link = adj_code[adj_order], np.concatenate([p2p_link, c2p_link])[adj_order]
    pos = _find_pair(adj_keys, peer.src[e], q, n)
    hit = pos >= 0
    rule2 = (e[hit], by_cust.link[k[hit]], adj_link[pos[hit]])
    if not exhaustive:  # only the peers still kept
        dropped = np.zeros(len(peer), bool)
        dropped[rule2[0]] = True
        tp = tp[~dropped[tp]]
    # pair each transit peer p -> v with every provider p2 of p on a higher up-level
    n_up = indptr[peer.src[tp] + 1] - indptr[peer.src[tp]]
    e = np.repeat(tp, n_up)
    k = expand_ranges(indptr[peer.src[tp]], n_up)  # the edge p2 -> p in by_cust
    p2 = by_cust.src[k]
    ok = up_level[p2] > up_level[peer.src[e]]
    e, k, p2 = e[ok], k[ok], p2[ok]
    pos = _find_pair(p2p_keys, p2, peer.dst[e], n)
    hit = pos >= 0
    rule3 = (e[hit], by_cust.link[k[hit]], p2p_link[pos[hit]])
    peer_cover = Cover(*(np.concatenate([a, b]) for a, b in zip(rule2, rule3, strict=True)))
    return by_cust, down_cover, peer_cover


def prune_redundant(
    n: int, down: Edges, peer: Edges, transit_mask: np.ndarray, down_level: np.ndarray, up_level: np.ndarray
):
    """``(down, peer)`` without the edges :func:`redundant_edges` finds (down sorted by customer)."""
    by_cust, down_cover, peer_cover = redundant_edges(n, down, peer, transit_mask, down_level, up_level)
    return by_cust.select(~down_cover.covered(len(by_cust))), peer.select(~peer_cover.covered(len(peer)))


@lru_cache(maxsize=4)  # drawn once per size (a model run regroups stubs at every step)
def _hash_weights(n: int) -> np.ndarray:
    """Random 63-bit weights per AS for set hashing (read-only); fixed seed, and no effect on any result."""
    weights = np.random.default_rng(0).integers(1, 2**63, size=(2, n), dtype=np.uint64)
    weights.flags.writeable = False
    return weights


def group_stubs(n: int, stub: np.ndarray, slot: np.ndarray, down: Edges, peer: Edges) -> np.ndarray:
    """(n,) int64: for each AS of ``stub``, the representative of its group of stubs with the same country slot,
    alive providers and alive peers (-1 for other ASes). Neighbour sets are hashed, then every member's list is
    verified against its representative's, so the grouping is exact whatever the hash does."""
    stubs = np.flatnonzero(stub)
    h_prov, h_peer = _hash_weights(n)
    into = [down.select(stub[down.dst]), peer.select(stub[peer.dst])]
    h = np.zeros(n, np.uint64)
    deg = np.zeros((2, n), np.int64)
    for k, (e, w) in enumerate(zip(into, (h_prov, h_peer), strict=True)):
        np.add.at(h, e.dst, w[e.src])
        deg[k] = np.bincount(e.dst, minlength=n)
    label, first = group_rows(h[stubs].view(np.int64), deg[0, stubs], deg[1, stubs], slot[stubs])
    rep_of_stub = np.full(n, -1, np.int64)
    rep_of_stub[stubs] = stubs[first[label]]
    for e in into:  # exactness: every member's sorted neighbour list equals its representative's
        srt = e.select(np.lexsort((e.src, e.dst)))
        rep_e = srt.select(rep_of_stub[srt.dst] == srt.dst)
        pos = np.searchsorted(rep_e.dst, rep_of_stub[srt.dst])
        offset = np.arange(len(srt)) - np.searchsorted(srt.dst, srt.dst)
        bad = srt.dst[rep_e.src[pos + offset] != srt.src]
        rep_of_stub[bad] = bad  # a hash collision: such a stub stands alone
    return rep_of_stub


def classes_of(stubs: np.ndarray, member_rep: np.ndarray, slot: np.ndarray) -> StubClasses:
    """The :class:`StubClasses` of ``stubs`` (ascending) given each one's representative, classes by country."""
    is_rep = np.zeros(len(slot), bool)
    is_rep[member_rep] = True
    reps = np.flatnonzero(is_rep)  # sorted, distinct
    member_class = (np.cumsum(is_rep) - 1)[member_rep]  # the position of each member's rep among reps
    by_slot = stable_order(slot[reps])  # classes by country: faster reductions
    rank = np.empty_like(by_slot)
    rank[by_slot] = np.arange(len(by_slot))
    member_class = rank[member_class]
    order = stable_order(member_class)
    return StubClasses(reps[by_slot], stubs[order], member_class[order])


def stub_classes(n: int, stub: np.ndarray, slot: np.ndarray, down: Edges, peer: Edges) -> StubClasses:
    """Group stubs by (country slot, alive providers, alive peers) (see :func:`group_stubs`)."""
    stubs = np.flatnonzero(stub)
    return classes_of(stubs, group_stubs(n, stub, slot, down, peer)[stubs], slot)


def make_plan(
    topo: Topology,
    removed_links: np.ndarray | None,
    removed_ases: np.ndarray | None,
    prune: bool = True,
    group: bool = True,
) -> Plan:
    """The plan of one call. ``prune`` drops redundant edges (valid without transit restrictions); ``group`` puts
    stubs with the same country and neighbours in one class. Both save kernel work per block of sources and cost
    planning time: a call from a few sources is faster without them."""
    n = topo.n_ases
    alive = np.ones(n, bool) if removed_ases is None else ~removed_ases
    link_ok = np.ones(topo.n_links, bool) if removed_links is None else ~removed_links
    ends = topo.link_endpoints()
    link_ok &= alive[ends[:, 0]] & alive[ends[:, 1]]
    c2p_ok, p2p_ok = link_ok[: topo.n_p2c], link_ok[topo.n_p2c :]
    # AS indices as numpy's own index type: every later gather by them is then a plain one (an int32 index is
    # converted on each use, three times slower)
    prov, cust = topo.provider[c2p_ok].astype(np.intp), topo.customer[c2p_ok].astype(np.intp)
    pa, pb = topo.peer_a[p2p_ok].astype(np.intp), topo.peer_b[p2p_ok].astype(np.intp)
    c2p_id, p2p_id = np.flatnonzero(c2p_ok), topo.n_p2c + np.flatnonzero(p2p_ok)
    has_customer = np.zeros(n, bool)
    has_customer[prov] = True
    stub = alive & ~has_customer
    slot = topo.country_slot
    transit = np.flatnonzero(alive & has_customer)
    transit = transit[np.argsort(slot[transit], kind="stable")]  # rows by country: faster reductions
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[transit] = np.arange(len(transit))
    up = Edges(cust, prov, c2p_id)
    down = Edges(prov, cust, c2p_id)
    peer = Edges(np.concatenate([pa, pb]), np.concatenate([pb, pa]), np.concatenate([p2p_id, p2p_id]))
    # transit-to-transit edges define the order; stubs are leaves of both hierarchies
    up_t = up.select(has_customer[up.src])
    down_levels = levels(n, transit, Edges(up_t.dst, up_t.src))
    up_levels = levels(n, transit, up_t)
    if prune:
        down, peer = prune_redundant(n, down, peer, alive & has_customer, down_levels.level, up_levels.level)
    return Plan(
        n=n,
        alive=alive,
        stub=stub,
        transit=transit,
        row_of=row_of,
        up=up,
        peer=peer,
        down=down,
        up_levels=up_levels,
        down_levels=down_levels,
        classes=stub_classes(n, stub, slot, down, peer)
        if group
        else classes_of(np.flatnonzero(stub), np.flatnonzero(stub), slot),
    )


@dataclass(frozen=True)
class SourceLayout:
    """Where each source's bit lives: sources sorted by country, so each country's sources form one
    contiguous run of bits (a *segment*); per-country counts are sums over whole words plus the partial words
    at segment edges."""

    source_idx: np.ndarray  # (n_sources,) AS indices in bit order
    bitpos: np.ndarray  # (n_sources,) bit position of each source
    bit_of: np.ndarray  # (n_ases,) int64 bit position, -1 for non-sources
    n_words: int
    seg_country: np.ndarray  # (n_seg,) country slot (K = unknown) of each segment
    seg_start: np.ndarray  # (n_seg,) first bit
    seg_stop: np.ndarray  # (n_seg,) one past the last bit


def source_layout(topo: Topology, source_idx: np.ndarray) -> SourceLayout:
    slot = topo.country_slot
    src = unique_sorted(source_idx)
    src = src[np.argsort(slot[src], kind="stable")]
    seg_country, first, counts = runs(slot[src])
    bitpos = np.arange(len(src), dtype=np.int64)
    bit_of = np.full(topo.n_ases, -1, dtype=np.int64)
    bit_of[src] = bitpos
    return SourceLayout(src, bitpos, bit_of, (len(src) + 63) // 64, seg_country, first, first + counts)
