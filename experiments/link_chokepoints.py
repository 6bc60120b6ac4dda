"""Single-link chokepoints of a country: which of its cross-border links, cut on its own, would leave some of its ASes
reaching no AS located in another country.

The AS chokepoints of a case study (``sim.experiments.cases``) ask what a network's failure would do; this asks
the same of one link (a cable, a peering session, a transit contract). A **border link** has exactly one end in the
country (the other end abroad or of unknown location). Every remaining border link is tried, all in a few batched
passes (:func:`sim.reach.whatif.reach_any_without_links`, exact); a link is a **chokepoint** when its cut alone cuts
off at least one of the country's ASes that reaches the world now (the last way out of a single-homed network, or
of all the networks behind it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data.topology import Topology
from sim.reach import ReachPlan, plan_reachability
from sim.reach.whatif import reach_any_without_links

LINK_CHUNK = 4096  # candidate links per batched pass: bounds the (links × the country's ASes) answer to ~70 MB for US
COLUMNS = [
    "asn",
    "neighbour_asn",
    "neighbour_country",
    "neighbour_role",
    "newly_cut_off",
    "cut_off_if_cut",
]


def border_links(topo: Topology, country: int, removed_links=None) -> np.ndarray:
    """Ids of the links with exactly one end in ``country``, minus ``removed_links`` (ascending)."""
    ends = topo.country[topo.link_endpoints()]
    border = (ends[:, 0] == country) ^ (ends[:, 1] == country)
    return np.flatnonzero(border if removed_links is None else border & ~removed_links)


def newly_cut_off(
    topo: Topology, country: int, links, removed_links=None, plan: ReachPlan | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(which ASes of ``country`` (ascending index) reach no AS located in another country now, and for each of
    ``links`` how many more would if it were cut too), in one batched pass per ``LINK_CHUNK`` links."""
    own = np.flatnonzero(topo.country == country)
    foreign = (topo.country != country) & (topo.country >= 0)
    links = np.asarray(links, np.int64)
    plan = plan_reachability(topo) if plan is None else plan
    counts = np.zeros(len(links), np.int64)
    for s0 in range(0, max(len(links), 1), LINK_CHUNK):  # one pass at least: row 0 is the network as it is
        reach = reach_any_without_links(topo, foreign, own, links[s0 : s0 + LINK_CHUNK], removed_links, plan=plan)
        counts[s0 : s0 + LINK_CHUNK] = (reach[0] & ~reach[1:]).sum(axis=1)
    return ~reach[0], counts


def rank_border_links(topo: Topology, country: int, removed_links=None, plan: ReachPlan | None = None) -> pd.DataFrame:
    """Every remaining border link of the country, those whose cut alone would cut off most of its ASes first: its
    end (``asn``), the other end (``neighbour_asn``, ``neighbour_country``, ``??`` when unknown) and what the other
    end is to it (``neighbour_role``: provider, customer or peer), how many of its ASes reaching the world now would
    not (``newly_cut_off``; a chokepoint when > 0) and the share of its ASes then cut off (``cut_off_if_cut``, those
    already cut off included, as ``cut_off_if_failed`` of the AS chokepoints). Ties: by ``asn``, then
    ``neighbour_asn``."""
    links = border_links(topo, country, removed_links)
    cut_now, newly = newly_cut_off(topo, country, links, removed_links, plan)
    ends = topo.link_endpoints()[links].astype(np.int64)
    inside = topo.country[ends[:, 0]] == country  # the provider (or the first peer) is the country's end
    own, other = np.where(inside, ends[:, 0], ends[:, 1]), np.where(inside, ends[:, 1], ends[:, 0])
    role = np.where(links >= topo.n_p2c, "peer", np.where(inside, "customer", "provider"))
    df = pd.DataFrame(
        {
            "asn": topo.asns[own],
            "neighbour_asn": topo.asns[other],
            "neighbour_country": [topo.country_codes[c] if c >= 0 else "??" for c in topo.country[other]],
            "neighbour_role": role,
            "newly_cut_off": newly,
            "cut_off_if_cut": (cut_now.sum() + newly) / max(len(cut_now), 1),
        },
        columns=COLUMNS,
    )
    df = df.sort_values(["newly_cut_off", "asn", "neighbour_asn"], ascending=[False, True, True], kind="stable")
    return df.reset_index(drop=True)
