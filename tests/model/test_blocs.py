"""Blocs: states holding one rulebook (the EU's GDPR) start from one profile and never conflict with each other."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ModelConfig
from tests.worlds import cut_pairs, quiet_model, world

# XA: 1 > 2, 1 > 3, 1 > 4      XB: 10 > 11      XC: 20 > 21      peers: 1 = 10, 1 = 20       (XD: no AS)
WORLD = world(
    p2c=[(1, 2), (1, 3), (1, 4), (10, 11), (20, 21)],
    p2p=[(1, 10), (1, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
)
XA, XB, XC = 0, 1, 2
EU = {"EU": ("XA", "XB")}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_members_start_from_the_mean_of_their_drawn_profiles(seed):
    alone = quiet_model(WORLD, rng=seed)
    bloc = quiet_model(WORLD, rng=seed, blocs=EU)
    mean = (alone.states[XA].profile + alone.states[XB].profile) / 2
    for c in (XA, XB):
        np.testing.assert_allclose(bloc.states[c].profile, mean)
        np.testing.assert_allclose(bloc.states[c].initial_profile, mean)
    np.testing.assert_array_equal(bloc.states[XC].profile, alone.states[XC].profile)  # the draws are shared
    assert bloc.states[XA].agreements == {XB} and bloc.states[XB].agreements == {XA}
    assert bloc.states[XC].agreements == set()
    assert bloc.states[XA].profile is not bloc.states[XB].profile  # one starting point, two profiles


def test_members_never_conflict_however_far_apart_they_move():
    # XA 0 and XB 1: far past the tolerance; XC, 1 on two dimensions and 0 on two, conflicts with both and with
    # the profile they share from the first step on (0.5 everywhere). XA's rule binds 10 and 20 (peers of 1) and
    # every torn operator exits: only XC's 20 is torn, XB's 10 is covered by the bloc
    model = quiet_model(
        WORLD, blocs=EU, operator_choice="exit", imposed=[dict(step=1, country="XA", kind="extraterritorial")]
    )
    for c, profile in ((XA, [0, 0, 0, 0]), (XB, [1, 1, 1, 1]), (XC, [1, 0, 1, 0])):
        model.states[c].set_profile(np.array(profile, dtype=float))
    conflict = model.conflict_matrix()
    assert not conflict[XA, XB] and not conflict[XB, XA]
    assert conflict[XA, XC] and conflict[XB, XC]
    for _ in range(3):
        model.step()
    assert cut_pairs(model) == {frozenset((1, 20))}
    assert model.n_conflicts == 1


@pytest.mark.parametrize(
    "blocs, message",
    [
        ({"EU": ("XA", "XD")}, "blocs.EU: countries with no AS in the topology"),  # XD is a code without an AS
        ({"EU": ("XA", "XZ")}, "blocs.EU: countries with no AS in the topology"),  # XZ is no code of the topology
        ({"AU": ("XB", "XA", "ZZ")}, "blocs.AU"),
        ({"EU": ("XA",)}, "blocs.EU"),  # a bloc of one
    ],
)
def test_a_bloc_naming_a_country_without_a_state_is_refused_naming_the_bloc(blocs, message):
    with pytest.raises(ValueError) as err:
        quiet_model(WORLD, blocs=blocs)
    assert message in str(err.value)


def test_blocs_must_be_a_mapping():
    with pytest.raises(ValueError, match="blocs"):
        ModelConfig(blocs=[("XA", "XB")])
