"""Network operators, in bulk: in step 4 they resolve the conflicting obligations of the regulations in force by
cutting links, and give back the links of lifted regulations. They report what changed; the model applies it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.model.regulations import Context, Regulation, effect
from sim.model.world import BoughtLink, World

__all__ = ["BoughtLink", "Operators", "Resolution"]

CutFilter = Callable[[Regulation, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Resolution:
    """What one step's resolution changed."""

    cuts: list[tuple[np.ndarray, int]]  #: (newly cut link ids, id of the regulation that cut them), per regulation
    restored: np.ndarray  #: link ids given back: their rule was lifted, or the conflict behind them ended
    cause_ended: np.ndarray  #: (n_links,) step each cut link's cause was first seen gone (-1: still there)
    n_conflicts: int  #: operators facing conflicting obligations
    n_exits: int = 0  #: of them, operators leaving a regulating state's market
    compliance_cost: float = 0.0  #: cost borne by the operators that comply
    hurt: dict[int, set[int]] = field(default_factory=dict)  #: state -> states whose rules cut its links now


class Operators:
    """Apply the regulations in force to the links.

    Parameters
    ----------
    filter_cuts : callable, optional
        ``(regulation, link ids) -> link ids``: what the coordination mechanisms leave of a regulation's cut
        (the public-core norm, technical mitigation). Default: the cut as it is.

    Notes
    -----
    A cut lasts while its cause does. A link cut by a regulation that has been lifted comes back at the lift
    step (the scenario chose it). A link that no regulation in force cuts any more (the conflict behind it ended:
    an agreement, recognition, harmonised profiles, a state that complied with a leader, a norm that now protects
    it) comes back ``restore_delay`` steps after the first step its cause was seen gone, unless the cause returns
    first: operators re-establish transit and peering commercially, which takes time. While any regulation in
    force would cut it, a link stays cut (still recorded against the regulation that cut it first).
    """

    def __init__(self, filter_cuts: CutFilter | None = None):
        self.filter_cuts = filter_cuts if filter_cuts is not None else (lambda reg, cut: cut)

    def resolve(
        self,
        world: World,
        regulations: list[Regulation],
        step: int,
        cut_by: np.ndarray,
        cause_ended: np.ndarray,
        restore_delay: int,
        ctx: Context,
        states,
    ) -> Resolution:
        """Resolve step ``step``: give back the links whose cause is gone, then let each regulation in force (in
        adoption order) cut the links still up.

        Parameters
        ----------
        world : World
        regulations : list of Regulation
            Every regulation adopted so far (ids are their positions).
        step : int
        cut_by : ndarray of int64, shape (n_links,)
            Id of the regulation that cut each link, -1 for links up. Not modified.
        cause_ended : ndarray of int64, shape (n_links,)
            Step at which each cut link's cause was first seen gone, -1 if not. Not modified.
        restore_delay : int
            Steps from then until the link comes back.
        ctx : Context
        states : container of int
            Countries that have a state (only they can be hurt).

        Returns
        -------
        Resolution
        """
        active = [r for r in regulations if r.active(step)]
        effects = []
        wanted = np.zeros(len(cut_by), bool)  # links some regulation in force cuts now
        for reg in active:
            eff = effect(world, reg, ctx)
            cut = self.filter_cuts(reg, eff.cut)
            wanted[cut] = True
            effects.append((reg, eff, cut))
        is_cut = cut_by >= 0
        lifted = [r.id for r in regulations if r.lift_step >= 0 and not r.active(step)]
        back = np.isin(cut_by, lifted)
        gone = is_cut & ~wanted & ~back
        ended = np.where(gone, np.where(cause_ended >= 0, cause_ended, step), -1)
        back |= gone & (step - ended >= restore_delay)
        ended[back] = -1
        alive = ~is_cut | back
        cuts, hurt = [], {}
        n_conflicts = n_exits = 0
        cost = 0.0
        for reg, eff, cut in effects:
            new = cut[alive[cut]]
            cuts.append((new, reg.id))
            alive[new] = False
            n_conflicts, n_exits = n_conflicts + eff.n_conflicts, n_exits + eff.n_exits
            cost += eff.compliance_cost
            for victim in np.unique(world.end_country[new]).tolist():
                if victim >= 0 and victim != reg.state and victim in states:
                    hurt.setdefault(victim, set()).add(reg.state)
        return Resolution(cuts, np.flatnonzero(back), ended, n_conflicts, n_exits, cost, hurt)
