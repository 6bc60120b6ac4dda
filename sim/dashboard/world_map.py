"""The dashboard's live world map: every country coloured by a per-country measure, redrawn after each step.

The map is an SVG drawn in the browser from the country outlines (:mod:`sim.data.outlines`, shipped with the
package: no map tiles, no network) by a small Vue template, ``world_map.vue``. The outlines travel to the page
once; after a step only each country's colour and words change. Hovering a country shows its name and value
(drawn by the page, without a round trip to the server); clicking one selects it, and the panel lists its partners:
the countries it lost most pairs with, and how many it still reaches fully.

The tables behind it (:func:`map_values`, :func:`country_partners`) are plain functions, tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd
import solara

from sim.analysis.maps import (
    COUNT_SCALE,
    CROSS_BORDER_SCALE,
    DEPENDENCE_SCALE,
    LEFT_OUT,
    LOSS_SCALE,
    NO_DATA,
    Scale,
)
from sim.data.countries import country_name
from sim.data.outlines import load_outlines
from sim.model.metrics import per_country_cross_border_loss
from sim.model.model import FragmentationModel

Y_STRETCH = 1.15  #: latitude drawn 1.15 times a degree of longitude, as the report's maps are
FULLY = 0.99  #: a partner "still reached fully" keeps at least this share of its baseline pairs with the country
N_PARTNERS = 8  #: partners listed, lost and kept


@dataclass(frozen=True)
class MapMeasure:
    """A per-country measure the map can show: its words, its scale and how the model gives it."""

    words: str
    scale: Scale
    values: Callable[[FragmentationModel], dict[str, float]]


def _state_values(model: FragmentationModel, get) -> dict[str, float]:
    return {s.code: float(get(s)) for s in model.states.values()}


def _cross_border(model: FragmentationModel) -> dict[str, float]:
    loss = per_country_cross_border_loss(model.current.country_pairs, model.baseline.country_pairs)
    return {s.code: float(loss[c]) for c, s in model.states.items()}


def _dependence(model: FragmentationModel) -> dict[str, float]:
    if model.paths_now is None:  # path measures off: no chosen routes, no data
        return {}
    return {s.code: float(model.paths_now.dependence_top[c]) for c, s in model.states.items()}


MEASURES = {
    m.words: m
    for m in (
        MapMeasure("loss with the world", LOSS_SCALE, lambda model: _state_values(model, lambda s: s.loss)),
        MapMeasure("cross-border loss", CROSS_BORDER_SCALE, _cross_border),
        MapMeasure(
            "regulations adopted",
            replace(COUNT_SCALE, title="regulations adopted (count)"),
            lambda model: _state_values(model, lambda s: s.n_regulations),
        ),
        MapMeasure(
            "memberships of coordination mechanisms",
            replace(COUNT_SCALE, title="memberships of coordination mechanisms (count)"),
            lambda model: _state_values(model, lambda s: len(s.memberships)),
        ),
        MapMeasure(
            "dependence on one network (chosen routes)",
            DEPENDENCE_SCALE,
            _dependence,
        ),
    )
}


@cache
def map_shapes() -> tuple[dict, ...]:
    """The outlines as SVG paths, largest countries first (enclaves drawn over their surroundings): one entry per
    outline, ``{"key", "code", "name", "d"}``; x is longitude, y is −latitude × :data:`Y_STRETCH`, 0.1° steps."""
    outlines = load_outlines()
    shapes = []
    for i in outlines.draw_order():
        code = outlines.codes[i]
        if code in LEFT_OUT:
            continue
        parts = []
        for ring in outlines.rings[i]:
            pts = np.round(np.column_stack([ring[:, 0], -ring[:, 1] * Y_STRETCH]), 1)
            keep = np.r_[True, np.any(np.diff(pts, axis=0) != 0, axis=1)]
            pts = pts[keep]
            if len(pts) >= 3:
                parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in pts) + "Z")
        shapes.append({"key": f"{i}", "code": code or "", "name": outlines.names[i], "d": "".join(parts)})
    return tuple(shapes)


def map_values(model: FragmentationModel, measure: str) -> dict[str, dict]:
    """For each country code of the outlines: its fill colour and its tooltip, ``"France (FR): 19% lost"``; a
    country without a value gets the "no data" fill (hatched on the page)."""
    m = MEASURES[measure]
    values = m.values(model)
    colors = m.scale.colors()
    out = {}
    for shape in map_shapes():
        code = shape["code"]
        value = values.get(code, np.nan) if code else np.nan
        b = int(m.scale.bin_of(np.array([value]))[0])
        name = country_name(code) if code else shape["name"]
        label = f"{name} ({code})" if code else name
        if b < 0:
            out[shape["key"]] = {"fill": "", "text": f"{label}: no data"}
        else:
            out[shape["key"]] = {"fill": colors[b], "text": f"{label}: {m.scale.shown(value)} ({m.scale.words[b]})"}
    return out


def map_legend(measure: str) -> list[dict]:
    """The legend in words: ``[{"color", "words"}]``, the last entry "no data" (hatched)."""
    scale = MEASURES[measure].scale
    items = [{"color": c, "words": w} for c, w in zip(scale.colors(), scale.words, strict=True)]
    return items + [{"color": NO_DATA, "words": "no data (hatched)"}]


def country_partners(model: FragmentationModel, code: str, n: int = N_PARTNERS) -> pd.DataFrame:
    """Every other country with AS pairs with ``code`` at step 0: code, country, baseline pairs (both
    directions), pairs now, the share retained, and the pairs lost; most pairs lost first."""
    topo = model.world.topo
    c = topo.country_index(code)
    now, base = model.current.country_pairs, model.baseline.country_pairs
    k = len(topo.country_codes)
    other = np.array([d for d in range(k) if d != c and base[c, d] + base[d, c] > 0], dtype=np.int64)
    before = (base[c, other] + base[other, c]).astype(float)
    after = (now[c, other] + now[other, c]).astype(float)
    frame = pd.DataFrame(
        {
            "code": [topo.country_codes[d] for d in other],
            "country": [country_name(topo.country_codes[d]) for d in other],
            "pairs_before": before,
            "pairs_now": after,
            "retained": after / before if len(other) else [],
            "lost": before - after,
        }
    )
    return frame.sort_values(["lost", "pairs_before", "code"], ascending=[False, False, True], ignore_index=True)


def partners_words(model: FragmentationModel, code: str, n: int = N_PARTNERS) -> list[str]:
    """The selected country's partners in sentences: its loss, who it lost most with, who still reaches it."""
    state = model.states.get(model.world.topo.country_index(code)) if code in model.world.topo.country_codes else None
    if state is None:
        return [f"{country_name(code)} ({code}): no AS of the topology is located there."]
    partners = country_partners(model, code)
    lines = [f"Selected: {country_name(code)} ({code}), {state.loss:.1%} of its AS pairs with the world lost."]
    lost = partners[partners["retained"] < FULLY].head(n)
    if lost.empty:
        lines.append("Lost: nobody; it keeps at least 99% of its pairs with every country.")
    else:
        lines.append(
            "Lost most with: "
            + ", ".join(f"{r.country} ({1 - r.retained:.0%} of their pairs)" for r in lost.itertuples())
            + "."
        )
    kept = partners[partners["retained"] >= FULLY]
    biggest = kept.sort_values("pairs_before", ascending=False).head(n)
    lines.append(
        f"Still reaches {len(kept)} of {len(partners)} countries fully (≥ 99% of their pairs)"
        + (": " + ", ".join(biggest["country"]) + (" and others." if len(kept) > n else ".") if len(kept) else ".")
    )
    return lines


