"""``fragsim-data``: fetch public data sets and summarise a topology.

    fragsim-data info --synthetic 10000 --seed 0 [--json]
    fragsim-data info --topology PATH [--as-country PATH] [--as-org PATH] [--state-owned PATH]
                      [--no-infer-countries] [--strict] [--json]
    fragsim-data fetch --date 2016-11-01 [--kind as-rel|as-org] [--serial 1|2] [--dest DIR] [--base-url URL]

``fetch`` writes into the data folder's ``caida/`` unless ``--dest`` says otherwise (the data folder:
``$FRAGSIM_DATA``, else the checkout's ``data/``, else the user data folder; :mod:`sim.data.paths`), where the
``caida_2016`` topology config reads the graph. A download shows its progress (a bar on a terminal, log lines
elsewhere). ``-q`` prints results and errors only; ``-v`` adds what ``info`` loads and the timings (without it, a
refused input is one error line and nothing else).
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time

import sim
from sim.cli.preflight import answer_version, closing_pipe_ends_quietly
from sim.data.caida import TopologyFormatError
from sim.data.fetch import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, DataKind, FetchRequest, FetchStatus, fetch_many
from sim.runner.progress import Progress, Verbosity, add_flags, chosen, say, shown, speaking, where_next


def _info(args) -> dict:
    started = time.perf_counter()
    if args.synthetic is not None:
        say(
            f"fragsim-data: generating the synthetic Internet ({args.synthetic:,} ASes, seed {args.seed})",
            Verbosity.VERBOSE,
        )
        topo = sim.synthetic_topology(args.synthetic, seed=args.seed)
        say(f"fragsim-data: generated in {time.perf_counter() - started:.1f} s", Verbosity.VERBOSE)
        return topo.summary() | _facts(topo)
    say(f"fragsim-data: loading {args.topology} and its annotations", Verbosity.VERBOSE)
    topo = sim.load_topology(
        args.topology,
        args.as_country,
        args.state_owned,
        as_org=args.as_org,
        infer_countries=args.infer_countries,
        strict=args.strict,
    )
    say(f"fragsim-data: loaded in {time.perf_counter() - started:.1f} s", Verbosity.VERBOSE)
    summary = topo.summary()
    report = topo.provenance["as_rel_report"]
    sources = topo.provenance["country_sources"]
    summary.update(
        format=report.format,
        n_self_loops=len(report.self_loops),
        n_duplicate_pairs=len(report.duplicates),
        n_conflicting_pairs=len(report.conflicts),
        n_country_from_file=sources.n_from_file,
        n_country_from_as_org=sources.n_from_as_org,
        n_country_from_owner=sources.n_from_owner,
        n_country_unknown=sources.n_unknown,
        address_space_frac=summary["n_with_address_space"] / max(topo.n_ases, 1),
        country_aliases=_aliases(topo.provenance["annotation_reports"]),
        files=topo.provenance["files"],
    )
    return summary | _facts(topo)


def _facts(topo) -> dict:
    """The country facts' coverage (population and GDP from the outlines) over the countries where an AS is
    located: how many have them, and which have none."""
    facts = topo.facts
    located = {code for code, n in zip(topo.country_codes, topo.ases_per_country(), strict=True) if n > 0}
    missing = [code for code in facts.missing if code in located]
    return {
        "outlines": facts.source,
        "n_countries_with_facts": len(located) - len(missing),
        "countries_without_facts": missing,
    }


def _aliases(reports) -> dict[str, list[str]]:
    """Where the alias table converted a country code: ``{"UK→GB": ["file:57", ...]}`` over every file."""
    out: dict[str, list[str]] = {}
    for report in reports:
        for mapping, where in report.describe_aliases().items():
            out.setdefault(mapping, []).extend(where)
    return out


def _print_summary(summary: dict) -> None:
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        print(f"{key:<{width}}  {value}")


def _count(text: str) -> int:
    """A count written as an integer or in scientific notation (``1e9``), which must then be a whole number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value == value and abs(value) != float("inf") and value.is_integer()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fragsim-data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="print a topology summary")
    src = info.add_mutually_exclusive_group(required=True)
    src.add_argument("--topology", metavar="PATH", help="CAIDA AS-relationship file (serial-1/2, plain/bz2/gz)")
    src.add_argument(
        "--synthetic", metavar="N", type=_count, help="build the synthetic Internet with N ASes (1000 or 1e3)"
    )
    info.add_argument("--seed", type=int, default=0, help="seed of the synthetic topology (default 0)")
    info.add_argument(
        "--as-country", metavar="PATH", help="AS→country CSV (asn,country[,prefixes]) or CAIDA as-org2info file"
    )
    info.add_argument(
        "--as-org", metavar="FILE", help="CAIDA as-org2info file: countries of the ASes --as-country leaves unknown"
    )
    info.add_argument(
        "--no-infer-countries",
        dest="infer_countries",
        action="store_false",
        help="leave ASes of unknown country unknown (default: give them their neighbours' country when all agree)",
    )
    info.add_argument("--state-owned", metavar="PATH", help="state-owned AS CSV")
    info.add_argument("--strict", action="store_true", help="reject duplicate/conflicting pairs and self-loops")
    info.add_argument("--json", action="store_true", help="print exactly one JSON object")
    add_flags(info)

    fetch = sub.add_parser("fetch", help="download CAIDA data sets from their publisher (or a mirror)")
    _add_fetch_arguments(fetch)
    add_flags(fetch)
    return parser


