"""The Hydra job of ``fragsim``: one run of a composed configuration into the folder Hydra gives it.

A launcher's worker process unpickles :func:`task` by importing this module, which imports
:mod:`sim.runner.compose` and so registers the schema and the resolvers the configuration needs there too.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.memory import MemoryBudgetError
from sim.runner.compose import anchor_paths, run_yaml, to_run_config
from sim.runner.run import RunFolderConflict, RunWriteError, execute, is_complete
from sim.runner.sample import apply_sample


def _progress(label: str):
    """Run progress on a terminal (one line rewritten in place); nothing when output is captured."""
    stream = sys.stderr
    if not stream.isatty():
        return None

    def report(step: int, total: int) -> None:
        end = "\n" if step == total else ""
        stream.write(f"\r{label} step {step}/{total}{end}")
        stream.flush()

    return report


def interrupted(folder: Path | None = None) -> int:
    """Say in one line that the command was interrupted (Ctrl-C) and how to resume; the exit status, 130."""
    where = f": {folder} was left empty (incomplete)" if folder is not None else ""
    print(f"\nfragsim: interrupted{where}; run the same command again to resume", file=sys.stderr, flush=True)
    return 130


def task(cfg: DictConfig) -> None:
    """Run one job of ``fragsim`` into its folder (Hydra's output directory) and print one status line.

    Hydra's task function: the launcher calls it, in a worker process for a parallel sweep. A job of a parameter
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
        print(f"[{label}] another process is running this run: waiting for it", file=sys.stderr, flush=True)

    try:
        ran = execute(run_cfg, run_yaml(cfg), folder, progress=_progress(f"[{label}]"), waiting=waiting)
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
    print(f"[{label}] {status}: {folder}{sweep}", flush=True)
