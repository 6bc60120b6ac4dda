"""The dashboard's panels: what a fragmentation model looks like after each step.

Each panel is a function of the model that draws with Solara (SolaraViz redraws it after every step); the
tables behind them are plain functions, usable and tested without a browser.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.dashboard.world_map import map_panel, partners_panel
from sim.data.countries import country_name
from sim.model.model import FragmentationModel

N_HEATMAP = 20  #: countries in the reachability heatmap (the largest by number of ASes)
N_LOSERS = 10  #: countries in the "losing most" panel
N_REGULATIONS = 12  #: latest regulations listed
#: controls take effect when the model is rebuilt: the page says so
RESET_HINT = "The controls on the left apply when you press Reset."
LOSS_LABELS = {"loss": "all AS pairs", "cross_border_loss": "cross-border pairs"}


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


def _figure(height: float, left: float = 0.14, bottom: float = 0.14, right: float = 0.97) -> tuple[Figure, object]:
    """A figure sized to a dashboard cell, margins set by hand: matplotlib's constrained layout and a tight
    bounding box would each cost another draw, and a step must redraw in well under a second."""
    fig = Figure(figsize=(5.8, height), dpi=100)
    fig.subplots_adjust(left=left, bottom=bottom, right=right, top=0.9)
    return fig, fig.subplots()


def loss_panel(model: FragmentationModel):
    """Connectivity loss and cross-border loss since step 0, one point per step."""
    return solara.FigureMatplotlib(loss_figure(model), format="png")


def loss_figure(model: FragmentationModel) -> Figure:
    """The loss panel's figure: loss from 0 to at least 5%, steps from 0 to at least 1."""
    frame = model.datacollector.get_model_vars_dataframe()
    fig, ax = _figure(3.8)
    for column, color in (("loss", "tab:red"), ("cross_border_loss", "tab:blue")):
        ax.plot(
            frame.index, frame[column], marker="o", markersize=3, color=color, label=LOSS_LABELS[column], clip_on=False
        )
    ax.legend(loc="upper left")
    ax.set_title("Connectivity loss over time")
    ax.set_xlabel("step")
    ax.set_ylabel("AS pairs lost")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    # from 0 to at least 5% (at step 0 every loss is 0: matplotlib would centre the axis on it, -4.5% to 4.5%)
    ax.set_ylim(bottom=0, top=max(0.05, float(frame[["loss", "cross_border_loss"]].max().max()) * 1.1))
    ax.set_xlim(0, max(1, int(frame.index.max())))
    return fig


def heatmap_panel(model: FragmentationModel):
    """Country × country reachable share of AS pairs for the largest states."""
    matrix = reachability_matrix(model)
    fig, ax = _figure(3.9, left=0.1, bottom=0.12, right=0.92)
    image = ax.imshow(matrix.to_numpy(), vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=90, fontsize=6)
    ax.set_yticks(range(len(matrix.index)), matrix.index, fontsize=6)
    ax.set_xlabel("destination country")
    ax.set_ylabel("source country")
    ax.set_title(f"Reachable AS pairs, {len(matrix)} largest countries (step {model.steps})")
    fig.colorbar(image, ax=ax, format=PercentFormatter(1.0))
    return solara.FigureMatplotlib(fig, format="png")


def losers_panel(model: FragmentationModel):
    """The states losing most connectivity, as bars (adopters of an extraterritorial rule in red)."""
    return solara.FigureMatplotlib(losers_figure(model), format="png")


def losers_figure(model: FragmentationModel) -> Figure:
    """The "losing most" panel's figure; each country's label whole, on two lines when long."""
    table = countries_losing_most(model)[::-1]
    fig, ax = _figure(3.8, left=LABEL_MARGIN, bottom=0.14, right=0.95)
    colors = np.where(table["adopted"], "tab:red", "tab:gray")
    ax.barh(range(len(table)), table["loss"], color=colors)
    ax.set_yticks(range(len(table)), country_labels(table["code"], table["country"]), fontsize=LABEL_SIZE)
    for y, loss in enumerate(table["loss"]):
        ax.text(loss, y, f" {loss:.1%}", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, max(0.05, float(table["loss"].max()) * 1.2))
    ax.set_title("Countries losing most (red: extraterritorial rule)")
    ax.set_xlabel("the country's AS pairs with the world lost since step 0")
    return fig


#: the "losing most" panel's country labels: at most two lines of 28 characters at 7 pt, in a margin of 34% of
#: the figure, hold every ISO name whole ("GS  South Georgia and the South Sandwich Islands"), ten labels apart
LABEL_WIDTH, LABEL_SIZE, LABEL_MARGIN = 28, 7, 0.34


def country_labels(codes, names) -> list[str]:
    """``"CD  DR Congo"``; a name too long for one line goes on to a second, whole (never cut)."""
    return [
        textwrap.fill(f"{code}  {name}", LABEL_WIDTH, break_long_words=False)
        for code, name in zip(codes, names, strict=True)
    ]


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
