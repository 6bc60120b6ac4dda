"""``fragsim``: run a scenario (or sweep many) with Hydra, each run into its own folder.

    fragsim                                     # the default scenario on the synthetic Internet
    fragsim scenario=extraterritorial_wave mechanism=m5 seed=3
    fragsim -m mechanism=m0,m5,m6 scenario.adoption_frac=0,0.5,1 seed='range(3)' hydra/launcher=local

Every job's configuration is composed and checked before anything runs or is written: a bad value is one
message naming the config key, and the command exits 2. Completed runs (with their DONE marker) are skipped,
so rerunning an interrupted sweep recomputes only what is missing.
"""

from __future__ import annotations

import os
import sys

from sim.cli.preflight import answer_version, require_launcher

HYDRA_INFO_FLAGS = {"--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i"}  # Hydra answers, nothing runs


def validate(argv: list[str]) -> int:
    """Compose and check every job's configuration; returns the number of jobs. Raises ConfigError."""
    from sim.runner.compose import compose_runs, configuration, folded, job_overrides
    from sim.runner.run import build_topology

    with configuration():  # one Hydra initialisation for every job of a sweep
        jobs = job_overrides(argv)
        for run_cfg in compose_runs(jobs):
            with folded():
                run_cfg.check_topology(build_topology(run_cfg.topology))  # cached per topology
    return len(jobs)


def main() -> None:
    try:
        _main(sys.argv[1:])
    except KeyboardInterrupt:  # Ctrl-C while checking or while a launcher waits (a job's own is handled in task)
        from sim.runner.job import interrupted

        sys.exit(interrupted())


def _main(argv: list[str]) -> None:
    answer_version(argv)
    require_launcher("fragsim", argv)
    import hydra

    from sim.runner.compose import CONFIG_NAME, CONFIG_PATH, VERSION_BASE
    from sim.runner.job import task
    from sim.runner.schema import ConfigError

    if not HYDRA_INFO_FLAGS & set(argv):
        try:
            os.environ["FRAGSIM_SWEEP_TOTAL"] = str(validate(argv))
        except ConfigError as exc:
            print(f"fragsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    hydra.main(version_base=VERSION_BASE, config_path=CONFIG_PATH, config_name=CONFIG_NAME)(task)()


if __name__ == "__main__":
    main()
