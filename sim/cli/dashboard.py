"""``fragsim-dashboard``: try a scenario live in the browser (Mesa's SolaraViz over the fragsim model).

    pip install 'fragsim[dashboard]'
    fragsim-dashboard --host 127.0.0.1 --port 8765
    fragsim-dashboard --topology caida_2016                     # the 2016 graph in the data folder
    fragsim-dashboard --topology data/20240101.as-rel2.txt.bz2 --as-country data/as_country.csv.gz

``--version`` answers at once; without the extra the command says which one to install and exits 2. Every
option is checked before the Solara server starts, as ``fragsim`` checks a run: the run the defaults ask for is
composed and its topology built (a file that is not an AS-relationship file, a truncated one, a synthetic
Internet over the memory budget), the port is a port and the address can be listened on; a bad one is one message
naming it, exit status 2, and nothing is served. The page is :mod:`sim.dashboard.app`, loaded by that server, and
its controls are :mod:`sim.dashboard.controls`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys

from sim.cli.preflight import answer_version, require_extra


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, as every other error of the command (argparse would print its usage first)."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {port}")
    return port


def _parser() -> argparse.ArgumentParser:
    from sim.dashboard.controls import DEFAULTS, SCENARIO_OWN
    from sim.runner.groups import group_options

    parser = _Parser(prog="fragsim-dashboard", description=__doc__.split("\n\n")[0].strip("`"))
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8765, help="port to listen on, 1 to 65535 (default 8765)")
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
        # Solara's check of Mesa's components printed six lines of warning before every message of the page
        "SOLARA_CHECK_HOOKS": "off",
    }


def check_address(host: str, port: int) -> None:
    """Raise OSError unless this process can listen on ``host``:``port`` (an unknown address, a port in use)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
        sock.bind(address)


def main(argv: list[str] | None = None) -> None:
    """Check ``--version``, the ``dashboard`` extra and the defaults (a bad one is one message naming it, exit 2),
    then run the Solara server on the page :mod:`sim.dashboard.app`."""
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    require_extra("fragsim-dashboard", "dashboard", "the dashboard")
    from sim.dashboard.controls import DEFAULTS, ENV_DEFAULTS, checked_run

    args = _parser().parse_args(argv)
    env = server_environment(args)
    try:
        check_address(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"fragsim-dashboard: error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        sys.exit(2)
    try:
        checked_run({**DEFAULTS, **json.loads(env[ENV_DEFAULTS])})
    except (ValueError, OSError) as exc:  # a ConfigError, a bad topology file, over the memory budget
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
