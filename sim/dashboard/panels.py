"""The dashboard's panels: what a fragmentation model looks like after each step.

Each panel is a function of the model that draws with Solara (SolaraViz redraws it after every step); the
tables behind them are plain functions, usable and tested without a browser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara

from sim.dashboard.charts import bar_list, heatmap, line_chart
from sim.dashboard.world_map import map_panel, partners_panel
from sim.data.countries import country_name
from sim.model.model import FragmentationModel

N_HEATMAP = 20  #: countries in the reachability heatmap (the largest by number of ASes)
N_LOSERS = 10  #: countries in the "losing most" panel
N_REGULATIONS = 12  #: latest regulations listed
#: controls take effect when the model is rebuilt: the page says so
RESET_HINT = "The controls on the left apply when you press Reset."
LOSS_LABELS = {"loss": "all AS pairs", "cross_border_loss": "cross-border pairs"}
LOSS_COLORS = ("#d62728", "#1f77b4")  #: matplotlib's tab:red and tab:blue, as the report's figures draw them
ADOPTER_COLOR, OTHER_COLOR = "#d62728", "#7f7f7f"  #: red: has an extraterritorial rule; grey: has none


def largest_countries(model: FragmentationModel, n: int) -> list[str]:
    """Codes of the ``n`` states with the most ASes, largest first."""
    order = sorted(model.states.values(), key=lambda s: (-s.n_ases, s.code))
    return [s.code for s in order[:n]]


def reachability_matrix(model: FragmentationModel, n: int = N_HEATMAP) -> pd.DataFrame:
    """The latest reachable share of AS pairs between the ``n`` largest states (source × destination)."""
    codes = largest_countries(model, n)
    return model.country_matrix().loc[codes, codes]


def countries_losing_most(model: FragmentationModel, n: int = N_LOSERS) -> pd.DataFrame:
    """The ``n`` states with the largest connectivity loss (their AS pairs with the world, relative to step
    0), largest first; ties broken by size. Columns: code, country, loss, adopted, n_regulations."""
    states = sorted(model.states.values(), key=lambda s: (-s.loss, -s.n_ases, s.code))[:n]
    return pd.DataFrame(
        {
            "code": [s.code for s in states],
            "country": [country_name(s.code) for s in states],
            "loss": [float(s.loss) for s in states],
            "adopted": [bool(s.adopted) for s in states],
            "n_regulations": [s.n_regulations for s in states],
        }
    )


def regulations_adopted(model: FragmentationModel) -> pd.DataFrame:
    """Every regulation adopted or imposed so far, newest first. Columns: step, state, regulation, target,
    how ("adopted" or "imposed" by the scenario)."""
    codes = model.world.topo.country_codes
    regs = sorted(model.regulations, key=lambda r: (-r.step, -r.id))
    return pd.DataFrame(
        {
            "step": [r.step for r in regs],
            "state": [codes[r.state] for r in regs],
            "regulation": [r.kind.value.replace("_", " ") for r in regs],
            "target": [codes[r.target] if r.target >= 0 else "" for r in regs],
            "how": ["imposed" if r.imposed else "adopted" for r in regs],
        },
        columns=["step", "state", "regulation", "target", "how"],
    )


def _chart(markup: str):
    """A chart's markup (:mod:`sim.dashboard.charts`) as one element of the page."""
    return solara.HTML(tag="div", unsafe_innerHTML=markup, style="width: 100%")


def loss_panel(model: FragmentationModel):
    """Connectivity loss and cross-border loss since step 0, one point per step."""
    return _chart(loss_chart(model))


def loss_chart(model: FragmentationModel) -> str:
    """The loss panel's chart: loss from 0 to at least 5% (at step 0 every loss is 0), steps from 0 to at
    least 1."""
    frame = model.datacollector.get_model_vars_dataframe()
    columns = list(LOSS_LABELS)
    return line_chart(
        frame.index.to_numpy(),
        [
            (LOSS_LABELS[c], color, frame[c].to_numpy(dtype=float))
            for c, color in zip(columns, LOSS_COLORS, strict=True)
        ],
        title="Connectivity loss over time",
        x_label="step",
        y_label="AS pairs lost",
        y_top=loss_axis_top(frame[columns].to_numpy(dtype=float)),
        x_top=max(1, int(frame.index.max())),
        step=model.steps,
    )


