"""``fragsim-dashboard``: try a scenario live in the browser (Mesa's SolaraViz over the fragsim model).

    fragsim-dashboard --host 127.0.0.1 --port 8765
    fragsim-dashboard --topology caida_2016                     # the shared 2016 graph as the default topology
    fragsim-dashboard --topology data/20240101.as-rel2.txt.bz2 --as-country data/as_country.csv.gz

The sidebar holds the model's controls (topology, scenario, mechanism(s), adoption share, sampled sources,
seed) and Mesa's Reset / Play / Step; the main view holds the panels of :mod:`sim.dashboard.panels`.
A model is built from the controls exactly as ``fragsim`` builds a run: the Hydra config is composed (by
:mod:`sim.runner.compose`) with the controls as overrides and checked before anything runs.

The page works offline: the JavaScript that Solara would fetch from a CDN is served by this server from the
``solara-assets`` package, and the server is told that the CDN is a closed local port, so a missing asset is a
failed request, never a download.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from sim.dashboard.controls import (
    ADOPTION_CHOICES,
    DEFAULTS,
    SCENARIO_OWN,
    SOURCE_CHOICES,
    TITLE,
    checked_run,
    dashboard_defaults,
)
from sim.dashboard.panels import COMPONENTS
from sim.model.config import MECHANISM_NAMES
from sim.model.model import FragmentationModel
from sim.model.regulations.extraterritorial import prepare as prepare_extraterritorial
from sim.runner.groups import group_options


class DashboardModel(FragmentationModel):
    """The fragmentation model built from the dashboard's controls (SolaraViz's Reset calls this class with
    the controls' values as keyword arguments). It stops running at the scenario's last step.

    Controls that make no valid run (a missing file, a scenario the topology cannot host) do not crash the
    page: the model is built from the dashboard's defaults instead, and ``control_error`` holds the message
    naming the bad value, which the page shows above the panels.
    """

    def __init__(
        self,
        topology: str = "synthetic",
        scenario: str = "extraterritorial_wave",
        mechanism: str = SCENARIO_OWN,
        adoption: str = SCENARIO_OWN,
        n_sources: str = "1024",
        seed: int = 0,
        n_ases: int = 10_000,
        as_country: str | None = None,
        state_owned: str | None = None,
    ):
        controls = dict(
            topology=topology,
            scenario=scenario,
            mechanism=mechanism,
            adoption=adoption,
            n_sources=n_sources,
            seed=seed,
            n_ases=n_ases,
            as_country=as_country,
            state_owned=state_owned,
        )
        self.control_error: str | None = None
        try:
            self.run_cfg, topo = checked_run(controls)
        except (ValueError, OSError) as exc:  # ConfigError, a malformed or unreadable topology file
            self.control_error = f"{exc} (showing the defaults instead)"
            self.run_cfg, topo = checked_run(dashboard_defaults())
        super().__init__(topology=topo, rng=self.run_cfg.seed, config=self.run_cfg.model_config())
        self.n_steps = self.run_cfg.scenario.steps
        # the first click on Step should cost what the others do (0.65 s more on the 2016 graph otherwise)
        prepare_extraterritorial(self.world, self.bloc_of, list(self.states))

    def step(self) -> None:
        super().step()
        self.running = self.steps < self.n_steps

    def mechanism_words(self) -> str:
        """The mechanisms in force, in words (``m5 multilateral forum + m6 public-core norm``)."""
        return " + ".join(f"{m} {MECHANISM_NAMES.get(m, m)}" for m in self.config.mechanisms)


def model_params(defaults: dict) -> dict:
    """SolaraViz's ``model_params``: the user's controls, and the command line's fixed values."""
    return {
        "topology": {
            "type": "InputText",
            "value": defaults["topology"],
            "label": "Topology: synthetic, caida_2016 or a CAIDA file path",
        },
        "scenario": {
            "type": "Select",
            "value": defaults["scenario"],
            "values": group_options("scenario"),
            "label": "Scenario",
        },
        "mechanism": {
            "type": "Select",
            "value": defaults["mechanism"],
            "values": [SCENARIO_OWN] + group_options("mechanism"),
            "label": "Coordination mechanism(s)",
        },
        "adoption": {
            "type": "Select",
            "value": defaults["adoption"],
            "values": ADOPTION_CHOICES,
            "label": "Adoption share (states that may adopt)",
        },
        "n_sources": {
            "type": "Select",
            "value": defaults["n_sources"],
            "values": SOURCE_CHOICES,
            "label": "Sampled sources per step",
        },
        "seed": {
            "type": "SliderInt",
            "value": defaults["seed"],
            "min": 0,
            "max": max(99, defaults["seed"]),  # a larger seed from the command line stays reachable
            "step": 1,
            "label": "Seed",
        },
        "n_ases": defaults["n_ases"],
        "as_country": defaults["as_country"],
        "state_owned": defaults["state_owned"],
    }


#: the page's own styles: a slider always shows its value (the seed's number, not only while it is dragged);
#: Mesa's tab strip, which names the one page of panels "Page 0", is not shown
PAGE_CSS = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider--horizontal { margin-top: 28px; }
.v-tabs { display: none; }
"""


@solara.component
def Page():
    """The dashboard: one model per browser session, built from the defaults, rebuilt by Reset."""
    defaults = solara.use_memo(dashboard_defaults, [])
    params = solara.use_memo(lambda: model_params(defaults), [])
    model = solara.use_memo(lambda: DashboardModel(**{k: defaults[k] for k in DEFAULTS}), [])
    solara.Title(TITLE)  # the browser tab's title
    solara.Style(PAGE_CSS)
    SolaraViz(model, components=list(COMPONENTS), model_params=params, name=TITLE, play_interval=100)
