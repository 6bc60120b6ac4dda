"""The Hydra job of ``fragsim``: one run of a composed configuration into the folder Hydra gives it.

A launcher's worker process unpickles :func:`task` by importing this module, which imports
:mod:`sim.runner.compose` and so registers the schema and the resolvers the configuration needs there too.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.memory import MemoryBudgetError
from sim.runner.compose import anchor_paths, run_yaml, to_run_config
from sim.runner.progress import Progress, say, shown, where_next
from sim.runner.run import RunFolderConflict, RunWriteError, execute, is_complete
from sim.runner.sample import apply_sample

BASIC_LAUNCHER = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"  #: jobs in this process, in turn


def _progress(label: str, steps: int) -> Progress:
    """The run's progress: a bar on a terminal when the jobs run in this process one at a time, else log lines
    (a parallel sweep's workers share the terminal: their bars would overwrite each other)."""
    in_turn = HydraConfig.get().launcher._target_ == BASIC_LAUNCHER
    return Progress(label, steps, bar=in_turn)


def interrupted(folder: Path | None = None) -> int:
    """Say in one line that the command was interrupted (Ctrl-C) and how to resume; the exit status, 130."""
    where = f": {folder} was left empty (incomplete)" if folder is not None else ""
    print(f"\nfragsim: interrupted{where}; run the same command again to resume", file=sys.stderr, flush=True)
    return 130


def task(cfg: DictConfig) -> None:
    """Run one job of ``fragsim`` into its folder (Hydra's output directory) and print one status line.

    Hydra's task function: the launcher calls it, in a worker process for a parallel sweep. Before the first step
    it says what is loading; then the steps' progress (:mod:`sim.runner.progress`). A job of a parameter
    sample (``sample=ROW``) first takes its row's values. A complete folder of the same configuration is
    skipped; one of another configuration is an error (exit status 2), as are a run folder that cannot be written
    (a full disk) and a run over the memory budget: one line each.
    """
    # relative paths from the folder the command started in (the job may run elsewhere); a run of a parameter
    # sample takes its row's values (checked before the sweep started)
    cfg = apply_sample(anchor_paths(cfg))
    run_cfg = to_run_config(cfg)
    folder = Path(HydraConfig.get().runtime.output_dir)
    label = HydraConfig.get().job.override_dirname or "default"
    started = time.perf_counter()

    def waiting() -> None:
        say(f"[{label}] another process is running this run: waiting for it")

    if not is_complete(folder):  # the seconds before step 1
        say(f"[{label}] building the model: {_loading(run_cfg)}")
    try:
        with _progress(f"[{label}]", run_cfg.scenario.steps) as progress:
            ran = execute(run_cfg, run_yaml(cfg), folder, progress=progress, waiting=waiting)
    except (RunFolderConflict, RunWriteError, MemoryBudgetError) as exc:
        print(f"fragsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(interrupted(folder))
    total = os.environ.get("FRAGSIM_SWEEP_TOTAL")
    sweep = ""
    if total and HydraConfig.get().mode.name == "MULTIRUN":
        done = sum(is_complete(p) for p in folder.parent.iterdir() if p.is_dir())
        sweep = f"  (sweep: {done}/{total} runs complete)"
    status = f"done in {time.perf_counter() - started:.1f} s" if ran else "already complete, skipped"
    say(f"[{label}] {status}: {folder}{sweep}", stream=sys.stdout)


def _loading(cfg) -> str:
    """What happens before a run's first step, in words."""
    topo = cfg.topology
    on = f"the synthetic Internet of {topo.n_ases:,} ASes" if topo.kind == "synthetic" else Path(topo.path).name
    sources = "exact, all pairs" if cfg.n_sources is None else f"{cfg.n_sources:,} sampled sources"
    return f"{on}: states, markets, baseline reachability ({sources})"


class WhereNext(Callback):
    """Hydra callback (``hydra.callbacks`` in ``configs/config.yaml``): after a run or a sweep has completed, in
    the launching process, say where its output is and what to run next (:func:`sim.runner.progress.where_next`).
    Not called when a job failed or was interrupted (those end the process with their own message)."""

    def on_run_end(self, config: DictConfig, job_return=None, **kwargs) -> None:
        from hydra.core.utils import JobStatus

        if job_return is not None and job_return.status is JobStatus.COMPLETED:
            folder = shown(config.hydra.run.dir)
            where_next(folder, f"fragsim-report {shlex.quote(folder)}   (its tables and figures)")

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep = Path(config.hydra.sweep.dir)
        runs = [p for p in sweep.iterdir() if p.is_dir() and not p.name.startswith("report")] if sweep.is_dir() else []
        done = sum(is_complete(p) for p in runs)
        report = f"fragsim-report {shlex.quote(shown(sweep))}   (tables and figures of every run)"
        where_next(f"{shown(sweep)} ({done} of {len(runs)} run folders complete)", report)
