"""World maps of per-country measures, drawn with matplotlib from the country outlines: no map tiles, no network.

A map colours each country by a value on a stated, binned scale whose bins are named in words in the legend ("1–10%
lost"); a country of the outlines without a value is hatched and named in the caption, and a country with a value
but no outline at 1:110m (Singapore, Hong Kong...) cannot be drawn: the caption says how many, and names the ones
with the largest values. The projection is plain longitude × latitude (equirectangular), Antarctica left out.

    from sim.analysis.maps import LOSS_SCALE, figure_world_maps
    figure_world_maps([("No coordination", losses)], LOSS_SCALE, out, "loss_map", "Who loses", caption)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from sim.analysis.figures import country_label, new_figure, save
from sim.data.outlines import Outlines, load_outlines

if TYPE_CHECKING:
    import pandas as pd

NO_DATA = "#e8e8e8"  #: fill of a country without data (hatched over it)
HATCH = "////"
LEFT_OUT = ("AQ",)  #: outlines not drawn (Antarctica: no AS is located there, and it would take a fifth of the map)
N_NAMED = 8  #: countries without an outline named in the caption (those with the largest values)


@dataclass(frozen=True)
class Scale:
    """A binned colour scale: ``bounds[i] < value <= bounds[i + 1]`` takes colour ``i``, named ``words[i]``."""

    title: str  #: what the colour measures, with its unit (the legend's title)
    bounds: tuple[float, ...]  #: len(words) + 1 bin edges; the first and last may be ±inf
    words: tuple[str, ...]  #: each bin in words
    cmap: str = "YlOrRd"
    percent: bool = True  #: values are fractions shown as percent (tooltips, captions)

    def __post_init__(self):
        if len(self.bounds) != len(self.words) + 1 or list(self.bounds) != sorted(self.bounds):
            raise ValueError("Scale: bounds must be len(words) + 1 ascending bin edges")

    def colors(self) -> list[str]:
        """One colour per bin, light to dark."""
        cmap = matplotlib.colormaps[self.cmap]
        n = len(self.words)
        return [matplotlib.colors.to_hex(cmap(0.12 + 0.83 * i / max(n - 1, 1))) for i in range(n)]

    def bin_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each value (-1 for NaN)."""
        values = np.asarray(values, dtype=float)
        idx = np.searchsorted(np.asarray(self.bounds[1:-1]), values, side="left")
        return np.where(np.isfinite(values), idx, -1)

    def stated(self) -> str:
        """The scale in one phrase, for captions."""
        return f"colour scale: {self.title}, binned: " + "; ".join(self.words)

    def shown(self, value: float) -> str:
        """A value as the map's tooltips and captions write it."""
        if not np.isfinite(value):
            return "no data"
        return f"{value * 100:.3g}%" if self.percent else f"{value:g}"


#: a country's loss of reach with the world (share of its AS pairs with the world lost since step 0)
LOSS_SCALE = Scale(
    "loss of reach with the world (% of the country's AS pairs)",
    (-np.inf, 0.001, 0.01, 0.10, 0.50, np.inf),
    ("under 0.1% lost", "0.1–1% lost", "1–10% lost", "10–50% lost", "over 50% lost"),
)
#: the same bins for the cross-border pairs only
CROSS_BORDER_SCALE = Scale(
    "loss of cross-border reach (% of the country's cross-border AS pairs)", LOSS_SCALE.bounds, LOSS_SCALE.words
)
#: a share in [0, 1] of something good or neutral (adoption over seeds, dependence on one network)
SHARE_SCALE = Scale(
    "share (%)",
    (-np.inf, 0.2, 0.4, 0.6, 0.8, np.inf),
    ("20% or less", "20–40%", "40–60%", "60–80%", "over 80%"),
    cmap="PuBu",
)
#: a count of things (regulations adopted, memberships of coordination mechanisms)
COUNT_SCALE = Scale("count", (-np.inf, 0.5, 1.5, 2.5, np.inf), ("none", "one", "two", "three or more"), "PuBu", False)
#: the share of a country's inbound chosen paths crossing its most used transit network
DEPENDENCE_SCALE = replace(SHARE_SCALE, title="inbound chosen paths through the most used network (%)", cmap="OrRd")
#: over seeds: how often a state has an extraterritorial rule, is a member of a coordination mechanism
ADOPTED_SCALE = replace(SHARE_SCALE, title="seeds in which the state has an extraterritorial rule (%)")
MEMBER_SCALE = replace(SHARE_SCALE, title="seeds in which the state is a member of a coordination mechanism (%)")


