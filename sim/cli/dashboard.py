"""``fragsim-dashboard``: try a scenario live in the browser (Mesa's SolaraViz over the fragsim model).

    pip install 'fragsim[dashboard]'
    fragsim-dashboard --host 127.0.0.1 --port 8765
    fragsim-dashboard --topology caida_2016                     # the 2016 graph in the data folder
    fragsim-dashboard --topology data/20240101.as-rel2.txt.bz2 --as-country data/as_country.csv.gz

``--version`` answers at once; without the extra the command says which one to install and exits 2. The command
line's defaults are checked (a bad one is one message naming it, exit 2) before the Solara server starts; the
page is :mod:`sim.dashboard.app`, loaded by that server, and its controls are :mod:`sim.dashboard.controls`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from sim.cli.preflight import answer_version, require_extra


def _parser() -> argparse.ArgumentParser:
    from sim.dashboard.controls import DEFAULTS, SCENARIO_OWN
    from sim.runner.groups import group_options

    parser = argparse.ArgumentParser(prog="fragsim-dashboard", description=__doc__.split("\n\n")[0].strip("`"))
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument(
        "--topology",
        default=DEFAULTS["topology"],
        help="initial topology: synthetic, caida_2016 or a CAIDA AS-relationship file",
    )
    parser.add_argument("--n-ases", type=int, default=DEFAULTS["n_ases"], help="size of the synthetic Internet")
    parser.add_argument("--as-country", help="AS→country file for a CAIDA file given as --topology")
    parser.add_argument("--state-owned", help="state-owned AS file for a CAIDA file given as --topology")
    parser.add_argument("--scenario", default=DEFAULTS["scenario"], choices=group_options("scenario"))
    parser.add_argument(
        "--mechanism",
        default=DEFAULTS["mechanism"],
        choices=[SCENARIO_OWN] + group_options("mechanism"),
        help="initial mechanism config (default: the scenario's own, m0 unless it selects one)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    return parser


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """The Solara server's environment: assets served locally, no CDN, no telemetry, the page's defaults."""
    from sim.dashboard.controls import ENV_DEFAULTS

    defaults = {
        "topology": args.topology,
        "n_ases": args.n_ases,
        "as_country": args.as_country,
        "state_owned": args.state_owned,
        "scenario": args.scenario,
        "mechanism": args.mechanism,
        "seed": args.seed,
    }
    return {
        **os.environ,
        ENV_DEFAULTS: json.dumps(defaults),
        "SOLARA_ASSETS_PROXY": "true",  # the browser asks this server for every asset (from solara-assets)
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # a missing asset fails here instead of being downloaded
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def main(argv: list[str] | None = None) -> None:
    """Check ``--version``, the ``dashboard`` extra and the defaults (a bad one is one message naming it, exit 2),
    then run the Solara server on the page :mod:`sim.dashboard.app`."""
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    require_extra("fragsim-dashboard", "dashboard", "the dashboard")
    from sim.dashboard.controls import DEFAULTS, ENV_DEFAULTS, run_config
    from sim.runner.schema import ConfigError

    args = _parser().parse_args(argv)
    env = server_environment(args)
    try:
        run_config(**{**DEFAULTS, **json.loads(env[ENV_DEFAULTS])})
    except ConfigError as exc:
        print(f"fragsim-dashboard: error: {exc}", file=sys.stderr)
        sys.exit(2)
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.dashboard.app:Page",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]
    print(f"fragsim-dashboard: serving on http://{args.host}:{args.port}/", flush=True)
    os.execve(sys.executable, command, env)


if __name__ == "__main__":
    main()
