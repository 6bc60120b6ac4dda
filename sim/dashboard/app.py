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

import argparse
import json
import os
import sys

import solara
from mesa.visualization import SolaraViz

from sim.dashboard.panels import COMPONENTS
from sim.data.topology import Topology
from sim.model.config import MECHANISM_NAMES, Mechanism
from sim.model.model import FragmentationModel
from sim.runner.compose import compose_run, group_options
from sim.runner.run import build_topology
from sim.runner.schema import ConfigError, RunConfig

TITLE = "fragsim: will the Internet hold together?"
ENV_DEFAULTS = "FRAGSIM_DASHBOARD_DEFAULTS"  #: JSON of the command line's defaults, read by the page
SCENARIO_OWN = "scenario's own"  #: keeps the scenario's adoption_frac, or the mechanism the scenario selects
EXACT = "all (exact)"  #: sampled-sources choice for exact all-pairs reachability
SOURCE_CHOICES = ["256", "1024", "4096", EXACT]
ADOPTION_CHOICES = [SCENARIO_OWN] + [f"{x / 10:g}" for x in range(11)]

DEFAULTS = {"topology": "synthetic", "scenario": "extraterritorial_wave", "mechanism": SCENARIO_OWN,
            "adoption": SCENARIO_OWN, "n_sources": "1024", "seed": 0, "n_ases": 10_000,
            "as_country": None, "state_owned": None}


def topology_overrides(topology: str, n_ases: int, as_country: str | None, state_owned: str | None) -> list[str]:
    """Hydra overrides for the topology control: an option of the ``topology`` config group or a CAIDA file."""
    if topology in group_options("topology"):
        overrides = [f"topology={topology}"]
        return overrides + [f"topology.n_ases={n_ases}"] if topology == "synthetic" else overrides
    overrides = ["topology=caida", f"topology.path={topology}"]
    overrides += [f"topology.as_country={as_country}"] if as_country else []
    return overrides + [f"topology.state_owned={state_owned}"] if state_owned else overrides


def run_config(topology: str = "synthetic", scenario: str = "extraterritorial_wave", mechanism: str = SCENARIO_OWN,
               adoption: str = SCENARIO_OWN, n_sources: str = "1024", seed: int = 0, n_ases: int = 10_000,
               as_country: str | None = None, state_owned: str | None = None) -> RunConfig:
    """The run configuration the dashboard's controls ask for, composed as ``fragsim`` composes it.

    Raises
    ------
    ConfigError
        A control's value is not a valid configuration (the message names the config key).
    """
    overrides = topology_overrides(topology, n_ases, as_country, state_owned)
    overrides += [f"scenario={scenario}", f"seed={seed}", f"n_sources={'null' if n_sources == EXACT else n_sources}"]
    overrides += [] if mechanism == SCENARIO_OWN else [f"mechanism={mechanism}"]
    overrides += [] if adoption == SCENARIO_OWN else [f"scenario.adoption_frac={adoption}"]
    return compose_run(overrides, context=f"dashboard controls {overrides}")  # one compose at a time, locked


def checked_run(controls: dict) -> tuple[RunConfig, Topology]:
    """The run the controls ask for and its topology (cached: a Reset on the same topology does not reload
    it), checked against each other. Raises ConfigError, or ValueError / OSError for a bad topology file."""
    cfg = run_config(**controls)
    topo = build_topology(cfg.topology)
    cfg.check_topology(topo)
    return cfg, topo


class DashboardModel(FragmentationModel):
    """The fragmentation model built from the dashboard's controls (SolaraViz's Reset calls this class with
    the controls' values as keyword arguments). It stops running at the scenario's last step.

    Controls that make no valid run (a missing file, a scenario the topology cannot host) do not crash the
    page: the model is built from the dashboard's defaults instead, and ``control_error`` holds the message
    naming the bad value, which the page shows above the panels.
    """

    def __init__(self, topology: str = "synthetic", scenario: str = "extraterritorial_wave",
                 mechanism: str = SCENARIO_OWN, adoption: str = SCENARIO_OWN, n_sources: str = "1024",
                 seed: int = 0, n_ases: int = 10_000, as_country: str | None = None, state_owned: str | None = None):
        controls = dict(topology=topology, scenario=scenario, mechanism=mechanism, adoption=adoption,
                        n_sources=n_sources, seed=seed, n_ases=n_ases, as_country=as_country,
                        state_owned=state_owned)
        self.control_error: str | None = None
        try:
            self.run_cfg, topo = checked_run(controls)
        except (ValueError, OSError) as exc:  # ConfigError, a malformed or unreadable topology file
            self.control_error = f"{exc} (showing the defaults instead)"
            self.run_cfg, topo = checked_run(dashboard_defaults())
        super().__init__(topology=topo, rng=self.run_cfg.seed, config=self.run_cfg.model_config())
        self.n_steps = self.run_cfg.scenario.steps

    def step(self) -> None:
        super().step()
        self.running = self.steps < self.n_steps

    def mechanism_words(self) -> str:
        """The mechanisms in force, in words (``m5 multilateral forum + m6 public-core norm``)."""
        return " + ".join(f"{m} {MECHANISM_NAMES[Mechanism(m)]}" for m in self.config.mechanisms)


