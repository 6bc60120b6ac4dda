"""Hand-drawn worlds for the model's semantic tests: a few countries, a few ASes, every link written out.

``world(p2c=[(provider, customer), ...], p2p=[(a, b), ...], country={asn: "XA", ...})`` builds the topology;
``quiet_model(topo, **params)`` builds a model in which nothing happens unless the test imposes it (no state
adopts on its own, no shocks) and reachability is exact. Hand-drawn worlds carry no address space, so their markets
are counted in ASes (the model warns and falls back); ``with_address_space(topo, {asn: blocks})`` gives one some.
"""

from __future__ import annotations

import dataclasses

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


def with_address_space(topo: Topology, blocks: dict[int, int]) -> Topology:
    """A copy of ``topo`` whose ASes originate the given numbers of /24 blocks (ASes not named: 0, no data).

    The one place that knows how a topology carries address space: as ``Topology.address_space`` once the data
    layer has that field, until then as an attribute set on the copy of the frozen dataclass (what
    :func:`sim.model.market.market_weights` reads either way).
    """
    space = np.array([blocks.get(a, 0) for a in topo.asns.tolist()], dtype=np.int64)
    if "address_space" in {f.name for f in dataclasses.fields(topo)}:
        return topo.replace(address_space=space)
    copy = topo.replace()
    object.__setattr__(copy, "address_space", space)
    return copy


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


def link_history(model, a: int, b: int) -> list[tuple[int, int]]:
    """Each time the link between ASes ``a`` and ``b`` was cut: ``(step cut, step restored or -1)``, in order."""
    df = model.cut_links()
    df = df[((df.asn_a == a) & (df.asn_b == b)) | ((df.asn_a == b) & (df.asn_b == a))]
    return [(int(s), int(r)) for s, r in zip(df.step, df.restored_step, strict=True)]


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
