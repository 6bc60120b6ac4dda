"""``fragsim``: run a scenario (or sweep many) with Hydra, each run into its own folder.

    fragsim                                     # the default scenario on the synthetic Internet
    fragsim scenario=extraterritorial_wave mechanism=m5 seed=3
    fragsim -m mechanism=m0,m5,m6 scenario.adoption_frac=0,0.5,1 seed='range(3)' hydra/launcher=local

Every job's configuration is composed and checked before anything runs or is written: a bad value is one
message naming the config key, and the command exits 2. Completed runs (with their DONE marker) are skipped,
so rerunning an interrupted sweep recomputes only what is missing.

``-q``/``--quiet`` and ``-v``/``--verbose`` are fragsim's, not Hydra's: they are taken off the command line
before Hydra reads it, and reach a sweep's workers through the environment (:mod:`sim.runner.progress`).
"""

from __future__ import annotations

import os
import sys
import time

from sim.cli.preflight import answer_version, closing_pipe_ends_quietly, require_launcher
from sim.runner.progress import Verbosity, pop_verbosity, say, speaking

HYDRA_INFO_FLAGS = {"--hydra-help", "--cfg", "-c", "--info", "-i"}  # Hydra answers, nothing runs
USEFUL_OVERRIDES = (
    ("seed=3", "the run's seed: every random choice flows from it"),
    ("n_sources=null", "exact all-pairs reachability (default: 1,024 sampled sources per step)"),
    ("scenario.steps=40", "policy cycles to simulate"),
    ("scenario.adoption_frac=0.1", "share of states that may adopt extraterritorial rules, largest markets first"),
    (
        "topology=caida_2016",
        "the real 2016 AS graph from the data folder ($FRAGSIM_DATA, else data/ or ~/.local/share/fragsim)",
    ),
    ("-m mechanism=m0,m5 seed='range(5)'", "a sweep: every combination is one run, in runs/<sweep_name>/"),
    ("hydra/launcher=local", "run a sweep's jobs in parallel here (ray_local, ray_cluster, slurm: the cluster extra)"),
)


def _first_comment(text: str) -> str:
    line = next((ln for ln in text.splitlines() if ln.startswith("#")), "")
    return line.lstrip("# ").split(": ", 1)[-1]


def help_text() -> str:
    """The ``fragsim --help`` page: usage, the shipped scenarios, mechanisms, topologies and experiments, and the
    most useful overrides. Read from the package's files (no Hydra import), so it answers at once."""
    from importlib.resources import files

    import yaml

    from sim.runner.groups import CONFIG_MODULE, group_options

    def described(group: str, describe) -> list[str]:
        folder = files(CONFIG_MODULE).joinpath(group)
        names = group_options(group)
        width = max(map(len, names))
        return [f"  {n:<{width}}  {describe(folder.joinpath(n + '.yaml').read_text())}" for n in names]

    def scenario(text: str) -> str:
        return str((yaml.safe_load(text) or {}).get("description", "")).strip()

    lines = [
        "usage: fragsim [KEY=VALUE ...]          one run, into runs/single/<overrides>/",
        "       fragsim -m KEY=V1,V2 ...         a sweep (multirun), into runs/<sweep_name>/<overrides>/",
        "       fragsim --version | --help | --cfg job | --hydra-help",
        "options: -q/--quiet (errors only), -v/--verbose (timings; progress lines at every 10% in logs)",
        "",
        "Runs a scenario of the agent-based model of the Internet's regulatory fragmentation and writes a run folder",
        "(config.yaml, metrics.csv, states.csv, cut_links.csv, country matrices, meta.json, DONE). Every value is",
        "checked before anything runs; a bad one is one message naming its key, exit status 2.",
        "",
        "scenarios (scenario=NAME):",
        *described("scenario", scenario),
        "",
        "coordination mechanisms (mechanism=NAME):",
        *described("mechanism", _first_comment),
        "",
        f"topologies (topology=NAME): {', '.join(group_options('topology'))}",
        f"experiments (fragsim-experiment NAME): {', '.join(group_options('experiment'))}",
        "",
        "useful overrides:",
        *[f"  {o:<38} {w}" for o, w in USEFUL_OVERRIDES],
        "",
        "every key and its current value: fragsim --cfg job [KEY=VALUE ...]",
        "then: fragsim-report runs/single (tables and figures), fragsim-dashboard (the model live)",
    ]
    return "\n".join(lines)


