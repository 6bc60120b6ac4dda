"""What a state can adopt and which links each regulation cuts: one module per regulation type.

========================  =================================================================================
regulation                links cut
========================  =================================================================================
territorial               none: it binds domestic ASes only
extraterritorial (c)      foreign ASes serving c's market (a customer or peer in c), and c's state-owned ASes
                          abroad, are bound; one whose home state conflicts with c complies (a cost) or exits c's
                          market, whichever costs it less: only its links to c's ASes are cut
sovereign gateway (c, k)  cross-border links of c's ASes, except those of k gateways (largest customer cones
                          among c's transit ASes, or c's state-owned ASes)
sanctions (c → t)         links between c and t; secondary: third-country ASes linked to both keep the larger
                          of the two markets and cut the other
transit restriction       c's ASes refuse to carry traffic from sources of t (``forbid_transit[t, c]``) and the
(c → t)                   blunt tool is used too: links between c and t are cut
shutdown (c)              cross-border links of c's ASes, except those of exempted ASes
========================  =================================================================================

Border links join ASes of two different known countries: no foreign rule binds an AS of unknown country, and no
rule cuts a link inside a third country. A state isolating its own network (shutdown, gateway) orders its operators
to keep only the links they know to be domestic, so it cuts their links to ASes of unknown country too (those the
loader could not place: they have neighbours in more than one country).

A new type is one module here with an effect function registered under its :class:`RegKind` (see
:mod:`sim.model.regulations.base`). Coordination mechanisms may then change the cuts (the public-core norm M6
spares protected links, technical mitigation M8 drops the blunt cut of transit restrictions): that lives in the
mechanisms, not here.
"""

from sim.model.regulations.base import (
    EFFECTS,
    Context,
    Effect,
    GatewayChoice,
    RegKind,
    Regulation,
    between,
    cross_of,
    cut_links_to,
    effect,
    outward_of,
    register,
)
from sim.model.regulations.extraterritorial import extraterritorial
from sim.model.regulations.gateway import gateway
from sim.model.regulations.sanctions import sanctions
from sim.model.regulations.shutdown import shutdown
from sim.model.regulations.territorial import territorial
from sim.model.regulations.transit_restriction import forbid_matrix, transit_restriction

_missing = sorted(set(RegKind) - set(EFFECTS))
if _missing:  # a RegKind without its module would fail only when first adopted: fail on import instead
    raise ImportError(f"regulation types without an effect module: {_missing}")

__all__ = [
    "EFFECTS",
    "Context",
    "Effect",
    "GatewayChoice",
    "RegKind",
    "Regulation",
    "between",
    "cross_of",
    "cut_links_to",
    "effect",
    "extraterritorial",
    "outward_of",
    "forbid_matrix",
    "gateway",
    "register",
    "sanctions",
    "shutdown",
    "territorial",
    "transit_restriction",
]
