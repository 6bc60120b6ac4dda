"""The result of :func:`sim.routes`: stored columns for transit ASes, and every AS's route to one destination
rebuilt from them (stub rows, stub destinations) when asked for."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.backend import Backend
from sim.data.topology import Topology
from sim.reach.kernel import Forward, accumulate, scatter_bits
from sim.routes.kernel import Keys
from sim.routes.measures import PathMeasures
from sim.routes.plan import DestKind, RoutePlan
from sim.routes.route_class import RouteClass

TABLE_CLASSES = tuple(RouteClass(c).label for c in range(RouteClass.ORIGIN, RouteClass.NONE, -1))
"""The categories of ``tree()``'s ``route_class`` column, most preferred first: origin, customer, peer, provider."""


def derive_stub_rows(plan: RoutePlan, hop: np.ndarray, length: np.ndarray, cls: np.ndarray, dst: int) -> None:
    """In place: the routes of the stubs (the destination excepted) from their peers' and providers' routes.

    A stub has no customers, so its route is the best peer route (a peer holding a customer route or being the
    destination), else the best provider route; stubs carry no route for one another, except the destination's own.
    """
    shift = np.int64(32)
    none = np.iinfo(np.int64).max
    best = []
    for edges, usable in (
        (plan.stub_peer, cls >= RouteClass.CUSTOMER),
        (plan.stub_prov, cls != RouteClass.NONE),
    ):
        ok = usable[edges.src] & (edges.dst != dst)
        key = np.full(plan.n, none, np.int64)
        np.minimum.at(key, edges.dst[ok], ((length[edges.src[ok]] + 1) << shift) | edges.src[ok])
        best.append(key)
    peer_key, prov_key = best
    for key, route_class in ((prov_key, RouteClass.PROVIDER), (peer_key, RouteClass.PEER)):  # peer wins: last
        got = np.flatnonzero(key != none)
        hop[got] = key[got] & ((1 << 32) - 1)
        length[got] = key[got] >> shift
        cls[got] = route_class