def _add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, action="append", help="snapshot date YYYY-MM-DD (repeatable)")
    parser.add_argument(
        "--kind",
        choices=[k.value for k in DataKind],
        action="append",
        help="data set(s) to fetch, repeatable (default: as-rel)",
    )
    parser.add_argument("--serial", type=int, choices=[1, 2], default=1, help="AS-relationship serial (default 1)")
    parser.add_argument("--sha256", help="expected sha256 (only with a single file)")
    parser.add_argument(
        "--dest",
        help="destination folder (default: the data folder's caida/, where the configs read: $FRAGSIM_DATA/caida, "
        "else the checkout's data/caida, else ~/.local/share/fragsim/caida)",
    )
    parser.add_argument("--base-url", help=f"mirror with the publisher's layout, replacing {DEFAULT_BASE_URL}")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds a read may stall")
    parser.add_argument("--force", action="store_true", help="download again even if the file is present")


@closing_pipe_ends_quietly
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    args = _parser().parse_args(argv)
    with speaking(chosen(args)):
        return _command(args)


def _command(args: argparse.Namespace) -> int:
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
    kinds = args.kind or [DataKind.AS_REL.value]
    if args.sha256 and len(kinds) * len(args.date) != 1:
        raise ValueError("--sha256 names the hash of one file: give a single --date and --kind")
    # every request is checked before anything is downloaded, so a typo in one date costs nothing
    requests = [
        FetchRequest(kind, date, args.serial if kind == DataKind.AS_REL else 1, args.sha256)
        for kind in kinds
        for date in args.date
    ]
    bars: dict[str, Progress] = {}

    def progress(url: str, n_done: int, n_total: int | None) -> None:
        if url not in bars:
            bars[url] = Progress(f"fragsim-data: {url.rsplit('/', 1)[-1]}", n_total, unit="B")
        bars[url].update(n_done, n_total)

    try:
        results = fetch_many(
            requests, args.dest, base_url=args.base_url, timeout=args.timeout, progress=progress, force=args.force
        )
    finally:
        for bar in bars.values():
            bar.close()
    for r in results:
        detail = r.error if r.error is not None else f"{r.path}  sha256={r.sha256}"
        print(f"{r.status.value:<10}  {detail}")
    fetched = [r.path for r in results if r.status is not FetchStatus.FAILED]
    if fetched:
        path = shlex.quote(shown(fetched[0]))
        where_next(
            shown(fetched[0].parent),
            f"fragsim-data info --topology {path}; fragsim topology=caida topology.path={path}",
        )
    return 1 if any(r.status is FetchStatus.FAILED for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
