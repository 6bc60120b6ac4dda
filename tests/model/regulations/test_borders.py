"""What any regulation may cut: border links only. No regulation cuts a link inside a country (a foreign rule never
makes an operator cut links at home), and an AS of unknown country is never foreign: its links are not borders."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.data.topology import UNKNOWN
from sim.model.regulations import RegKind
from sim.model.regulations.extraterritorial import serving
from tests.model.regulations.common import code_of, link, run
from tests.strategies import topologies
from tests.worlds import cut_pairs, quiet_model, reach_sets, world

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MECHANISMS = ("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8")


@st.composite
def owned_worlds(draw):
    """A small random world with at least one located AS (ASes of unknown country included, some state-owned
    abroad), and the codes of the countries that have a state."""
    topo = draw(topologies(max_ases=10, n_countries=3, min_ases=2, with_cycles=False))
    n, k = topo.n_ases, len(topo.country_codes)
    if not (topo.country >= 0).any():
        topo = topo.replace(country=np.zeros(n, np.int16))
    owner = np.array(draw(st.lists(st.integers(UNKNOWN, k - 1), min_size=n, max_size=n)), dtype=np.int16)
    owner[(owner == topo.country) | (topo.country < 0)] = UNKNOWN  # owned abroad, operating where it is located
    topo = topo.replace(owner=owner, operating=np.where(owner >= 0, topo.country, UNKNOWN).astype(np.int16))
    present = sorted({topo.country_codes[c] for c in topo.country[topo.country >= 0].tolist()})
    return topo, present


def with_profiles(topo, profiles: dict[str, float], **params):
    """A quiet model of ``topo`` with each named state's profile set uniform."""
    model = quiet_model(topo, **params)
    for code, level in profiles.items():
        model.states[topo.country_index(code)].set_profile(np.full(4, level))
    return model


@st.composite
def regulated_worlds(draw):
    """A small random world (:func:`owned_worlds`), the states' profiles, one to three imposed regulations of any
    kind and the operators' and mechanisms' parameters."""
    topo, present = draw(owned_worlds())
    events = []
    for _ in range(draw(st.integers(1, 3))):
        kinds = [RegKind(kind) for kind in RegKind]
        if len(present) < 2:
            kinds = [kind for kind in kinds if kind not in (RegKind.SANCTIONS, RegKind.TRANSIT_RESTRICTION)]
        kind = draw(st.sampled_from(kinds))
        country = draw(st.sampled_from(present))
        event = dict(step=draw(st.integers(1, 2)), country=country, kind=kind.value)
        if kind in (RegKind.SANCTIONS, RegKind.TRANSIT_RESTRICTION):
            event["target"] = draw(st.sampled_from([c for c in present if c != country]))
            event["secondary"] = draw(st.booleans())
        if kind == RegKind.GATEWAY:
            event["k"] = draw(st.integers(0, 2))
            event["gateway_choice"] = draw(st.sampled_from(["largest", "state_owned"]))
        if kind == RegKind.SHUTDOWN:
            event["exempt"] = draw(st.lists(st.sampled_from(topo.asns.tolist()), max_size=2, unique=True))
        if draw(st.booleans()):
            event["lift_step"] = event["step"] + draw(st.integers(1, 2))
        events.append(event)
    profiles = {code: draw(st.floats(0, 1)) for code in present}
    params = dict(
        imposed=events,
        operator_choice=draw(st.sampled_from(["weigh", "exit"])),
        compliance_cost=draw(st.floats(0, 1)),
        conflict_tolerance=draw(st.sampled_from([0.0, 0.1, 0.3])),
        restore_delay=draw(st.integers(0, 2)),
        mechanisms=draw(st.lists(st.sampled_from(MECHANISMS), min_size=1, max_size=2, unique=True)),
        retaliate_prob=1.0,
        comply_prob=0.5,
        rehome_rate=1.0,
    )
    return topo, profiles, params


@PROPERTY
@given(regulated_worlds())
def test_no_regulation_ever_cuts_a_link_inside_a_country_and_only_a_state_closing_its_border_cuts_unknown_ones(case):
    """No rule cuts a link inside a country. A link to an AS of unknown country is never a foreign market (no
    extraterritorial rule, sanction or transit restriction cuts it), but a shutdown or gateway keeps only the links
    known to be domestic, so it may cut its own ASes' links to unknown ones."""
    topo, profiles, params = case
    model = with_profiles(topo, profiles, **params)
    for _ in range(4):
        model.step()
    history = model.cut_links()  # every cut of the run, restored or not
    ends = topo.country[topo.asn_to_idx(np.r_[history.asn_a, history.asn_b])].reshape(2, -1)
    state = np.array([topo.country_index(code) for code in history.state], dtype=np.int64)
    third_country_home_link = (ends[0] == ends[1]) & (ends[0] != state)
    assert not third_country_home_link.any(), history[third_country_home_link]
    assert (ends[0] != ends[1]).all(), history[ends[0] == ends[1]]  # nor the regulating state's own network
    unknown = (ends < 0).any(axis=0)
    closing = history.kind.isin(["shutdown", "gateway"]).to_numpy()
    assert not (unknown & ~closing).any(), history[unknown & ~closing]  # an AS of unknown country is never foreign
    own = (ends[0] == state) | (ends[1] == state)
    assert own[unknown].all(), history[unknown & ~own]  # a closing state cuts only its own ASes' links


