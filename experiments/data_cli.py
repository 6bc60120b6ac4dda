"""``fragsim-data``: fetch public data sets and summarise a topology.

    fragsim-data info --synthetic 10000 --seed 0 [--json]
    fragsim-data info --topology PATH [--as-country PATH] [--state-owned PATH] [--strict] [--json]
    fragsim-data fetch --date 2016-11-01 [--kind as-rel|as-org] [--serial 1|2] [--dest DIR] [--base-url URL]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

import sim
from sim.caida import TopologyFormatError


def _info(args) -> dict:
    if args.synthetic is not None:
        topo = sim.synthetic_topology(args.synthetic, seed=args.seed)
        return topo.summary()
    topo = sim.load_topology(args.topology, args.as_country, args.state_owned, strict=args.strict)
    summary = topo.summary()
    report = topo.provenance["as_rel_report"]
    summary.update(
        format=report.format,
        n_self_loops=len(report.self_loops),
        n_duplicate_pairs=len(report.duplicates),
        n_conflicting_pairs=len(report.conflicts),
        files=topo.provenance["files"],
    )
    return summary


def _print_summary(summary: dict) -> None:
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        print(f"{key:<{width}}  {value}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fragsim-data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="print a topology summary")
    src = info.add_mutually_exclusive_group(required=True)
    src.add_argument("--topology", metavar="PATH", help="CAIDA AS-relationship file (serial-1/2, plain/bz2/gz)")
    src.add_argument("--synthetic", metavar="N", type=int, help="build the synthetic Internet with N ASes")
    info.add_argument("--seed", type=int, default=0, help="seed of the synthetic topology (default 0)")
    info.add_argument("--as-country", metavar="PATH", help="AS→country CSV or CAIDA as-org2info file")
    info.add_argument("--state-owned", metavar="PATH", help="state-owned AS CSV")
    info.add_argument("--strict", action="store_true", help="reject duplicate/conflicting pairs and self-loops")
    info.add_argument("--json", action="store_true", help="print exactly one JSON object")

    fetch = sub.add_parser("fetch", help="download CAIDA data sets from their publisher (or a mirror)")
    _add_fetch_arguments(fetch)
    return parser


def _add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, action="append", help="snapshot date YYYY-MM-DD (repeatable)")
    parser.add_argument("--kind", choices=["as-rel", "as-org"], action="append",
                        help="data set(s) to fetch (default: as-rel)")
    parser.add_argument("--serial", type=int, choices=[1, 2], default=1, help="AS-relationship serial (default 1)")
    parser.add_argument("--dest", default="data", help="destination folder (default ./data)")
    parser.add_argument("--base-url", help="mirror with the publisher's layout")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        if args.command == "info":
            summary = _info(args)
            if args.json:
                print(json.dumps(summary, sort_keys=False))
            else:
                _print_summary(summary)
        else:
            return _fetch(args)
    except (FileNotFoundError, TopologyFormatError, ValueError, KeyError) as exc:
        print(f"fragsim-data: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _fetch(args) -> int:
    raise NotImplementedError  # replaced below once the fetch library lands


if __name__ == "__main__":
    sys.exit(main())
