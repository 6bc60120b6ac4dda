"""Checks of a model configuration that only the topology can answer (the configuration checks itself)."""

from __future__ import annotations

import numpy as np

from sim.data.load import DEFAULT_CORE_SERVICES
from sim.data.topology import Topology
from sim.model.config import ModelConfig
from sim.model.mechanisms import mechanism_class


def check_config(config: ModelConfig, topo: Topology) -> None:
    """Check what only the topology can tell: countries and ASNs named by the scenario (events, blocs) exist,
    protected roles are known, each mechanism's parameters fit (its ``check``). Raises ``ValueError`` naming the field
    (``imposed[0].country``, ``mechanism_params.leader``)."""
    located = set(np.flatnonzero(topo.ases_per_country()).tolist())

    def present(code: str) -> bool:
        return code in topo.country_codes and topo.country_codes.index(code) in located

    for i, ev in enumerate(config.imposed):
        for key in ("country", "target"):
            code = getattr(ev, key)
            if code and not present(code):
                raise ValueError(f"imposed[{i}].{key}: country {code!r} has no AS in the topology {topo.name!r}")
        missing = sorted(set(ev.exempt) - set(topo.asns[np.isin(topo.asns, ev.exempt)].tolist()))
        if missing:
            raise ValueError(f"imposed[{i}].exempt: ASNs not in the topology {topo.name!r}: {missing[:10]}")
    for bloc, members in config.blocs.items():
        absent = [code for code in members if not present(code)]
        if absent:
            raise ValueError(f"blocs.{bloc}: countries with no AS in the topology {topo.name!r}: {absent}")
    for name in config.mechanisms:
        mechanism_class(name).check(config, topo)
    known = {"tier1", "ixp"} | set(DEFAULT_CORE_SERVICES) | set(topo.core_services)  # roles a topology may lack
    unknown = sorted(set(config.mechanism_params.protected_roles) - known)
    if unknown:
        raise ValueError(f"mechanism_params.protected_roles: unknown role(s) {unknown}; known: {sorted(known)}")
