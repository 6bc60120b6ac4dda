"""A territorial rule binds domestic ASes only: it cuts nothing."""

from __future__ import annotations

from tests.model.regulations.common import code_of, lost_pairs, run
from tests.worlds import cut_pairs, reach_sets, world

# -- territorial -----------------------------------------------------------------------------------------------

# XA: 1 > 2, 1 > 3        XB: 10 > 11        XA–XB: 1 = 10.   Profiles conflict (XA 0, XB 1).
# An extraterritorial rule would bind 10 (linked to XA) and cut; a territorial rule binds only 1, 2, 3.
TERRITORIAL = world(
    p2c=[(1, 2), (1, 3), (10, 11)], p2p=[(1, 10)], country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"}
)


def test_territorial_rule_cuts_nothing_even_between_conflicting_states():
    model, before = run(
        TERRITORIAL, profiles=dict(XA=0, XB=1), imposed=[dict(step=1, country="XA", kind="territorial")]
    )
    assert [code_of(TERRITORIAL, r) for r in model.regulations] == [("territorial", "XA", "")]
    assert model.conflicts[0, 1]  # the states do conflict: only the rule's reach keeps the link up
    assert cut_pairs(model) == set()
    assert model.why_cut(1, 10) is None
    assert model.current.result.n_pairs() == 5 * 4  # everyone still reaches everyone
    assert lost_pairs(before, reach_sets(model)) == set()
    assert model.n_conflicts == 0
