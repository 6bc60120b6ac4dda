"""Escalation is bounded: a state strengthens its rule only while its utility covers the cost of escalating,
``escalation_cost × drift`` (drift: RMS distance of its profile from its initial one)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.worlds import quiet_model, world

# XA: 1 > 2        XB: 10 > 11        1 = 10
# XA imposes an extraterritorial rule at step 1 and may strengthen it from step 2. Its utility is
# sovereignty_weight × drive × pressure = 1 × 1 × base_pressure (no trend, no shocks, no imitation, no retaliation);
# its cost is 0 (cost_weight 0), and nobody ever exits (compliance_cost 0), so it loses nothing. Profiles start
# uniform, XA at a level a, XB at a + 0.1 (XB never moves). A strengthening step moves XA strengthen_step = 0.05
# (Euclidean) away from the mean of the two states: straight down, 0.025 on every dimension, so its drift grows by
# 0.05 / √4 = 0.025 a step (and it stays inside [0, 1] while a ≥ 0.3 and the drift ≤ 0.225).
#
# It strengthens while base_pressure > escalation_cost × drift, so its drift stops within one step past
# base_pressure / escalation_cost: the bound plus 0.025.
TWO = world(p2c=[(1, 2), (10, 11)], p2p=[(1, 10)], country={1: "XA", 2: "XA", 10: "XB", 11: "XB"})
STEP_DRIFT = 0.05 / 2


def escalating(pressure: float, escalation_cost: float, start: float = 0.45):
    model = quiet_model(
        TWO,
        imposed=[dict(step=1, country="XA", kind="extraterritorial")],
        sovereignty_weight=1.0,
        base_pressure=pressure,
        cost_weight=0.0,
        compliance_cost=0.0,
        escalation_cost=escalation_cost,
        strengthen_step=0.05,
    )
    xa, xb = (model.states[TWO.country_index(code)] for code in ("XA", "XB"))
    xa.drive, xa.loss_tolerance = 1.0, 1.0
    xa.set_profile(np.full(4, start))
    xa.initial_profile = xa.profile.copy()
    xb.set_profile(np.full(4, start + 0.1))
    return model, xa


def drifts(model, state, n_steps: int) -> list[float]:
    out = []
    for _ in range(n_steps):
        model.step()
        out.append(state.drift())
    return out


PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(pressure=st.floats(0.05, 1.0), escalation_cost=st.floats(5.0, 40.0), start=st.floats(0.3, 0.6))
def test_drift_never_exceeds_utility_over_escalation_cost(pressure, escalation_cost, start):
    model, xa = escalating(pressure, escalation_cost, start)
    bound = pressure / escalation_cost
    path = drifts(model, xa, 40)
    assert max(path) <= bound + STEP_DRIFT + 1e-9
    assert path[-10:] == [path[-1]] * 10  # it has stopped
    assert xa.drift() == pytest.approx(np.linalg.norm(xa.profile - xa.initial_profile) / 2)


@pytest.mark.parametrize("pressure, escalation_cost", [(0.5, 5.0), (0.25, 5.0), (1.0, 20.0)])
def test_a_state_escalates_up_to_its_bound(pressure, escalation_cost):
    # not a bound that holds because nothing moves: the state does escalate, to within one step of it
    model, xa = escalating(pressure, escalation_cost)
    path = drifts(model, xa, 20)
    bound = pressure / escalation_cost
    assert path[0] == 0.0 and path[1] == pytest.approx(STEP_DRIFT)  # adopted at step 1, strengthens from step 2
    assert bound - 1e-9 <= path[-1] <= bound + STEP_DRIFT + 1e-9


def test_without_escalation_cost_a_state_keeps_moving():
    model, xa = escalating(0.5, 0.0)
    path = drifts(model, xa, 12)
    assert path[0] == 0.0
    assert np.all(np.diff(path[:11]) > 0.0)  # one more step every step
    assert path[10] == pytest.approx(10 * STEP_DRIFT)  # a straight line, far past the 0.1 that a cost of 5 allows
    np.testing.assert_allclose(xa.profile, np.full(4, 0.45 - 11 * STEP_DRIFT))  # after step 12: 11 moves