@dataclass(frozen=True)
class CountryMeasure:
    """A per-country measure of the run folders' ``states`` table that reports map: per cell and country, the
    mean over seeds of ``per_run`` of the ``source`` column at each run's last step."""

    column: str  #: its column in the report's per-country table
    title: str  #: what the map shows, in words (the figure's title)
    scale: Scale
    source: str  #: the ``states`` column it is computed from
    per_run: Callable[[pd.Series], pd.Series] = lambda values: values.astype(float)


#: whether a state is a member of a coordination mechanism (``memberships`` is ``"none"`` or what it joined)
MEMBERSHIP = CountryMeasure(
    "member_share",
    "Who joins the coordination mechanisms",
    MEMBER_SCALE,
    "memberships",
    lambda joined: (joined.fillna("none") != "none").astype(float),
)
#: the measures a report maps, in order: loss, cross-border loss, adoption, memberships, dependence
COUNTRY_MEASURES = (
    CountryMeasure("loss", "Who loses reach with the world", LOSS_SCALE, "loss"),
    CountryMeasure("cross_border_loss", "Who loses reach across borders", CROSS_BORDER_SCALE, "cross_border_loss"),
    CountryMeasure("adopted_share", "Where the extraterritorial rules are", ADOPTED_SCALE, "adopted"),
    MEMBERSHIP,
    CountryMeasure("dependence_top", "Who depends on one transit network", DEPENDENCE_SCALE, "dependence_top"),
)


def country_polygons(outlines: Outlines) -> tuple[list[np.ndarray], np.ndarray]:
    """The polygons to draw, largest countries first, and the outline position of each (Antarctica left out)."""
    polys, owner = [], []
    for i in outlines.draw_order():
        if outlines.codes[i] in LEFT_OUT:
            continue
        for ring in outlines.rings[i]:
            polys.append(ring)
            owner.append(i)
    return polys, np.array(owner, dtype=np.int64)


@dataclass(frozen=True)
class MapNotes:
    """What a map could not show: outlines without a value (hatched) and values without an outline (not drawn)."""

    hatched: tuple[str, ...]  #: names of the outlines drawn without a value
    not_drawn: tuple[tuple[str, float], ...]  #: (code, value) of countries with a value but no outline, largest first


def draw_world(ax, values: Mapping[str, float], scale: Scale, outlines: Outlines | None = None) -> MapNotes:
    """Colour each country of ``outlines`` by its value in ``values`` (code → value) on ``scale``; countries
    without a value (missing or NaN) hatched. Returns what the map could not show.
    """
    outlines = outlines or load_outlines()
    polys, owner = country_polygons(outlines)
    codes = [outlines.codes[i] for i in owner]
    vals = np.array([values.get(c, np.nan) if c is not None else np.nan for c in codes], dtype=float)
    bins = scale.bin_of(vals)
    colors = np.array(scale.colors() + [NO_DATA])
    fill = colors[np.where(bins >= 0, bins, len(colors) - 1)]
    # the outlines are raster inside the SVG (its text stays vector): as vector paths a map of several panels
    # weighed megabytes
    ax.add_collection(PolyCollection(polys, facecolors=fill, edgecolors="#555555", linewidths=0.25, rasterized=True))
    missing = bins < 0
    if missing.any():
        ax.add_collection(
            PolyCollection(
                [p for p, m in zip(polys, missing, strict=True) if m],
                facecolors="none",
                edgecolors="#9a9a9a",
                linewidths=0.0,
                hatch=HATCH,
                rasterized=True,
            )
        )
    ax.set_xlim(-180, 180)
    ax.set_ylim(-58, 84)
    ax.set_aspect(1.15)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    hatched = sorted({outlines.names[i] for i, m in zip(owner, missing, strict=True) if m})
    drawn = {c for c in outlines.codes if c is not None}
    extra = [(c, float(v)) for c, v in values.items() if c not in drawn and c != "??" and np.isfinite(v)]
    extra.sort(key=lambda cv: (-cv[1], cv[0]))
    return MapNotes(tuple(hatched), tuple(extra))


