"""Checks shared by the routes tests: a kernel result against the reference, destination by destination."""

from __future__ import annotations

from sim.routes.reference import reference_routes


def as_dict(tree) -> dict[int, tuple[int, int, str]]:
    """A ``tree()`` DataFrame as ``{asn: (next_hop, length, class)}``."""
    return {
        int(a): (int(h), int(n), str(c))
        for a, h, n, c in zip(tree["asn"], tree["next_hop"], tree["length"], tree["route_class"], strict=True)
    }


def reference_dict(topo, dst, removed_links=None, removed_ases=None) -> dict[int, tuple[int, int, str]]:
    got = reference_routes(topo, dst, removed_links, removed_ases)
    return {asn: (r.next_hop, r.length, r.route_class.label) for asn, r in got.items()}


def assert_matches_reference(r, topo, removed_links=None, removed_ases=None, destinations=None) -> None:
    """Every destination's tree, and one path per destination, equal the reference's."""
    for dst in topo.asns.tolist() if destinations is None else destinations:
        expected = reference_dict(topo, dst, removed_links, removed_ases)
        assert as_dict(r.tree(dst)) == expected, f"routes to AS{dst}"
        for src in list(expected)[:3]:  # paths follow the next hops to the destination
            path = r.path(src, dst)
            assert path[0] == src and path[-1] == dst and len(path) == expected[src][1] + 1
            assert all(expected[a][0] == b for a, b in zip(path, path[1:], strict=False))