#   XA: 1 > 2        XB (a third country): 10 > 11, 10 > 12, 11 = 12        XC: 20 > 21
#   cross-border: 1 = 10, 20 > 10 (10 buys from XC too), 11 > 2 (11 sells transit to XA's 2), 12 = 21
#   Profiles XA 0, XB 1, XC 0.5: every pair conflicts. 10 is linked to XA and XC: a third-country operator for
#   sanctions between them; XC's rule binds 12 (a peer of 21), XA's binds 10 and 11. Whatever XA or XC imposes,
#   XB's own network (10 > 11, 10 > 12, 11 = 12) stays whole.
THIRD = world(
    p2c=[(1, 2), (10, 11), (10, 12), (20, 21), (20, 10), (11, 2)],
    p2p=[(11, 12), (1, 10), (12, 21)],
    country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 12: "XB", 20: "XC", 21: "XC"},
)
XB_HOME = {link(10, 11), link(10, 12), link(11, 12)}


@pytest.mark.parametrize(
    "event",
    [
        dict(country="XA", kind="extraterritorial"),
        dict(country="XC", kind="extraterritorial"),
        dict(country="XA", kind="sanctions", target="XC", secondary=True),
        dict(country="XC", kind="sanctions", target="XA", secondary=True),
        dict(country="XA", kind="sanctions", target="XB", secondary=True),
        dict(country="XA", kind="gateway", k=0),
        dict(country="XA", kind="shutdown"),
        dict(country="XA", kind="transit_restriction", target="XB"),
        dict(country="XA", kind="territorial"),
    ],
    ids=lambda e: "-".join(str(v) for v in e.values()),
)
@pytest.mark.parametrize("operator_choice", ["weigh", "exit"])
def test_no_regulation_cuts_a_third_countrys_home_links(event, operator_choice):
    model, before = run(
        THIRD,
        profiles=dict(XA=0, XB=1, XC=0.5),
        operator_choice=operator_choice,
        compliance_cost=1.0,
        imposed=[dict(step=1, **event)],
    )
    assert not cut_pairs(model) & XB_HOME
    after = reach_sets(model)
    assert all({10, 11, 12} <= after[a] for a in (10, 11, 12))  # XB's own network is whole
    assert all(before[a] >= after[a] for a in before)


def reference_exit_cut(model, c: int) -> set[frozenset]:
    """The links an extraterritorial rule of ``c`` cuts when every torn operator exits, link by link: those of an
    operator located in another known country that conflicts with ``c``, that sells to ``c`` (a peer or a
    customer there) or is owned by ``c``, joining it to one of ``c``'s ASes."""
    topo, conflict = model.world.topo, model.conflict_matrix()
    rows = [(int(p), int(q), True) for p, q in zip(topo.provider, topo.customer, strict=True)]
    rows += [(int(p), int(q), False) for p, q in zip(topo.peer_a, topo.peer_b, strict=True)]
    sells: dict[int, set[int]] = {}  # operator -> the ASes it sells transit or peering to
    for a, b, is_p2c in rows:
        sells.setdefault(a, set()).add(b)
        if not is_p2c:
            sells.setdefault(b, set()).add(a)
    country = topo.country.tolist()
    bound = {
        o
        for o in range(topo.n_ases)
        if country[o] >= 0
        and country[o] != c
        and conflict[c, country[o]]
        and (any(country[x] == c for x in sells.get(o, ())) or topo.owner[o] == c)
    }
    return {
        frozenset((int(topo.asns[a]), int(topo.asns[b])))
        for a, b, _ in rows
        if (a in bound and country[b] == c) or (b in bound and country[a] == c)
    }


@PROPERTY
@given(owned_worlds(), st.data())
def test_an_exiting_operator_cuts_exactly_its_links_to_the_regulator(world_case, data):
    topo, present = world_case
    regulator = data.draw(st.sampled_from(present))
    profiles = {code: data.draw(st.floats(0, 1)) for code in present}
    model = with_profiles(
        topo,
        profiles,
        imposed=[dict(step=1, country=regulator, kind="extraterritorial")],
        operator_choice="exit",
        conflict_tolerance=data.draw(st.sampled_from([0.0, 0.2])),
    )
    model.step()
    assert cut_pairs(model) == reference_exit_cut(model, topo.country_index(regulator))


