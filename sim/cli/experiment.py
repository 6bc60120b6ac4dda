"""``fragsim-experiment``: run an experiment end to end (its runs, then its figures and tables).

    fragsim-experiment mechanisms                     # on the real 2016 graph -> results/mechanisms/
    fragsim-experiment mechanisms --data synthetic    # on the synthetic default -> results/synthetic/mechanisms/
    fragsim-experiment sensitivity                    # on its reference data, the synthetic default -> results/
    fragsim-experiment all                            # every experiment: regenerates results/ (+ timings.json)
    fragsim-experiment shutdown seed=0 scenario.steps=2 --out /tmp/shutdown   # Hydra overrides pass through

An experiment is ``configs/experiment/NAME.yaml`` (overrides of the defaults, its sweep in
``hydra.sweeper.params``, the analysis' parameters in ``analysis``) and ``experiments/NAME.py``, installed as
``sim.experiments.NAME`` (the analysis). A sweep experiment runs ``fragsim -m experiment=NAME`` into
``runs/NAME_<data>/`` (resumable: a second call recomputes only missing runs), then analyses the folder; one
that declares one-axis sweeps in ``analysis.sweeps`` runs one ``fragsim -m`` per axis, into
``runs/NAME_<data>/<axis>/`` (see :func:`sim.experiments.sub_sweeps`). A module with ``prepare(study)`` first
writes what its runs read (a parameter sample) and adds sweep overrides.
Overrides ``analysis.*`` reach only the analysis. With ``--analysis-only`` the runs are not launched (the folder
must hold them). Without ``--data`` each experiment runs on its reference data: the real graph, unless its
config's ``analysis.reference_data`` says ``synthetic`` (an experiment whose budget the real graph exceeds).
``-q`` prints errors only (its sweeps too); ``-v`` adds detail (the sweeps' timings and progress lines).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

from sim.cli.preflight import answer_version, closing_pipe_ends_quietly
from sim.runner.progress import Verbosity, add_flags, chosen, say, shown, speaking, where_next
from sim.runner.schema import ConfigError

DATA = {"real": "caida_2016", "synthetic": "synthetic"}


class RealDataOnly(ConfigError):
    """The experiment cannot run on the synthetic Internet (its config's ``analysis.real_data_only`` says why)."""


def compose(name: str, data: str, overrides: list[str]):
    """(the experiment's configuration, one job's: sweeps not expanded; overrides its runs need on this data)."""
    from sim.runner.compose import compose_run, without_sweeps

    context = f"experiment {name}"
    base = [f"experiment={name}", f"topology={DATA[data]}"]
    cfg = compose_run(base + without_sweeps(overrides), context=context)  # sweeps: the runs' business
    # overrides the experiment declares for the synthetic Internet go to its runs (e.g. no real ASNs there)
    return cfg, list(cfg.analysis.get("synthetic_overrides", [])) if data == "synthetic" else []


def run_sweep(name: str, data: str, overrides: list[str], sweep_name: str) -> None:
    """``fragsim -m experiment=NAME ...`` in a subprocess (Hydra keeps global state); raises on failure. It speaks
    at this command's verbosity (inherited through the environment)."""
    cmd = [
        sys.executable,
        "-m",
        "sim.cli.fragsim",
        "-m",
        f"experiment={name}",
        f"topology={DATA[data]}",
        f"sweep_name={sweep_name}",
        *[o for o in overrides if not o.startswith("analysis.")],
    ]
    say("$ " + " ".join(["fragsim", *cmd[3:]]), stream=sys.stdout)
    result = subprocess.run(cmd)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def sweep_folder_name(name: str, data: str, overrides: list[str]) -> str:
    """``NAME_<data>``, plus a digest of the command line's run overrides: runs of different variants never
    share a folder (an analysis reads every run of its folder), and the same command resumes its own."""
    changes = sorted(o for o in overrides if not o.startswith("analysis."))
    if not changes:
        return f"{name}_{data}"
    return f"{name}_{data}_{hashlib.sha256(' '.join(changes).encode()).hexdigest()[:8]}"


def reference_data(name: str) -> str:
    """The data an experiment runs on when ``--data`` is not given: its config's ``analysis.reference_data``
    (``real`` unless it says ``synthetic``). Raises ConfigError."""
    from sim.runner.compose import compose_run

    context = f"experiment {name}"
    data = compose_run([f"experiment={name}"], context=context).analysis.get("reference_data", "real")
    if data not in DATA:
        raise ConfigError(f"{context}: analysis.reference_data must be one of {sorted(DATA)}, got {data!r}")
    return data


def run_experiment(name: str, data: str, overrides: list[str], out_root: Path, analysis_only: bool) -> list[Path]:
    from sim.experiments import Study, sub_sweeps

    cfg, extra = compose(name, data, overrides)
    if data == "synthetic" and cfg.analysis.get("real_data_only"):  # an experiment that names real ASNs, say
        raise RealDataOnly(f"experiment {name} needs the real graph (--data real): {cfg.analysis['real_data_only']}")
    module = importlib.import_module(f"sim.experiments.{name}")
    study = Study(name=name, cfg=cfg, out=out_root / name)
    if cfg.analysis.get("sweep"):
        sweep_name = sweep_folder_name(name, data, overrides)
        overrides = extra + overrides
        study = Study(name=name, cfg=cfg, out=study.out, runs=Path("runs") / sweep_name)
        axes = sub_sweeps(cfg.analysis)  # checked before anything runs
        given = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
        for axis in axes:
            if axis.key in given:
                raise ConfigError(f"{axis.key} is swept by analysis.sweeps.{axis.name}: set its values there")
        if not analysis_only:
            prepare = getattr(module, "prepare", None)  # what the runs read, and the sweep overrides naming it
            overrides = overrides + (prepare(study) if prepare else [])
            for axis in axes:  # Hydra sweeps a product: a union of one-axis sweeps is one multirun per axis
                run_sweep(name, data, [*overrides, axis.override], f"{sweep_name}/{axis.name}")
            if not axes:
                run_sweep(name, data, overrides, sweep_name)
        elif not study.runs.is_dir():
            raise ConfigError(f"--analysis-only: no run folder {study.runs}")
    return module.analyze(study)


def record_timings(path: Path, seconds: dict[str, float], data: dict[str, str]) -> None:
    """Update ``path`` (``results/timings.json``) with the wall time and the data of each experiment that just ran;
    the entries of experiments that did not run this time are kept, so the file always holds the time of the last
    regeneration of each (experiments that no longer exist are dropped)."""
    from sim.experiments import EXPERIMENTS
    from sim.runner.run import write_atomic

    record = {"seconds": {}, "data": {}}
    if path.is_file():
        try:
            old = json.loads(path.read_text())
            if isinstance(old.get("seconds"), dict) and isinstance(old.get("data"), dict):
                record = {"seconds": old["seconds"], "data": old["data"]}
        except (ValueError, AttributeError):  # an older or damaged record: start afresh
            pass
    for name, s in seconds.items():
        record["seconds"][name], record["data"][name] = s, data[name]
    known = [name for name in EXPERIMENTS if name in record["seconds"] and name in record["data"]]
    record = {key: {name: record[key][name] for name in known} for key in ("seconds", "data")}
    record["total_seconds"] = round(sum(record["seconds"].values()), 1)
    path.parent.mkdir(parents=True, exist_ok=True)  # every experiment may have been skipped
    write_atomic(path, json.dumps(record, indent=2) + "\n")


@closing_pipe_ends_quietly
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    from sim.experiments import EXPERIMENTS

    parser = argparse.ArgumentParser(
        prog="fragsim-experiment",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="experiments: " + ", ".join(EXPERIMENTS) + ", or all",
    )
    parser.add_argument(
        "args", nargs="+", metavar="NAME|KEY=VALUE", help="experiment names (or 'all') and Hydra overrides (key=value)"
    )
    parser.add_argument(
        "--data",
        choices=sorted(DATA),
        help="real: the CAIDA 2016 graph (topology=caida_2016); synthetic: the synthetic default; "
        "default: each experiment's reference data (the real graph; the synthetic default for sensitivity)",
    )
    parser.add_argument(
        "--out", type=Path, help="results folder (default results/, or results/synthetic/ with --data synthetic)"
    )
    parser.add_argument("--analysis-only", action="store_true", help="analyse existing runs, launch nothing")
    add_flags(parser)  # the sweeps it starts speak at the same level
    args = parser.parse_intermixed_args(argv)
    with speaking(chosen(args)):
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from sim.data.outlines import OutlinesError
    from sim.experiments import EXPERIMENTS

    names = [a for a in args.args if "=" not in a]
    overrides = [a for a in args.args if "=" in a]
    names = list(EXPERIMENTS) if names == ["all"] else names
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown or not names:
        parser.error(f"unknown experiment(s) {unknown}; choose from {', '.join(EXPERIMENTS)} or all")
    out_root = args.out or (Path("results") / "synthetic" if args.data == "synthetic" else Path("results"))
    timings, data_of = {}, {}
    for name in names:
        started = time.perf_counter()
        try:
            data = data_of[name] = args.data or reference_data(name)
            say(f"== {name} ({data} data)", stream=sys.stdout)
            paths = run_experiment(name, data, overrides, out_root, args.analysis_only)
        except RealDataOnly as exc:
            if "all" in args.args:  # 'all' on synthetic data: the others still run
                say(f"  skipped: {exc}", stream=sys.stdout)
                continue
            print(f"fragsim-experiment: error: {exc}", file=sys.stderr)
            return 2
        except (ConfigError, FileNotFoundError, OutlinesError) as exc:  # OutlinesError: the maps' outlines file
            print(f"fragsim-experiment: error: {exc}", file=sys.stderr)
            return 2
        timings[name] = round(time.perf_counter() - started, 1)
        for path in paths:
            say(f"  wrote {path}", Verbosity.VERBOSE, stream=sys.stdout)
        wrote = f"{len(paths)} files in {shown(out_root / name)}"
        say(f"== {name} done in {timings[name]:.1f} s: {wrote}", stream=sys.stdout)
    if not args.analysis_only:
        record_timings(out_root / "timings.json", timings, data_of)
    _closing(list(timings), out_root)
    return 0


def _closing(done: list[str], out_root: Path) -> None:
    """Where the experiments' tables and figures are, and what to look at next."""
    if not done:
        return
    folders = [out_root / name for name in done]
    figures = sorted(p for folder in folders for p in folder.glob("*.png"))
    where_next(
        ", ".join(shown(f) for f in folders) + " (tables as CSV, figures as PNG and SVG)",
        f"look at {shown(figures[0])}" + (f" (and {len(figures) - 1} more figures)" if len(figures) > 1 else "")
        if figures
        else f"read the tables in {shown(folders[0])}",
    )


if __name__ == "__main__":
    sys.exit(main())