def validate(argv: list[str]) -> int:
    """Compose and check every job's configuration; returns the number of jobs (also set in the environment as
    ``FRAGSIM_SWEEP_TOTAL``, for the jobs' progress lines). Raises ConfigError.

    Says what it loads: each topology the first time it is built (then cached for the jobs run here). A sweep on
    the ``local`` launcher has its workers started meanwhile (:func:`sim.runner.launch.warm_up`: they build the
    first job's model, and write nothing); they learn the number of jobs from the environment, set first."""
    from sim.runner.compose import compose_runs, configuration, folded, sweep_jobs
    from sim.runner.launch import cancel_warm_up, warm_up
    from sim.runner.run import build_topology, check_run

    started = time.perf_counter()
    built = set()
    with configuration():  # one Hydra initialisation for every job of a sweep
        jobs, launcher = sweep_jobs(argv)
        os.environ["FRAGSIM_SWEEP_TOTAL"] = str(len(jobs))  # before the workers start: they inherit it
        runs = f"{len(jobs)} run{'s' if len(jobs) > 1 else ''}"
        say(f"fragsim: checking {runs}", Verbosity.VERBOSE)
        try:
            for i, run_cfg in enumerate(compose_runs(jobs)):
                if run_cfg.topology not in built:
                    built.add(run_cfg.topology)
                    say(f"fragsim: {_topology_words(run_cfg.topology)}")
                with folded():
                    check_run(run_cfg, build_topology(run_cfg.topology))  # the topology cached per process
                if i == 0 and launcher is not None and launcher["_target_"] == LOCAL_LAUNCHER:
                    warm_up(launcher, run_cfg)
        except BaseException:  # a job failed its check, or Ctrl-C: nothing will run
            cancel_warm_up()
            raise
    say(f"fragsim: checked {runs} in {time.perf_counter() - started:.1f} s", Verbosity.VERBOSE)
    return len(jobs)


LOCAL_LAUNCHER = "hydra_plugins.fragsim_launcher.local_launcher.LocalLauncher"  #: fragsim's own (``local``)


def register_local_launcher() -> None:
    """Make the ``local`` launcher (``hydra_plugins.fragsim_launcher``) known to Hydra by hand: Hydra finds plugins
    by scanning the ``hydra_plugins`` namespace, and the scan misses one installed in editable mode
    (``pip install -e .``)."""
    from hydra.core.plugins import Plugins

    from hydra_plugins.fragsim_launcher.local_launcher import LocalLauncher

    Plugins.instance().register(LocalLauncher)


def skip_sweeper_recheck() -> None:
    """Launch a sweep without Hydra's second composition of every job.

    Before launching, Hydra's sweeper composes each job's configuration once more to catch composition errors
    early: about 0.2 s a job on one core while the workers wait (three minutes for a 900-run sweep).
    :func:`validate` has just composed every job and checked more than Hydra does, so the repeat is skipped
    in this process; the launcher still composes each job where it runs it."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    BasicSweeper.validate_batch_is_legal = lambda self, batch: None


def _topology_words(cfg) -> str:
    if cfg.kind == "synthetic":
        return f"generating the synthetic Internet ({cfg.n_ases:,} ASes, seed {cfg.seed})"
    return f"loading the AS graph {cfg.path} and its annotations"


@closing_pipe_ends_quietly
def main() -> None:
    try:
        argv, level = pop_verbosity(sys.argv[1:])
    except ValueError as exc:
        print(f"fragsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.argv[1:] = argv  # Hydra reads sys.argv itself, and must not see them
    try:
        with speaking(level):  # in the environment: a sweep's workers inherit it
            _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while checking or while a launcher waits (a job's own is handled in task)
        from sim.runner.job import interrupted

        sys.exit(interrupted())


def _main(argv: list[str]) -> None:
    answer_version(argv)
    if {"--help", "-h"} & set(argv):
        print(help_text())
        sys.exit(0)
    require_launcher("fragsim", argv)
    info = bool(HYDRA_INFO_FLAGS & set(argv))
    if not info:  # the seconds before the first message are imports: say so
        say("fragsim: loading Hydra and the model, composing the configuration")
    import hydra

    from sim.runner.compose import CONFIG_NAME, CONFIG_PATH, VERSION_BASE
    from sim.runner.job import task
    from sim.runner.schema import ConfigError

    if not info:
        try:
            validate(argv)
        except ConfigError as exc:
            print(f"fragsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
        skip_sweeper_recheck()
    register_local_launcher()
    hydra.main(version_base=VERSION_BASE, config_path=CONFIG_PATH, config_name=CONFIG_NAME)(task)()


if __name__ == "__main__":
    main()
