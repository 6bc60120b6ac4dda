"""The reference routes on the hand-drawn cases, and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from sim.routes.reference import reference_routes
from tests.routes.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reference_gives_the_hand_drawn_routes(case: Case):
    topo = case.topology()
    got = reference_routes(topo, case.dst, **case.masks(topo))
    assert {asn: (r.next_hop, r.length, r.route_class.label) for asn, r in got.items()} == case.expected


def test_a_removed_destination_is_reached_by_nobody():
    case = CASES[0]
    topo = case.topology()
    assert reference_routes(topo, case.dst, removed_ases=topo.mask_of([case.dst])) == {}


def test_reference_arguments_are_checked():
    topo = CASES[0].topology()
    with pytest.raises(KeyError):
        reference_routes(topo, 12345)
    with pytest.raises(TypeError, match="removed_links"):
        reference_routes(topo, 10, removed_links=np.zeros(topo.n_links, int))
    with pytest.raises(ValueError, match="removed_ases"):
        reference_routes(topo, 10, removed_ases=np.zeros(topo.n_ases + 1, bool))
