"""Territorial rule: binds the regulating state's own ASes only, so it cuts no link."""

from __future__ import annotations

from sim.model.regulations.base import Context, Effect, RegKind, Regulation, register
from sim.model.world import World


@register(RegKind.TERRITORIAL)
def territorial(world: World, reg: Regulation, ctx: Context) -> Effect:
    """No link cut: a territorial rule binds domestic ASes only, whatever the conflicts."""
    return Effect()