def model_params(defaults: dict) -> dict:
    """SolaraViz's ``model_params``: the user's controls, and the command line's fixed values."""
    return {
        "topology": {"type": "InputText", "value": defaults["topology"],
                     "label": "Topology: synthetic, caida_2016 or a CAIDA file path"},
        "scenario": {"type": "Select", "value": defaults["scenario"], "values": group_options("scenario"),
                     "label": "Scenario"},
        "mechanism": {"type": "Select", "value": defaults["mechanism"],
                      "values": [SCENARIO_OWN] + group_options("mechanism"),
                      "label": "Coordination mechanism(s)"},
        "adoption": {"type": "Select", "value": defaults["adoption"], "values": ADOPTION_CHOICES,
                     "label": "Adoption share (states that may adopt)"},
        "n_sources": {"type": "Select", "value": defaults["n_sources"], "values": SOURCE_CHOICES,
                      "label": "Sampled sources per step"},
        "seed": {"type": "SliderInt", "value": defaults["seed"], "min": 0, "max": 99, "step": 1, "label": "Seed"},
        "n_ases": defaults["n_ases"],
        "as_country": defaults["as_country"],
        "state_owned": defaults["state_owned"],
    }


def dashboard_defaults() -> dict:
    """The controls' initial values: :data:`DEFAULTS`, updated by the command line (through the environment,
    as the page runs in the Solara server's process)."""
    given = json.loads(os.environ.get(ENV_DEFAULTS, "{}"))
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{ENV_DEFAULTS}: unknown key(s) {unknown}; known: {sorted(DEFAULTS)}")
    return {**DEFAULTS, **given}


@solara.component
def Page():
    """The dashboard: one model per browser session, built from the defaults, rebuilt by Reset."""
    defaults = solara.use_memo(dashboard_defaults, [])
    params = solara.use_memo(lambda: model_params(defaults), [])
    model = solara.use_memo(lambda: DashboardModel(**{k: defaults[k] for k in DEFAULTS}), [])
    SolaraViz(model, components=list(COMPONENTS), model_params=params, name=TITLE, play_interval=100)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fragsim-dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--topology", default=DEFAULTS["topology"],
                        help="initial topology: synthetic, caida_2016 or a CAIDA AS-relationship file")
    parser.add_argument("--n-ases", type=int, default=DEFAULTS["n_ases"], help="size of the synthetic Internet")
    parser.add_argument("--as-country", help="AS→country file for a CAIDA file given as --topology")
    parser.add_argument("--state-owned", help="state-owned AS file for a CAIDA file given as --topology")
    parser.add_argument("--scenario", default=DEFAULTS["scenario"], choices=group_options("scenario"))
    parser.add_argument("--mechanism", default=DEFAULTS["mechanism"],
                        choices=[SCENARIO_OWN] + group_options("mechanism"),
                        help="initial mechanism config (default: the scenario's own, m0 unless it selects one)")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    return parser


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """The Solara server's environment: assets served locally, no CDN, no telemetry, the page's defaults."""
    defaults = {"topology": args.topology, "n_ases": args.n_ases, "as_country": args.as_country,
                "state_owned": args.state_owned, "scenario": args.scenario, "mechanism": args.mechanism,
                "seed": args.seed}
    return {
        **os.environ,
        ENV_DEFAULTS: json.dumps(defaults),
        "SOLARA_ASSETS_PROXY": "true",  # the browser asks this server for every asset (from solara-assets)
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # a missing asset fails here instead of being downloaded
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def main(argv: list[str] | None = None) -> None:
    """Check the defaults (a bad one is one message naming it, exit 2), then run the Solara server."""
    args = _parser().parse_args(argv)
    env = server_environment(args)
    try:
        run_config(**{**DEFAULTS, **json.loads(env[ENV_DEFAULTS])})
    except ConfigError as exc:
        print(f"fragsim-dashboard: error: {exc}", file=sys.stderr)
        sys.exit(2)
    command = [sys.executable, "-m", "solara", "run", "sim.dashboard.app:Page", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open", "--no-check-version"]
    print(f"fragsim-dashboard: serving on http://{args.host}:{args.port}/", flush=True)
    os.execve(sys.executable, command, env)


if __name__ == "__main__":
    main()
