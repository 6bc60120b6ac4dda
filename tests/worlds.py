"""Hand-drawn worlds for the model's semantic tests: a few countries, a few ASes, every link written out.

``world(p2c=[(provider, customer), ...], p2p=[(a, b), ...], country={asn: "XA", ...})`` builds the topology;
``quiet_model(topo, **params)`` builds a model in which nothing happens unless the test imposes it (no state
adopts on its own, no shocks) and reachability is exact.
"""

from __future__ import annotations

import numpy as np

from sim import FragmentationModel, Topology

CODES = ("XA", "XB", "XC", "XD")


def world(
    p2c=(), p2p=(), country=None, owner=None, operating=None, tier1=(), ixp=(), codes=CODES, core_services=None
) -> Topology:
    asns = sorted({a for row in [*p2c, *p2p] for a in row} | set(country or {}))
    index = {asn: i for i, asn in enumerate(asns)}

    def per_as(mapping):
        mapping = mapping or {}
        return np.array([codes.index(mapping[a]) if a in mapping else -1 for a in asns])

    return Topology.from_links(
        np.array(asns),
        np.array([(index[p], index[c]) for p, c in p2c], dtype=np.int32).reshape(-1, 2),
        np.array([(index[a], index[b]) for a, b in p2p], dtype=np.int32).reshape(-1, 2),
        country_codes=codes,
        country=per_as(country),
        owner=per_as(owner),
        operating=per_as(operating),
        tier1=np.isin(asns, tier1),
        ixp=np.isin(asns, ixp),
        core_services={k: np.isin(asns, v) for k, v in (core_services or {}).items()},
    )


QUIET = dict(
    n_sources=None,
    adoption_frac=0.0,
    sovereignty_weight=0.0,
    imitation_weight=0.0,
    retaliation_weight=0.0,
    shock_prob=0.0,
    base_pressure=0.0,
    pressure_trend=0.0,
)


def quiet_model(topo: Topology, rng: int = 0, **params) -> FragmentationModel:
    return FragmentationModel(topology=topo, rng=rng, **{**QUIET, **params})


def cut_pairs(model) -> set[frozenset]:
    """The links cut now (not restored) as unordered ASN pairs."""
    df = model.cut_links()
    df = df[df.restored_step < 0]
    return {frozenset((int(a), int(b))) for a, b in zip(df.asn_a, df.asn_b, strict=True)}


def reach_sets(model) -> dict[int, frozenset]:
    """ASN -> the ASNs it reaches now (exact), under the regulations in force."""
    r = model.current.result
    topo = r.topology
    out = {}
    for asn in topo.asns.tolist():
        out[asn] = frozenset(r.reachable_from(asn).tolist())
    return out