@solara.component_vue("world_map.vue", vuetify=False)
def WorldMapSvg(
    shapes: list,
    values: dict,
    legend: list,
    scale_title: str,
    selected: str,
    event_select: Callable[[str], None],
):
    """The SVG map (``world_map.vue``): ``event_select(code)`` on a click on a country with a code."""


#: the measure shown and the country selected: one of each per browser session (Solara's reactive variables are
#: per session), shared by the map and the partners panel; they survive Reset
HEADING = {"font-size": "1.25rem", "font-weight": "500"}  #: a panel's title, as the other panels write it
MEASURE = solara.reactive(next(iter(MEASURES)))
SELECTED = solara.reactive("")


@solara.component
def MapPanel(model: FragmentationModel, step: int):
    """The live map: a measure chooser and the map (hover: name and value; click: select). ``step`` makes the
    panel redraw after every step."""
    measure = MEASURE.value
    with solara.Column(style={"padding": "8px 12px", "gap": "4px"}) as panel:
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"World map, step {step}", style=HEADING)
            solara.Select(label="Map shows", value=MEASURE, values=list(MEASURES), dense=True)
        WorldMapSvg(
            shapes=list(map_shapes()),
            values=map_values(model, measure),
            legend=map_legend(measure),
            scale_title=f"{measure}: {MEASURES[measure].scale.title}",
            selected=SELECTED.value,
            event_select=SELECTED.set,
        )
    return panel


@solara.component
def PartnersPanel(model: FragmentationModel, step: int):
    """The country selected on the map: its loss, who it lost most pairs with, and who still reaches it."""
    code = SELECTED.value
    with solara.Column(style={"padding": "12px"}) as panel:
        solara.Text(f"Partners of the selected country (step {step})", style=HEADING)
        if not code:
            solara.Text("Hover over a country on the map for its value; click one to see its partners here.")
        else:
            for line in partners_words(model, code):
                solara.Text(line)
            solara.Button("Clear the selection", on_click=lambda: SELECTED.set(""), text=True, small=True)
    return panel


def map_panel(model: FragmentationModel):
    """SolaraViz's panel function: the live map of :class:`MapPanel`."""
    return MapPanel(model=model, step=model.steps)


def partners_panel(model: FragmentationModel):
    """SolaraViz's panel function: the selected country's partners (:class:`PartnersPanel`)."""
    return PartnersPanel(model=model, step=model.steps)
