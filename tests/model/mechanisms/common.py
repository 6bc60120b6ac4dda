"""Shared helpers and hand-drawn worlds of the mechanism tests (one test file per mechanism beside this one).

Every world is drawn in a comment: ``a > b`` is a customer→provider link (``a`` sells transit to ``b``),
``a = b`` a peer link, ``*`` marks a Tier-1 AS. Profiles are set uniform (``p`` on every policy dimension), so
the distance between two states (RMS over the dimensions) is simply ``|p - q|``; ``conflict_tolerance`` is
0.3 throughout. Markets are the ASes located in a country; with ``operator_choice="larger_market"`` a torn
operator keeps the larger market and cuts its links to the other side.

Nothing happens in a quiet model unless the test imposes it (no state adopts on its own), so the only
regulation in force is the imposed one (plus, under M2, the retaliation it provokes).
"""

from __future__ import annotations

import numpy as np

from tests.worlds import quiet_model, world

TOLERANCE = 0.3
ET_XA = dict(step=1, country="XA", kind="extraterritorial")


def link(a: int, b: int) -> frozenset:
    return frozenset((a, b))


def build(topo, profiles: dict[str, float], **params):
    """A quiet model with every state's profile set to a uniform level."""
    model = quiet_model(topo, conflict_tolerance=TOLERANCE, **params)
    for code, level in profiles.items():
        state(model, code).profile = np.full(4, float(level))
    return model


def run(topo, profiles: dict[str, float], n_steps: int = 1, **params):
    model = build(topo, profiles, **params)
    for _ in range(n_steps):
        model.step()
    return model


def state(model, code: str):
    return model.states[model.world.topo.country_index(code)]


def _pairs(result) -> set[tuple[int, int]]:
    asns = result.topology.asns.tolist()
    return {(s, int(d)) for s in asns for d in result.reachable_from(s).tolist() if d != s}


def lost_pairs(model) -> set[tuple[int, int]]:
    """Ordered (source, destination) ASN pairs reachable at step 0 and not now."""
    return _pairs(model.baseline.result) - _pairs(model.current.result)


def reaches(model, asn: int) -> set[int]:
    return set(model.current.result.reachable_from(asn).tolist())


def column(model, name: str) -> list:
    return model.datacollector.get_model_vars_dataframe()[name].tolist()


# --------------------------------------------------------------------------------------------------------------
# ET_WORLD (M0, M4): an extraterritorial rule with conflicting profiles
#
#        XB (market 2)        XA (market 4)        XC (market 2)
#          10 ──── peer ────── 1 ────── peer ────── 20
#          │                 / | \                   │
#          11               2  3  4                 21
#
#   XA: 1 > 2, 1 > 3, 1 > 4      XB: 10 > 11          XC: 20 > 21        peers: 1 = 10, 1 = 20
# --------------------------------------------------------------------------------------------------------------
ET_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
# XB is 0.6 away from XA (conflict), XC 0.1 (no conflict)
ET_PROFILES = dict(XA=0.2, XB=0.8, XC=0.3)
XA_SIDE = {1, 2, 3, 4}


# --------------------------------------------------------------------------------------------------------------
# LEADER_WORLD (M1, M2): XB's only cross-border link goes to the leader XA: dependence 1, so it complies with
# probability comply_prob.
#
#   XA (market 4): 1 > 2, 1 > 3, 1 > 4        XB (market 2): 10 > 11        peers: 1 = 10
# --------------------------------------------------------------------------------------------------------------
LEADER_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB"},
)
