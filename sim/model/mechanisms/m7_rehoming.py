"""M7: operator re-homing: networks that lost links buy new domestic transit after a delay."""

from __future__ import annotations

import numpy as np

from sim.model.mechanisms.base import CoordinationMechanism
from sim.model.mechanisms.registry import register
from sim.model.world import BoughtLink, World


@register("m7")
class Rehoming(CoordinationMechanism):
    """After the cuts of a step, an operator whose links were cut at least ``rehome_delay`` steps ago buys, with
    probability ``rehome_rate``, one customer→provider link to a domestic transit AS with a larger customer cone
    (so no customer→provider cycle can appear), chosen with probability proportional to its cone. It re-homes
    once per loss, not every step. Each link costs ``rehome_cost`` (reported). Draws from the model's
    ``rng_rehome`` stream.
    """

    label = "operator re-homing"
    order = 70

    def setup(self, model) -> None:
        self.handled = np.full(model.world.topo.n_ases, -1, np.int64)  # last cut step already re-homed for

    def after_resolution(self, model) -> list[BoughtLink]:
        mp, world = model.config.mechanism_params, model.world
        due = np.flatnonzero((model.cut_by >= 0) & (model.cut_step <= model.steps - mp.rehome_delay))
        if not len(due):
            return []
        ases = world.ends[due].ravel()
        when = np.repeat(model.cut_step[due], 2)
        last = np.full(world.topo.n_ases, -1, np.int64)
        np.maximum.at(last, ases, when)
        cand = np.flatnonzero((last > self.handled) & (world.country >= 0))
        cand = cand[model.rng_rehome.random(len(cand)) < mp.rehome_rate]
        self.handled[cand] = last[cand]
        new = choose_providers(world, cand, model.cone, model.rng_rehome)
        asns = world.topo.asns
        return [BoughtLink(int(asns[c]), int(asns[p]), model.steps, mp.rehome_cost) for c, p in new]


def choose_providers(world: World, cand: np.ndarray, cone: np.ndarray, rng) -> list[tuple[int, int]]:
    """(customer, provider) AS index pairs: one draw per candidate, dropped when it would duplicate a link."""
    n = world.topo.n_ases
    custs, provs = [], []
    for c in np.unique(world.country[cand]).tolist():  # a loop over countries, not ASes
        mine = cand[world.country[cand] == c]
        transit = np.flatnonzero((world.country == c) & (cone > 1))
        if not len(transit):
            continue
        weights = cone[transit].astype(float)
        picks = rng.choice(transit, size=len(mine), p=weights / weights.sum())
        ok = (cone[picks] > cone[mine]) & (picks != mine)
        custs.append(mine[ok])
        provs.append(picks[ok])
    if not custs:
        return []
    cust, prov = np.concatenate(custs), np.concatenate(provs)
    code = np.minimum(cust, prov) * n + np.maximum(cust, prov)
    existing = np.sort(np.min(world.ends, axis=1) * n + np.max(world.ends, axis=1))
    pos = np.minimum(np.searchsorted(existing, code), len(existing) - 1)
    fresh = existing[pos] != code
    _, first = np.unique(code, return_index=True)
    keep = np.zeros(len(code), bool)
    keep[first] = True
    keep &= fresh
    return list(zip(cust[keep].tolist(), prov[keep].tolist(), strict=True))
