"""BGPy 13 beside the routes kernel: the same routes, AS by AS, for sampled origins.

    python -m benchmarks.bgpy_routes --origins 30 --seed 0

compares next hop, length and class of every AS's route to each sampled origin of the CAIDA 2016 graph (origins
drawn per destination kind: transit ASes, stubs sharing a class, single-homed stubs) and prints the differences
and BGPy's time per origin. It needs ``bgpy-pkg`` (the ``bgpy`` extra), best in an environment of its own: BGPy
13.0.13 pins exact versions of pytest, matplotlib and requests, which the ``docs`` extra's requests>=2.33 excludes.
BGPy cannot build a graph with a customer→provider cycle (its propagation ranks recurse without end); the 2016
graph has none.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from sim.data.topology import Topology
from sim.routes.plan import DestKind
from sim.routes.result import RoutesResult

Routes = dict[int, tuple[int, int, str]]  # asn → (next hop, length, class)
CLASS_OF = {"ORIGIN": "origin", "CUSTOMERS": "customer", "PEERS": "peer", "PROVIDERS": "provider"}


def bgpy_engine(topo: Topology):
    """A BGPy ``SimulationEngine`` on the topology's ASes and links (every AS running BGPy's default ``BGP``)."""
    from bgpy.as_graphs import ASGraph
    from bgpy.as_graphs.base import ASGraphInfo
    from bgpy.as_graphs.base.links import CustomerProviderLink, PeerLink
    from bgpy.simulation_engine import SimulationEngine

    a = topo.asns.tolist()
    info = ASGraphInfo(
        customer_provider_links=frozenset(
            CustomerProviderLink(provider_asn=a[p], customer_asn=a[c])
            for p, c in zip(topo.provider.tolist(), topo.customer.tolist(), strict=True)
        ),
        peer_links=frozenset(
            PeerLink(a[x], a[y]) for x, y in zip(topo.peer_a.tolist(), topo.peer_b.tolist(), strict=True)
        ),
        unlinked_asns=frozenset(a),
    )
    return SimulationEngine(ASGraph(info, store_customer_cone_size=False))


def bgpy_routes(engine, origin: int) -> Routes:
    """Every AS's route to ``origin`` after one BGPy propagation round of a valid-prefix announcement."""
    from bgpy.simulation_framework import ScenarioConfig, ValidPrefix

    config = ScenarioConfig(ScenarioCls=ValidPrefix, override_victim_asns=frozenset({origin}))
    scenario = ValidPrefix(scenario_config=config, engine=engine)
    engine.setup(scenario)
    engine.run(propagation_round=0, scenario=scenario)
    out = {}
    for as_obj in engine.as_graph:
        for _, ann in as_obj.policy.local_rib.items():
            path = ann.as_path
            out[as_obj.asn] = (path[min(1, len(path) - 1)], len(path) - 1, CLASS_OF[ann.recv_relationship.name])
    return out


def kernel_routes(result: RoutesResult, origin: int) -> Routes:
    tree = result.tree(origin)
    return {
        int(a): (int(h), int(n), str(c))
        for a, h, n, c in zip(tree["asn"], tree["next_hop"], tree["length"], tree["route_class"], strict=True)
    }


def sample_origins(result: RoutesResult, n: int, seed: int) -> list[int]:
    """``n`` origins, a third of each destination kind (transit, stub class, single-homed stub), seeded."""
    rng = np.random.default_rng(seed)
    kinds = (DestKind.TRANSIT, DestKind.CLASS, DestKind.BRANCH)
    picked = []
    for k, kind in enumerate(kinds):
        pool = np.flatnonzero(result.plan.kind == kind)
        take = n // len(kinds) + (k < n % len(kinds))
        picked += rng.choice(pool, min(take, len(pool)), replace=False).tolist()
    return result.topology.asns[sorted(picked)].tolist()


def differences(ours: Routes, theirs: Routes) -> dict[int, tuple]:
    """ASN → (ours, BGPy's) wherever the two differ (an AS with a route in only one of them included)."""
    return {a: (ours.get(a), theirs.get(a)) for a in ours.keys() | theirs.keys() if ours.get(a) != theirs.get(a)}


def compare(result: RoutesResult, origins: list[int], engine=None) -> tuple[dict[int, dict], list[float]]:
    """Per origin its differences (empty when the routes agree), and BGPy's seconds per origin."""
    engine = bgpy_engine(result.topology) if engine is None else engine
    diffs, seconds = {}, []
    for origin in origins:
        t0 = time.perf_counter()
        theirs = bgpy_routes(engine, origin)
        seconds.append(time.perf_counter() - t0)
        diffs[origin] = differences(kernel_routes(result, origin), theirs)
    return diffs, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=30, help="origins sampled (a third of each kind)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from sim import load_topology, routes
    from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED

    topo = load_topology(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    t0 = time.perf_counter()
    engine = bgpy_engine(topo)
    print(f"BGPy graph built in {time.perf_counter() - t0:.1f} s")
    origins = sample_origins(routes(topo, []), args.origins, args.seed)  # an empty question: just the plan
    result = routes(topo, origins)
    diffs, seconds = compare(result, origins, engine)
    n_rows = sum(len(kernel_routes(result, o)) for o in origins)
    n_diff = sum(len(d) for d in diffs.values())
    print(f"{len(origins)} origins, {n_rows:,} routes compared, {n_diff} differences")
    print(f"BGPy: median {np.median(seconds):.2f} s per origin")
    for origin, d in diffs.items():
        for asn, (ours, theirs) in list(d.items())[:5]:
            print(f"  AS{origin}: AS{asn} kernel {ours} BGPy {theirs}")
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
