"""The class of a route: how the AS holding it learned it, which decides both preference and export."""

from __future__ import annotations

from enum import IntEnum


class RouteClass(IntEnum):
    """How an AS learned its route; a higher value is preferred (BGPy's ``Relationships`` order).

    An AS exports a route of class ``ORIGIN`` or ``CUSTOMER`` to every neighbour, a route of class ``PEER`` or
    ``PROVIDER`` to its customers only (Gao-Rexford). ``NONE`` marks an AS without a route.
    """

    NONE = 0
    PROVIDER = 1  #: learned from a provider
    PEER = 2  #: learned from a peer
    CUSTOMER = 3  #: learned from a customer
    ORIGIN = 4  #: the destination itself

    @property
    def label(self) -> str:
        """The name used in tables: ``'origin'``, ``'customer'``, ``'peer'``, ``'provider'`` (``'none'``)."""
        return self.name.lower()
