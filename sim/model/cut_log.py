"""The record of the links' history: which regulation cut each link and when, and when a lifted regulation gave
it back. It answers "why was this link cut" after the run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.regulations import Regulation
from sim.model.world import World


class CutLog:
    """Cuts and restorations in the order the model applied them."""

    def __init__(self):
        self.cuts: list[tuple[np.ndarray, int, int]] = []  # (link ids, regulation id, step)
        self.restores: list[tuple[np.ndarray, int]] = []  # (link ids, step) restored when a rule was lifted

    def cut(self, links: np.ndarray, regulation: int, step: int) -> None:
        self.cuts.append((links, regulation, step))

    def restored(self, links: np.ndarray, step: int) -> None:
        self.restores.append((links, step))

    def frame(self, world: World, regulations: list[Regulation]) -> pd.DataFrame:
        """Every link cut, with the regulation that cut it (id, kind, state, target) and the step it was restored
        (-1: still cut); link ids and ASNs from ``world``."""
        log = self.cuts
        links = np.concatenate([ids for ids, _, _ in log]) if log else np.zeros(0, np.int64)
        reg_ids = np.concatenate([np.full(len(ids), r) for ids, r, _ in log]) if log else np.zeros(0, np.int64)
        steps = np.concatenate([np.full(len(ids), t) for ids, _, t in log]) if log else np.zeros(0, np.int64)
        restored = np.full(len(links), -1, np.int64)
        for ids, t in self.restores:
            restored[np.isin(links, ids) & (steps < t) & (restored < 0)] = t
        ends = world.ends[links]
        codes = world.topo.country_codes
        # each regulation's kind, state and target once, then gathered for its links
        kind = np.array([r.kind.value for r in regulations] or [""], dtype=object)
        state = np.array([codes[r.state] for r in regulations] or [""], dtype=object)
        target = np.array([codes[r.target] if r.target >= 0 else "" for r in regulations] or [""], dtype=object)
        return pd.DataFrame(
            {
                "link": links,
                "asn_a": world.topo.asns[ends[:, 0]],
                "asn_b": world.topo.asns[ends[:, 1]],
                "rel": np.where(world.is_p2c[links], "p2c", "p2p"),
                "step": steps,
                "regulation": reg_ids,
                "kind": kind[reg_ids].tolist(),
                "state": state[reg_ids].tolist(),
                "target": target[reg_ids].tolist(),
                "restored_step": restored,
            }
        )
