"""Shared helpers of the regulation tests (one test file per regulation type beside this one).

Each regulation type is tested on a hand-drawn world whose outcome is worked out by hand: which links are cut,
by which regulation, and which ordered reachable pairs ``(source, destination)`` are lost. Drawings: ``a > b``
is a provider→customer link (``b`` buys transit from ``a``), ``a = b`` a peering link. Every regulation is
imposed through the scenario on a quiet model (nothing happens unless imposed) and takes effect at step 1.
"""

import numpy as np

from tests.worlds import quiet_model, reach_sets


def link(a: int, b: int) -> frozenset:
    return frozenset((a, b))


def between(group_a, group_b) -> set[tuple[int, int]]:
    """Every ordered pair from one group to the other, both directions."""
    return {(a, b) for a in group_a for b in group_b} | {(b, a) for a in group_a for b in group_b}


def lost_pairs(before: dict, after: dict) -> set[tuple[int, int]]:
    """Ordered pairs reachable before and not after; fails if any pair was gained (no regulation adds paths)."""
    assert all(after[s] <= before[s] for s in before), "a regulation made a new pair reachable"
    return {(s, d) for s in before for d in before[s] - after[s]}


def set_profiles(model, topo, **profiles: float) -> None:
    """Give each named state the profile (v, v, v, v): 0 and 1 are 1.0 apart (> tolerance 0.3), so they conflict."""
    for code, value in profiles.items():
        model.states[topo.country_index(code)].profile = np.full(4, float(value))
    model.conflicts = model.conflict_matrix()


def code_of(topo, reg) -> tuple[str, str, str]:
    """(kind, state, target) of a regulation, with country codes."""
    target = topo.country_codes[reg.target] if reg.target >= 0 else ""
    return reg.kind.value, topo.country_codes[reg.state], target


def run(topo, *, profiles=None, **params):
    """A quiet model of ``topo`` (profiles set before the first step), its reach sets before, stepped once."""
    model = quiet_model(topo, **params)
    if profiles:
        set_profiles(model, topo, **profiles)
    before = reach_sets(model)
    model.step()
    return model, before
