"""The dashboard's controls, their defaults and the run configuration they ask for.

Free of Solara and Mesa's visualisation, so that ``fragsim-dashboard --help`` and the check of the command line's
defaults answer at once; the page itself is :mod:`sim.dashboard.app`.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from sim.runner.compose import compose_run
from sim.runner.groups import group_options
from sim.runner.schema import RunConfig

if TYPE_CHECKING:
    from sim.data.topology import Topology

TITLE = "fragsim: will the Internet hold together?"
ENV_DEFAULTS = "FRAGSIM_DASHBOARD_DEFAULTS"  #: JSON of the command line's defaults, read by the page
SCENARIO_OWN = "scenario's own"  #: keeps the scenario's adoption_frac, or the mechanism the scenario selects
EXACT = "all (exact)"  #: sampled-sources choice for exact all-pairs reachability
SOURCE_CHOICES = ["256", "1024", "4096", EXACT]
ADOPTION_CHOICES = [SCENARIO_OWN] + [f"{x / 10:g}" for x in range(11)]

DEFAULTS = {
    "topology": "synthetic",
    "scenario": "extraterritorial_wave",
    "mechanism": SCENARIO_OWN,
    "adoption": SCENARIO_OWN,
    "n_sources": "1024",
    "seed": 0,
    "n_ases": 10_000,
    "as_country": None,
    "state_owned": None,
}


#: characters a file path keeps unquoted in an override; any other (a space, non-ASCII) needs Hydra's quotes
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.-+:~")


def _path_value(path: str) -> str:
    """``path`` as an override value: as it is when plain, else in single quotes (Hydra's grammar), so a file
    name with a space or non-ASCII letters is read as typed."""
    if set(path) <= _PLAIN or "'" in path or path.endswith("\\"):
        return path  # plain; or a quote Hydra cannot hold: its own message says how to write it
    return f"'{path}'"


def topology_overrides(topology: str, n_ases: int, as_country: str | None, state_owned: str | None) -> list[str]:
    """Hydra overrides for the topology control: an option of the ``topology`` config group or a CAIDA file."""
    if topology in group_options("topology"):
        overrides = [f"topology={topology}"]
        return overrides + [f"topology.n_ases={n_ases}"] if topology == "synthetic" else overrides
    overrides = ["topology=caida", f"topology.path={_path_value(topology)}"]
    overrides += [f"topology.as_country={_path_value(as_country)}"] if as_country else []
    return overrides + [f"topology.state_owned={_path_value(state_owned)}"] if state_owned else overrides


def run_config(
    topology: str = "synthetic",
    scenario: str = "extraterritorial_wave",
    mechanism: str = SCENARIO_OWN,
    adoption: str = SCENARIO_OWN,
    n_sources: str = "1024",
    seed: int = 0,
    n_ases: int = 10_000,
    as_country: str | None = None,
    state_owned: str | None = None,
) -> RunConfig:
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
    it), checked against each other and against the memory budget, as ``fragsim`` checks a run.

    Raises
    ------
    ValueError
        A ConfigError naming the config key, a ``TopologyFormatError`` naming the file and line (``/etc/passwd``,
        a truncated file), a ``MemoryBudgetError`` with the estimate and the budget.
    OSError
        A topology file that cannot be read.
    """
    from sim.runner.run import build_topology, check_run

    cfg = run_config(**controls)
    topo = build_topology(cfg.topology)
    check_run(cfg, topo)
    return cfg, topo


def dashboard_defaults() -> dict:
    """The controls' initial values: :data:`DEFAULTS`, updated by the command line (through the environment,
    as the page runs in the Solara server's process)."""
    given = json.loads(os.environ.get(ENV_DEFAULTS, "{}"))
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{ENV_DEFAULTS}: unknown key(s) {unknown}; known: {sorted(DEFAULTS)}")
    return {**DEFAULTS, **given}
