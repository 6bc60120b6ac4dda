"""Network operators, in bulk: they resolve conflicting obligations by cutting links (step 4) and, with
re-homing (M7), buy new transit after a delay."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.config import Mechanism
from sim.model.regulations import effect
from sim.model.world import World


@dataclass(frozen=True)
class BoughtLink:
    customer: int  # ASN
    provider: int  # ASN
    step: int
    cost: float


class Operators:
    """Applies the regulations in force to the links, and re-homes operators that lost links (M7)."""

    def __init__(self, model):
        self.model = model
        self.bought: list[BoughtLink] = []
        self.handled = np.full(model.world.topo.n_ases, -1, np.int64)  # last cut step already re-homed for
        self.cut_log: list[tuple[np.ndarray, int, int]] = []  # (link ids, regulation id, step)
        self.restore_log: list[tuple[np.ndarray, int]] = []  # (link ids, step) restored when a rule was lifted

    def resolve(self) -> None:
        m = self.model
        self._restore_lifted()
        ctx = m.context()
        alive = m.cut_by < 0
        n_conflicts = 0
        for reg in (r for r in m.regulations if r.active(m.steps)):
            eff = effect(m.world, reg, ctx)
            new = eff.cut[alive[eff.cut]]
            m.cut_by[new], m.cut_step[new] = reg.id, m.steps
            self.cut_log.append((new, reg.id, m.steps))
            alive[new] = False
            n_conflicts += eff.n_conflicts
            for victim in np.unique(m.world.end_country[new]).tolist():
                if victim >= 0 and victim != reg.state and victim in m.states:
                    m.states[victim].hurt_next.add(reg.state)
        m.n_conflicts = n_conflicts
        if m.config.has(Mechanism.M7):
            self._rehome()

    def _restore_lifted(self) -> None:
        m = self.model
        lifted = [r.id for r in m.regulations if r.lift_step >= 0 and not r.active(m.steps)]
        back = np.isin(m.cut_by, lifted)
        self.restore_log.append((np.flatnonzero(back), m.steps))
        m.cut_by[back], m.cut_step[back] = -1, -1

    def _rehome(self) -> None:
        """Operators whose links were cut at least ``rehome_delay`` steps ago buy, with probability
        ``rehome_rate``, one customer→provider link to a domestic transit AS with a larger customer cone
        (so no customer→provider cycle can appear), chosen with probability proportional to its cone."""
        m, mp = self.model, self.model.config.mechanism_params
        world = m.world
        due = np.flatnonzero((m.cut_by >= 0) & (m.cut_step <= m.steps - mp.rehome_delay))
        if not len(due):
            return
        ases = world.ends[due].ravel()
        when = np.repeat(m.cut_step[due], 2)
        last = np.full(world.topo.n_ases, -1, np.int64)
        np.maximum.at(last, ases, when)
        cand = np.flatnonzero((last > self.handled) & (world.country >= 0))
        cand = cand[m.rng_rehome.random(len(cand)) < mp.rehome_rate]
        self.handled[cand] = last[cand]
        new = self._choose_providers(world, cand, m.cone, m.rng_rehome)
        if not len(new):
            return
        topo = world.topo
        self.bought += [BoughtLink(int(topo.asns[c]), int(topo.asns[p]), m.steps, mp.rehome_cost) for c, p in new]
        bought = np.concatenate([world.bought, np.array([(p, c) for c, p in new], np.int64)])
        m.world = World(topo, world.protected, bought)
        m.cut_by = np.r_[m.cut_by, np.full(len(new), -1, np.int64)]
        m.cut_step = np.r_[m.cut_step, np.full(len(new), -1, np.int64)]

    @staticmethod
    def _choose_providers(world: World, cand: np.ndarray, cone: np.ndarray, rng) -> list[tuple[int, int]]:
        """(customer, provider) pairs: one draw per candidate, dropped when it would duplicate a link."""
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
        return list(zip(cust[keep].tolist(), prov[keep].tolist()))