def loss_axis_top(losses: np.ndarray) -> float:
    """The loss axis's top: at least 5%, and 10% above the largest loss."""
    return max(0.05, float(np.max(losses, initial=0.0)) * 1.1)


def heatmap_panel(model: FragmentationModel):
    """Country × country reachable share of AS pairs for the largest states."""
    matrix = reachability_matrix(model)
    return _chart(
        heatmap(
            matrix,
            title=f"Reachable AS pairs, {len(matrix)} largest countries (step {model.steps})",
            x_label="destination country",
            y_label="source country",
            step=model.steps,
            value_words="of AS pairs reachable",
        )
    )


def losers_panel(model: FragmentationModel):
    """The states losing most connectivity, as bars (adopters of an extraterritorial rule in red)."""
    return _chart(losers_chart(model))


def losers_chart(model: FragmentationModel) -> str:
    """The "losing most" panel's bars, largest loss on top; each country's label whole (the browser wraps a
    long name on to a second line)."""
    table = countries_losing_most(model)
    return bar_list(
        [f"{code} {name}" for code, name in zip(table["code"], table["country"], strict=True)],
        list(table["loss"]),
        [ADOPTER_COLOR if adopted else OTHER_COLOR for adopted in table["adopted"]],
        title=f"Countries losing most (red: extraterritorial rule), step {model.steps}",
        x_label="the country's AS pairs with the world lost since step 0",
        x_top=max(0.05, float(table["loss"].max() if len(table) else 0.0) * 1.2),
        step=model.steps,
    )


def _heading(text: str):
    """A panel's title as text (solara.Markdown would load KaTeX, which solara-assets does not bundle)."""
    return solara.Text(text, style={"font-size": "1.25rem", "font-weight": "500"})


def regulations_caption(n: int, shown: int = N_REGULATIONS) -> str:
    """What the regulations table holds: all of them, or the latest ``shown`` of ``n`` (it says so)."""
    return f"The latest {shown} of {n} regulations, newest first:" if n > shown else f"All {n}, newest first:"


def regulations_panel(model: FragmentationModel):
    """The regulations adopted so far (the latest first) and how many of each kind."""
    table = regulations_adopted(model)
    with solara.Column(style={"padding": "12px"}) as panel:
        _heading(f"Regulations adopted so far: {len(table)}")
        if table.empty:
            solara.Text("None yet: press Step or Play.")
        else:
            counts = table["regulation"].value_counts()
            solara.Text(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
            solara.Text(regulations_caption(len(table)))
            solara.DataFrame(table.head(N_REGULATIONS), items_per_page=N_REGULATIONS)
    return panel


def summary_panel(model: FragmentationModel):
    """The run at a glance: scenario, mechanisms, step, and the headline metrics."""
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    scenario = model.run_cfg.scenario
    with solara.Column(style={"padding": "12px"}) as panel:
        if model.control_error:
            solara.Error(f"Controls not applied: {model.control_error}")
        _heading(f"{scenario.name}: step {model.steps} of {model.n_steps}")
        solara.Text(RESET_HINT, style={"font-style": "italic"})
        solara.Text(scenario.description)
        solara.Text(f"Mechanisms: {model.mechanism_words()}")
        solara.Text(f"Topology: {model.world.topo.name} ({model.world.topo.n_ases:,} ASes, {len(model.states)} states)")
        solara.Text(f"Connectivity loss {last['loss']:.1%}, cross-border {last['cross_border_loss']:.1%}")
        solara.Text(
            f"{int(last['n_segments'])} segment(s); {int(last['n_adopters'])} states with an extraterritorial rule"
        )
        solara.Text(f"{int(last['n_links_cut']):,} links cut, {int(last['n_links_rehomed']):,} re-homed")
    return panel


#: SolaraViz components: (panel, page); every panel is redrawn after each step
COMPONENTS = (
    (map_panel, 0),  # a delegate reads a map first: the world, then the selected country's partners beside it
    (partners_panel, 0),
    (summary_panel, 0),
    (loss_panel, 0),
    (heatmap_panel, 0),
    (losers_panel, 0),
    (regulations_panel, 0),
)