# -- unknown-country ASes ------------------------------------------------------------------------------------------

#   XA: 1 > 2, 1 > 3        XB: 10 > 11        40, 41: country unknown (41 owned by XA)
#   1 = 10 (the one border link), 1 = 40, 40 > 3, 40 = 10 (40 touches both XA and XB), 41 = 11
#   Profiles XA 0, XB 1: the two states conflict.
UNKNOWN_WORLD = world(
    p2c=[(1, 2), (1, 3), (10, 11), (40, 3)],
    p2p=[(1, 10), (1, 40), (10, 40), (11, 41)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"},
    owner={41: "XA"},
)
BORDER = {link(1, 10)}


def test_links_to_unknown_country_ases_are_not_border_links():
    model = quiet_model(UNKNOWN_WORLD)
    w = model.world
    asns = UNKNOWN_WORLD.asns[w.ends]
    assert {link(int(a), int(b)) for a, b in asns[w.cross]} == BORDER
    assert not w.cross[(w.end_country < 0).any(axis=1)].any()


def test_unknown_country_ases_are_not_bound_by_an_extraterritorial_rule():
    model = quiet_model(UNKNOWN_WORLD)
    # 40 peers with XA's 1 and sells transit to XA's 3, and 41 is owned by XA: neither is a foreign operator
    assert UNKNOWN_WORLD.asns[serving(model.world, UNKNOWN_WORLD.country_index("XA"))].tolist() == [10]
    assert UNKNOWN_WORLD.asns[serving(model.world, UNKNOWN_WORLD.country_index("XB"))].tolist() == [1]


@pytest.mark.parametrize(
    "event, n_conflicts",
    [
        (dict(country="XA", kind="extraterritorial"), 1),  # 10 exits XA's market; 40 and 41 are not bound
        (dict(country="XB", kind="extraterritorial"), 1),  # 1 exits XB's market; 40 (a peer of 10) is not bound
        (dict(country="XB", kind="sanctions", target="XA", secondary=True), 0),  # 40 is no third country
        (dict(country="XA", kind="transit_restriction", target="XB"), 0),
    ],
)
def test_foreign_market_rules_leave_links_to_unknown_country_ases_up(event, n_conflicts):
    model, before = run(
        UNKNOWN_WORLD, profiles=dict(XA=0, XB=1), operator_choice="exit", imposed=[dict(step=1, **event)]
    )
    assert cut_pairs(model) == BORDER
    assert code_of(UNKNOWN_WORLD, model.why_cut(1, 10))[:2] == (event["kind"], event["country"])
    assert model.n_conflicts == n_conflicts
    after = reach_sets(model)
    # XA's 3 still reaches XB over its unknown-country provider: 3 < 40 = 10 > 11 (up, peer, down); a transit
    # restriction of XA's refuses XB's traffic through XA, and 3 is the source here
    assert {10, 11} <= after[3] and before[3] >= {10, 11}


@pytest.mark.parametrize("event", [dict(country="XA", kind="shutdown"), dict(country="XA", kind="gateway", k=0)])
def test_a_state_closing_its_border_keeps_only_the_links_known_to_be_domestic(event):
    # 40 may be anywhere: XA's shutdown (or a gateway policy with no gateway) cuts 1 = 40 and 40 > 3 with the border
    # link 1 = 10; XB's 11 = 41 is not XA's to cut, and XA's own network (1 > 2, 1 > 3) stays whole
    model, _ = run(UNKNOWN_WORLD, profiles=dict(XA=0, XB=1), imposed=[dict(step=1, **event)])
    assert cut_pairs(model) == BORDER | {link(1, 40), link(40, 3)}
    assert reach_sets(model)[3] == {1, 2, 3}


@PROPERTY
@given(owned_worlds(), st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=4))
def test_links_between_two_countries_are_those_with_one_end_in_each(drawn, pairs):
    """The sanctions' and transit restrictions' links (an index by country pair) are exactly the links whose two
    ends lie in the two countries, in either order; inside a country when both are the same."""
    topo, _ = drawn
    model = quiet_model(topo)
    w = model.world
    for c, t in pairs:
        ec = w.end_country
        expected = np.flatnonzero(((ec[:, 0] == c) & (ec[:, 1] == t)) | ((ec[:, 0] == t) & (ec[:, 1] == c)))
        assert w.links_between(c, t).tolist() == expected.tolist()
        assert w.links_between(t, c).tolist() == expected.tolist()
    with pytest.raises(ValueError, match="known"):
        w.links_between(0, UNKNOWN)
