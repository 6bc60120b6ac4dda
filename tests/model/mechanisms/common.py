"""Shared helpers and hand-drawn worlds of the mechanism tests (one test file per mechanism beside this one).

Every world is drawn in a comment: ``a > b`` is a customer→provider link (``a`` sells transit to ``b``),
``a = b`` a peer link, ``*`` marks a Tier-1 AS. Profiles are set uniform (``p`` on every policy dimension), so
the distance between two states (RMS over the dimensions) is simply ``|p - q|``; ``conflict_tolerance`` is
0.3 throughout.

The operators' rule (:mod:`sim.model.regulations.extraterritorial`): state ``c``'s extraterritorial rule binds the
foreign operators that serve ``c``'s market (a customer or a peer in ``c``; buying transit from ``c`` does not
count). A bound operator whose home state conflicts with ``c`` complies, at a cost ``compliance_cost × severity``
with ``severity = (distance − 0.3) / 0.7``, or exits ``c``'s market (cuts its links to ``c``'s ASes, and only those)
when that cost is strictly above the share of its customers and peers located in ``c``. Hand-drawn worlds have no
address space: the share is counted in ASes. The mechanism tests are about the mechanisms, not the operators'
weighing, so where they need an exit they set ``operator_choice="exit"`` (:data:`EXIT`: every torn operator exits).

Nothing happens in a quiet model unless the test imposes it (no state adopts on its own), so the only
regulation in force is the imposed one (plus, under M2, the retaliation it provokes).
"""

from __future__ import annotations

import numpy as np

from tests.worlds import link_history, quiet_model, world

TOLERANCE = 0.3
ET_XA = dict(step=1, country="XA", kind="extraterritorial")
EXIT = dict(operator_choice="exit")  #: every torn operator exits the regulating state's market


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


def assert_back_once(model, a: int, b: int, cut_step: int, back_step: int) -> None:
    """The link between ASes ``a`` and ``b`` was cut once, at ``cut_step``, and came back at ``back_step``; it is the
    only link that came back, in the cut log and in the ``n_links_restored`` metric."""
    assert link_history(model, a, b) == [(cut_step, back_step)]
    restored = column(model, "n_links_restored")
    assert restored[back_step] == 1 and sum(restored) == 1


# --------------------------------------------------------------------------------------------------------------
# ET_WORLD (M0, M4): an extraterritorial rule with conflicting profiles
#
#        XB (2 ASes)          XA (4 ASes)          XC (2 ASes)
#          10 ──── peer ────── 1 ────── peer ────── 20
#          │                 / | \                   │
#          11               2  3  4                 21
#
#   XA: 1 > 2, 1 > 3, 1 > 4      XB: 10 > 11          XC: 20 > 21        peers: 1 = 10, 1 = 20
#
#   XA's rule binds 10 and 20 (each peers with XA's 1). Shares of XA in their business (customers and peers):
#   10 → {11, 1}: 1/2; 20 → {21, 1}: 1/2. XB's rule binds XA's 1: its business {2, 3, 4, 10, 20} is 1/5 in XB.
# --------------------------------------------------------------------------------------------------------------
ET_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
# XB is 0.6 away from XA (conflict, severity (0.6 − 0.3) / 0.7 = 3/7), XC 0.1 (no conflict)
ET_PROFILES = dict(XA=0.2, XB=0.8, XC=0.3)
SEVERITY_XA_XB = 3 / 7
XA_SIDE = {1, 2, 3, 4}


# --------------------------------------------------------------------------------------------------------------
# LEADER_WORLD (M1, M2): XB's cross-border links all go to the leader XA: dependence 1, so it complies with
# probability comply_prob.
#
#   XA: 1 > 2, 1 > 3, 1 > 4        XB: 10 > 11        cross-border: 1 = 10, 2 > 11 (XB's 11 buys transit from 2)
#
#   XA's rule binds 10 (a peer in XA) and not 11 (it only buys from XA): an exiting 10 cuts 1 = 10 alone.
# --------------------------------------------------------------------------------------------------------------
LEADER_WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (2, 11)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB"},
)