def legend(fig_or_ax, scale: Scale, any_hatched: bool, **kwargs) -> None:
    """The legend in words: one swatch per bin, and the hatching of "no data"."""
    handles = [
        Patch(facecolor=c, edgecolor="#555555", label=w) for c, w in zip(scale.colors(), scale.words, strict=True)
    ]
    if any_hatched:
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#9a9a9a", hatch=HATCH, label="no data (named below)"))
    fig_or_ax.legend(handles=handles, title=scale.title, fontsize=7, title_fontsize=7, frameon=False, **kwargs)


def notes_caption(notes: Sequence[MapNotes], scale: Scale) -> str:
    """The caption's sentences on the scale and on what the map(s) could not show."""
    hatched = sorted({name for n in notes for name in n.hatched})
    text = f"Colour scale stated in the legend ({scale.stated()})."
    text += f" Hatched, no data (e.g. no AS located there): {', '.join(hatched)}." if hatched else ""
    extra: dict[str, float] = {}
    for n in notes:
        for code, value in n.not_drawn:
            extra[code] = max(extra.get(code, -np.inf), value)
    if extra:
        top = sorted(extra.items(), key=lambda cv: (-cv[1], cv[0]))[:N_NAMED]
        named = ", ".join(f"{country_label(c)} {scale.shown(v)}" for c, v in top)
        text += (
            f" Not drawn, too small for 1:110m outlines: {len(extra)} countries with data, the largest values {named}."
        )
    return text + " Outlines: Natural Earth 1:110m (public domain)."


def figure_world_maps(
    panels: Sequence[tuple[str, Mapping[str, float]]],
    scale: Scale,
    out: Path,
    name: str,
    title: str,
    caption: str,
    ncols: int = 1,
    outlines: Outlines | None = None,
) -> list[Path]:
    """One world map per panel ``(panel title, code → value)`` on one shared ``scale``, with the legend in words
    and the caption completed by :func:`notes_caption`; written as ``name.png`` and ``name.svg`` in ``out``."""
    outlines = outlines or load_outlines()
    n = len(panels)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    width = 10.0 if ncols == 1 else 6.2 * ncols
    fig, axes = new_figure(width=width, height=nrows * (width / ncols * 0.455 + 0.3) + 0.4, nrows=nrows, ncols=ncols)
    axes = np.atleast_1d(axes).ravel()
    notes = []
    for ax, (panel_title, values) in zip(axes, panels, strict=False):
        notes.append(draw_world(ax, values, scale, outlines))
        if n > 1 or panel_title:
            ax.set_title(panel_title, fontsize=9)
    for ax in axes[n:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    hatched = any(note.hatched for note in notes)
    if len(axes) > n:  # an empty cell of the grid holds the legend
        legend(axes[n], scale, hatched, loc="center")
    elif n == 1:  # in the empty South Pacific of the map
        legend(axes[0], scale, hatched, loc="lower left", borderaxespad=0.2)
    else:  # a full grid: one row just under the maps (the caption goes under it)
        legend(fig, scale, hatched, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=len(scale.words) + hatched)
    return save(fig, out, name, f"{caption} {notes_caption(notes, scale)}".strip())
