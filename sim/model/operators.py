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
    restored: np.ndarray  #: link ids given back because the regulation that cut them was lifted
    n_conflicts: int  #: operators facing conflicting obligations
    hurt: dict[int, set[int]] = field(default_factory=dict)  #: state -> states whose rules cut its links now


class Operators:
    """Apply the regulations in force to the links.

    Parameters
    ----------
    filter_cuts : callable, optional
        ``(regulation, link ids) -> link ids``: what the coordination mechanisms leave of a regulation's cut
        (the public-core norm, technical mitigation). Default: the cut as it is.
    """

    def __init__(self, filter_cuts: CutFilter | None = None):
        self.filter_cuts = filter_cuts if filter_cuts is not None else (lambda reg, cut: cut)

    def resolve(
        self, world: World, regulations: list[Regulation], step: int, cut_by: np.ndarray, ctx: Context, states
    ) -> Resolution:
        """Resolve step ``step``: restore the links of lifted regulations, then let each regulation in force (in
        adoption order) cut the links still up.

        Parameters
        ----------
        world : World
        regulations : list of Regulation
            Every regulation adopted so far (ids are their positions).
        step : int
        cut_by : ndarray of int64, shape (n_links,)
            Id of the regulation that cut each link, -1 for links up. Not modified.
        ctx : Context
        states : container of int
            Countries that have a state (only they can be hurt).

        Returns
        -------
        Resolution
        """
        lifted = [r.id for r in regulations if r.lift_step >= 0 and not r.active(step)]
        back = np.isin(cut_by, lifted)
        alive = (cut_by < 0) | back
        cuts, hurt, n_conflicts = [], {}, 0
        for reg in (r for r in regulations if r.active(step)):
            eff = effect(world, reg, ctx)
            cut = self.filter_cuts(reg, eff.cut)
            new = cut[alive[cut]]
            cuts.append((new, reg.id))
            alive[new] = False
            n_conflicts += eff.n_conflicts
            for victim in np.unique(world.end_country[new]).tolist():
                if victim >= 0 and victim != reg.state and victim in states:
                    hurt.setdefault(victim, set()).add(reg.state)
        return Resolution(cuts, np.flatnonzero(back), n_conflicts, hurt)
