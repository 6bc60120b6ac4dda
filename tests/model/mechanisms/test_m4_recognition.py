"""M4: mutual recognition of close profiles."""

from __future__ import annotations

import numpy as np
import pytest

from tests.model.mechanisms.common import ET_WORLD, ET_XA, EXIT, assert_back_once, build, column, link, run, state
from tests.worlds import cut_pairs, link_history


# --------------------------------------------------------------------------------------------------------------
# M4: mutual recognition, on ET_WORLD (XA: 1 > 2, 1 > 3, 1 > 4; XB: 10 > 11; XC: 20 > 21; peers 1 = 10, 1 = 20).
# XA at 0.2; XB at 0.6 (distance 0.4: above conflict_tolerance 0.3, within recognition_tolerance 0.5) or at 0.8
# (distance 0.6: beyond both). XA's rule binds 10; when torn it exits (EXIT) and cuts 1 = 10.
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "xb, mechanisms, cut",
    [
        (0.6, ["m0"], {link(1, 10)}),
        (0.6, ["m4"], set()),
        (0.8, ["m4"], {link(1, 10)}),
    ],
)
def test_m4_profiles_within_recognition_tolerance_do_not_conflict(xb, mechanisms, cut):
    model = run(
        ET_WORLD,
        dict(XA=0.2, XB=xb, XC=0.3),
        imposed=[ET_XA],
        mechanisms=mechanisms,
        recognition_tolerance=0.5,
        **EXIT,
    )
    assert model.conflict_matrix()[0, 1] == bool(cut)
    assert cut_pairs(model) == cut


def _recognition_model(delay: int):
    return build(
        ET_WORLD,
        dict(XA=0.2, XB=0.8, XC=0.3),
        imposed=[ET_XA],
        mechanisms=["m4"],
        recognition_tolerance=0.5,
        restore_delay=delay,
        **EXIT,
    )


def _move_xb(model, level: float) -> None:
    state(model, "XB").set_profile(np.full(4, level))


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_m4_link_comes_back_when_the_profiles_move_within_recognition(delay):
    # step 1: XB at 0.8, 1 = 10 cut. After it XB moves to 0.6 (0.4 from XA: recognised): the conflict is gone at
    # step 2's resolution and the link is back at step 2 + delay.
    model = _recognition_model(delay)
    model.step()
    assert cut_pairs(model) == {link(1, 10)}
    _move_xb(model, 0.6)
    for _ in range(1 + delay):
        model.step()
    assert_back_once(model, 1, 10, cut_step=1, back_step=2 + delay)
    assert cut_pairs(model) == set()
    model.step()
    assert cut_pairs(model) == set() and column(model, "n_links_restored")[-1] == 0


def test_m4_link_stays_cut_when_the_conflict_returns_before_the_delay_and_the_clock_restarts():
    # restore_delay 2. Step 1: cut. XB moves within recognition: gone at step 2, due at step 4; but XB moves back
    # out after step 2, so at step 3 the rule cuts it again and the link stays cut (the same cut, never restored).
    # XB moves within once more after step 3: gone at step 4, back at step 6, not 4.
    model = _recognition_model(2)
    moves = {1: 0.6, 2: 0.8, 3: 0.6}
    for step in range(1, 7):
        model.step()
        if step in moves:
            _move_xb(model, moves[step])
        if step < 6:
            assert cut_pairs(model) == {link(1, 10)}, f"step {step}"
    assert link_history(model, 1, 10) == [(1, 6)]
    assert column(model, "n_links_restored") == [0, 0, 0, 0, 0, 0, 1]
    assert column(model, "n_links_cut") == [0, 1, 1, 1, 1, 1, 0]