@dataclass(frozen=True, eq=False)
class RoutesResult:
    """Best-path routes to a set of destinations (see :func:`sim.routes`).

    Attributes
    ----------
    topology : Topology
    plan : RoutePlan
        The effective graph (after removals), its transit rows, and how each destination is served.
    destinations : (n_destinations,) int64
        AS indices of the destinations asked for, ascending.
    anchors : (n_columns,) int64
        AS index of each computed column: a transit destination, or the representative of a stub class.
    keys : Keys
        The layout of the stored keys.
    key : (n_transit, n_columns) uint32 (uint64 beyond about 4 million ASes)
        For transit row ``i`` (AS ``plan.transit[i]``) and column ``c``, the route packed as class rank, length
        and next-hop index; :meth:`column` decodes one column.
    """

    topology: Topology
    plan: RoutePlan
    destinations: np.ndarray
    anchors: np.ndarray
    keys: Keys
    key: np.ndarray
    restrictions: tuple = (None, None)
    measures: PathMeasures | None = None
    backend: Backend = Backend.NUMPY

    def _measured(self) -> PathMeasures:
        if self.measures is None:
            raise ValueError("the path measures were not computed: call sim.routes(..., measures=True)")
        return self.measures

    def transit_load(self):
        """See :meth:`sim.routes.measures.PathMeasures.transit_load`."""
        return self._measured().transit_load()

    def country_dependence(self, cc: str):
        """See :meth:`sim.routes.measures.PathMeasures.country_dependence`."""
        return self._measured().country_dependence(cc)

    def dependence_concentration(self):
        """See :meth:`sim.routes.measures.PathMeasures.dependence_concentration`."""
        return self._measured().dependence_concentration()

    def exposure(self, countries=None, via: bool = False):
        """Jurisdiction exposure: for each pair of countries (source A, destination B), the chosen paths from the
        ASes of A to those of B and the share crossing an AS of a third country; with ``via=True``, one row per
        third country crossed.

        Parameters
        ----------
        countries : list of str, optional
            The countries A and B range over (default every country of the topology); any country may be crossed.
        via : bool
            One row per (A, B, crossed country X) instead of one per (A, B).

        Returns
        -------
        pandas.DataFrame
            ``source, destination, paths, crossing, share`` (``crossing`` paths crossing a third country, ``share``
            = crossing / paths); with ``via``: ``source, destination, via, paths, share`` (paths crossing ``via``,
            and their share of all A→B paths). Pairs without a path are left out.

        Notes
        -----
        Counted in the routes' own pass when they were computed with ``measures=True, exposure=countries`` (these
        countries, in this order, without ``via``); otherwise a separate pass over the stored routes: per
        destination column, each transit AS's path's first two countries (or, with ``via``, the set of its
        countries as a bitset), by depth.
        """
        import pandas as pd

        from sim.routes.measures import exposure_counts

        codes = self.topology.country_codes
        slots = None if countries is None else [self.topology.country_index(c) for c in countries]
        slots, paths, third, through = exposure_counts(self, slots, want_via=via)
        a, b = np.nonzero(paths > 0)
        names = np.array([codes[s] for s in slots], dtype=object)
        if not via:
            return pd.DataFrame(
                {
                    "source": names[a],
                    "destination": names[b],
                    "paths": np.rint(paths[a, b]).astype(np.int64),
                    "crossing": np.rint(third[a, b]).astype(np.int64),
                    "share": third[a, b] / paths[a, b],
                }
            )
        a, b, x = np.nonzero(through[:, :, : len(codes)] * (paths > 0)[:, :, None] > 0)
        return pd.DataFrame(
            {
                "source": names[a],
                "destination": names[b],
                "via": np.array(codes, dtype=object)[x],
                "paths": np.rint(through[a, b, x]).astype(np.int64),
                "share": through[a, b, x] / paths[a, b],
            }
        )

    def stretch(self):
        """See :meth:`sim.routes.measures.PathMeasures.stretch`."""
        return self._measured().stretch()

    def lost_routes(self) -> int:
        """See :meth:`sim.routes.measures.PathMeasures.lost_routes`."""
        return self._measured().lost_routes()

    def path_lengths(self):
        """See :meth:`sim.routes.measures.PathMeasures.path_lengths`."""
        return self._measured().path_lengths()

    def column(self, col: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The transit rows' routes in column ``col``: ``(next_hop, length, route_class)``, each
        ``(n_transit,)``; next hop an AS index (-1: no route)."""
        return self.keys.decode(self.key[:, col])

    def _columns(self, anchors: np.ndarray) -> np.ndarray | None:
        """Columns of the given anchor ASes, or None when one of them was not computed."""
        cols = np.searchsorted(self.anchors, anchors)
        if len(self.anchors) == 0:
            return None if len(anchors) else cols
        if np.any(cols == len(self.anchors)) or np.any(
            self.anchors[np.minimum(cols, len(self.anchors) - 1)] != anchors
        ):
            return None
        return cols

    def routes_to(self, dst_asn: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every AS's route to ``dst_asn``: ``(next_hop, length, route_class)``, each ``(n_ases,)``, indexed by AS
        index; ``next_hop`` is an AS index (-1 and class ``NONE`` where there is no route)."""
        topo, plan = self.topology, self.plan
        dst = int(topo.asn_to_idx(dst_asn)[0])
        n = plan.n
        hop, length, cls = np.full(n, -1, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8)
        kind = DestKind(plan.kind[dst])
        if kind == DestKind.REMOVED:
            return hop, length, cls
        anchor = int(plan.anchor[dst])
        if kind != DestKind.ALONE:
            cols = self._columns(np.array([anchor]))
            if cols is None:  # not asked for: compute it now
                from sim.routes.api import routes

                return routes(topo, [dst_asn], *self.restrictions).routes_to(dst_asn)
            col = int(cols[0])
            t = plan.transit
            hop[t], length[t], cls[t] = self.column(col)
            if kind == DestKind.CLASS:
                hop[hop == anchor] = dst  # the representative stands for any member
            elif kind == DestKind.BRANCH:
                length[cls != RouteClass.NONE] += 1
                hop[anchor], length[anchor], cls[anchor] = dst, 1, RouteClass.CUSTOMER
        hop[dst], length[dst], cls[dst] = dst, 0, RouteClass.ORIGIN
        derive_stub_rows(plan, hop, length, cls, dst)
        return hop, length, cls

    def holders(self, dst_asns) -> np.ndarray:
        """``(len(dst_asns), n_ases)`` bool: which ASes hold a route to each destination (the ASes of ``tree()``),
        for many destinations at once: transit rows from the columns, stub rows as bitsets over the destinations
        ORed over their providers (any route) and peers (a customer route, or the destination itself). The array is
        a transposed view of an AS-major one."""
        topo, plan = self.topology, self.plan
        dst = topo.asn_to_idx(dst_asns)
        kind, anchor = plan.kind[dst], plan.anchor[dst]
        if len(np.unique(dst)) < len(dst):
            raise ValueError("dst_asns must be distinct ASNs")
        served = np.isin(kind, [DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH])
        cols = self._columns(anchor[served])
        if cols is None:  # some not asked for: compute them now
            from sim.routes.api import routes

            return routes(topo, topo.asns[dst].tolist(), *self.restrictions).holders(dst_asns)
        k, n_words = len(dst), max(1, -(-len(dst) // 64))
        cls = np.zeros((len(plan.transit), 64 * n_words), np.uint8)
        cls[:, np.flatnonzero(served)] = 3 - (self.key[:, cols] >> self.keys.word(self.keys.rank_shift))  # 0: none

        def packed(bits: np.ndarray) -> np.ndarray:
            return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)

        has, offered = packed(cls != RouteClass.NONE), packed(cls >= RouteClass.CUSTOMER)
        stubs = np.flatnonzero(plan.stub)
        local = np.full(plan.n, -1, np.int64)
        local[stubs] = np.arange(len(stubs))
        S = np.zeros((len(stubs), n_words), np.uint64)
        bit_of = np.full(plan.n, -1, np.int64)
        fwd = Forward(None, None, bit_of, n_words)  # no restriction: the identity
        e = plan.stub_prov
        accumulate(S, local[e.dst], has, plan.row_of[e.src], e.src, fwd)
        e = plan.stub_peer.select(plan.row_of[plan.stub_peer.src] >= 0)
        accumulate(S, local[e.dst], offered, plan.row_of[e.src], e.src, fwd)
        e = plan.stub_peer.select(plan.stub[plan.stub_peer.src])  # a stub destination's stub peers
        pos = np.full(plan.n, -1, np.int64)
        pos[dst] = np.arange(k)  # destinations are distinct ASNs
        hit = pos[e.src] >= 0
        scatter_bits(S, local[e.dst[hit]], pos[e.src[hit]])
        out = np.zeros((plan.n, k), bool)  # built AS-major (contiguous row writes), returned transposed
        out[plan.transit] = cls[:, :k] != RouteClass.NONE
        out[stubs] = np.unpackbits(S.view(np.uint8), axis=1, bitorder="little", count=k).view(bool)
        alive = kind != DestKind.REMOVED
        out[dst[alive], np.flatnonzero(alive)] = True
        return out.T

    def tree(self, dst_asn: int):
        """The routes to ``dst_asn`` as a ``pandas.DataFrame``, one row per AS holding one, by ASN.

        Columns: ``asn``, ``next_hop`` (the neighbour the route was learned from; the destination's own row
        holds itself), ``length`` (AS hops, 0 for the destination), ``route_class`` (categorical: ``origin``,
        ``customer``, ``peer``, ``provider``).
        """
        import pandas as pd

        hop, length, cls = self.routes_to(dst_asn)
        has = np.flatnonzero(cls != RouteClass.NONE)
        asns = self.topology.asns
        codes = RouteClass.ORIGIN - cls[has].astype(np.int8)  # ORIGIN → 0, ..., PROVIDER → 3: TABLE_CLASSES
        labels = pd.Categorical.from_codes(codes, categories=TABLE_CLASSES)
        return pd.DataFrame(
            {"asn": asns[has], "next_hop": asns[hop[has]], "length": length[has], "route_class": labels}
        )

    def path(self, src_asn: int, dst_asn: int) -> list[int]:
        """The AS path ``src_asn .. dst_asn`` that traffic takes (``[]`` when ``src_asn`` has no route)."""
        src = int(self.topology.asn_to_idx(src_asn)[0])
        hop, _, _ = self.routes_to(dst_asn)
        path = [src]
        while hop[path[-1]] != path[-1]:
            if hop[path[-1]] < 0:
                return []
            path.append(int(hop[path[-1]]))
            if len(path) > self.plan.n:
                raise RuntimeError(f"a routing loop from AS{src_asn} to AS{dst_asn}")  # never expected
        return self.topology.asns[path].tolist()
