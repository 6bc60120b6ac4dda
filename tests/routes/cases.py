"""Hand-drawn topologies with the routes written out: ``{asn: (next_hop, length, class)}`` for one destination.

Each case isolates one rule of the decision process or of export, small enough to check by eye. Links are given
as ``(provider, customer)`` and ``(peer, peer)`` ASN pairs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.data.topology import Topology


class Case(NamedTuple):
    name: str
    p2c: list[tuple[int, int]]
    p2p: list[tuple[int, int]]
    dst: int
    expected: dict[int, tuple[int, int, str]]
    removed_links: tuple[tuple[int, int], ...] = ()
    removed_ases: tuple[int, ...] = ()

    def topology(self) -> Topology:
        asns = np.array(sorted({a for link in self.p2c + self.p2p for a in link}), np.int64)
        idx = {int(a): k for k, a in enumerate(asns)}
        return Topology.from_links(
            asns,
            np.array([(idx[p], idx[c]) for p, c in self.p2c], np.int64).reshape(-1, 2),
            np.array([(idx[a], idx[b]) for a, b in self.p2p], np.int64).reshape(-1, 2),
            name=self.name,
        )

    def masks(self, topo: Topology) -> dict[str, np.ndarray | None]:
        """``removed_links`` and ``removed_ases`` as the masks the functions take (None when empty)."""
        links = None
        if self.removed_links:
            ends = {tuple(sorted(pair)) for pair in self.removed_links}
            pairs = topo.asns[topo.link_endpoints()]
            links = np.array([tuple(sorted(p)) in ends for p in pairs.tolist()], bool)
        ases = topo.mask_of(self.removed_ases) if self.removed_ases else None
        return {"removed_links": links, "removed_ases": ases}


ORIG, CUST, PEER, PROV = "origin", "customer", "peer", "provider"

CASES = [
    # 40 hears 10 from its customers 20 and 30 at the same length: the lower ASN wins; the stub 50 likewise
    Case(
        "length tie broken by the lowest next-hop ASN",
        p2c=[(40, 20), (40, 30), (20, 10), (30, 10), (30, 50), (20, 50)],
        p2p=[],
        dst=10,
        expected={10: (10, 0, ORIG), 20: (10, 1, CUST), 30: (10, 1, CUST), 40: (20, 2, CUST), 50: (20, 2, PROV)},
    ),
    # 1 can reach 9 through its provider 2 in two hops, or through its peer 3 in four: the peer route wins
    Case(
        "a peer route beats a shorter provider route",
        p2c=[(2, 1), (2, 9), (3, 4), (4, 5), (5, 9)],
        p2p=[(1, 3)],
        dst=9,
        expected={9: (9, 0, ORIG), 2: (9, 1, CUST), 5: (9, 1, CUST), 4: (5, 2, CUST), 3: (4, 3, CUST), 1: (3, 4, PEER)},
    ),
    # 1 can reach 9 down its customer chain in three hops, or through its peer 4 in two: the customer route wins
    Case(
        "a customer route beats a shorter peer route",
        p2c=[(1, 2), (2, 3), (3, 9), (4, 9)],
        p2p=[(1, 4)],
        dst=9,
        expected={9: (9, 0, ORIG), 3: (9, 1, CUST), 4: (9, 1, CUST), 2: (3, 2, CUST), 1: (2, 3, CUST)},
    ),
    # 2 learns 9 from its peer 1: it tells its customer 6, not its peer 3 nor its provider 5; 6's provider route
    # does not go to 6's peer 8 either
    Case(
        "peer and provider routes are exported to customers only",
        p2c=[(1, 9), (5, 2), (2, 6)],
        p2p=[(1, 2), (2, 3), (6, 8)],
        dst=9,
        expected={9: (9, 0, ORIG), 1: (9, 1, CUST), 2: (1, 2, PEER), 6: (2, 3, PROV)},
    ),
    # the third case without the link 2-3: 1 falls back on its peer, and 2 now hears 9 from its provider 1
    Case(
        "a removed link",
        p2c=[(1, 2), (2, 3), (3, 9), (4, 9)],
        p2p=[(1, 4)],
        dst=9,
        removed_links=((2, 3),),
        expected={9: (9, 0, ORIG), 3: (9, 1, CUST), 4: (9, 1, CUST), 1: (4, 2, PEER), 2: (1, 3, PROV)},
    ),
    # the second case without AS 5: 3 and 4 lose their customer routes; 1's provider route is not for peer 3
    Case(
        "a removed AS",
        p2c=[(2, 1), (2, 9), (3, 4), (4, 5), (5, 9)],
        p2p=[(1, 3)],
        dst=9,
        removed_ases=(5,),
        expected={9: (9, 0, ORIG), 2: (9, 1, CUST), 1: (2, 2, PROV)},
    ),
    # 1 → 2 → 3 → 1 is a customer→provider cycle; 3 sells transit to 9: customer routes go round the cycle
    Case(
        "a customer→provider cycle",
        p2c=[(1, 2), (2, 3), (3, 1), (3, 9)],
        p2p=[],
        dst=9,
        expected={9: (9, 0, ORIG), 3: (9, 1, CUST), 2: (3, 2, CUST), 1: (2, 3, CUST)},
    ),
    # the destination is a transit AS: its customers hear it from their provider, its provider's peer from the
    # provider; the stub 7 peers with the destination and takes the direct peer route over its provider's
    Case(
        "a transit destination, its customers and a peering stub",
        p2c=[(1, 2), (2, 3), (2, 4), (5, 7), (1, 5)],
        p2p=[(1, 6), (2, 7)],
        dst=2,
        expected={
            2: (2, 0, ORIG),
            1: (2, 1, CUST),
            3: (2, 1, PROV),
            4: (2, 1, PROV),
            6: (1, 2, PEER),
            7: (2, 1, PEER),
            5: (1, 2, PROV),
        },
    ),
]
