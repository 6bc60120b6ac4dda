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
import time
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.runner.run import RunFolderConflict, build_topology, execute, is_complete
from sim.runner.schema import ConfigError, RunConfig

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
NOT_RUN_KEYS = ("hydra", "sweep_name", "analysis")  # keys that do not change a run's results


def _schema() -> DictConfig:
    """RunConfig as Hydra's schema. OmegaConf marks frozen dataclasses read-only, which forbids Hydra's
    in-place composition; the flag is lifted (values are checked when the dataclasses are built)."""
    node = OmegaConf.structured(RunConfig)

    def unfreeze(n) -> None:
        OmegaConf.set_readonly(n, None)
        if isinstance(n, DictConfig):
            for key in n:
                child = n._get_node(key)
                if OmegaConf.is_config(child):
                    unfreeze(child)

    unfreeze(node)
    return node


ConfigStore.instance().store(name="run_schema", node=_schema())
OmegaConf.register_new_resolver("or_default", lambda value: value or "default", replace=True)


def to_run_config(cfg: DictConfig) -> RunConfig:
    cfg = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
    return OmegaConf.to_object(cfg)


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


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _task(cfg: DictConfig) -> None:
    run_cfg = to_run_config(cfg)
    folder = Path(HydraConfig.get().runtime.output_dir)
    label = HydraConfig.get().job.override_dirname or "default"
    started = time.perf_counter()
    # the sweep's name only places the folder and the analysis block only serves the experiment's analysis:
    # leaving them out keeps a run's files identical wherever it ran and however it is analysed
    yaml = OmegaConf.to_yaml(OmegaConf.masked_copy(cfg, [k for k in cfg if k not in NOT_RUN_KEYS]), resolve=True)
    try:
        ran = execute(run_cfg, yaml, folder, progress=_progress(f"[{label}]"))
    except RunFolderConflict as exc:
        print(f"fragsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    total = os.environ.get("FRAGSIM_SWEEP_TOTAL")
    sweep = ""
    if total and HydraConfig.get().mode.name == "MULTIRUN":
        done = sum(is_complete(p) for p in folder.parent.iterdir() if p.is_dir())
        sweep = f"  (sweep: {done}/{total} runs complete)"
    status = f"done in {time.perf_counter() - started:.1f} s" if ran else "already complete, skipped"
    print(f"[{label}] {status}: {folder}{sweep}", flush=True)


def _job_overrides(argv: list[str]) -> list[list[str]]:
    """The override list of every job the command line asks for, sweeps expanded as Hydra's basic sweeper
    does (the command line's sweeps and those an experiment declares in ``hydra.sweeper.params``)."""
    from hydra import compose
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = [a for a in argv if not a.startswith("-")]
    if not {"-m", "--multirun"} & set(argv):
        return [overrides]
    parser = OverridesParser.create()
    # the declared sweep depends on the chosen groups (experiment=...) only; values inside a group may need the
    # sweep's own group choices to apply (scenario.imposed.0.exempt=[] needs a scenario with an event)
    groups = [o.input_line for o in parser.parse_overrides(overrides)
              if not o.is_sweep_override() and "." not in o.key_or_group]
    declared = compose(config_name="config", overrides=groups, return_hydra_config=True).hydra.sweeper.params
    given = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    overrides += [f"{k}={v}" for k, v in (declared or {}).items() if k not in given]
    parsed = parser.parse_overrides(overrides)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def _one_line(exc: Exception) -> str:
    """Hydra's and OmegaConf's multi-line messages, folded (the object_type/full_key trailer dropped)."""
    text = str(exc).split("Config search path:")[0]
    if exc.__cause__ is not None:
        text += "\n" + str(exc.__cause__)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("object_type=", "reference_type=", "Set the environment"))]
    return " ".join(lines) if lines else repr(exc)


def validate(argv: list[str]) -> int:
    """Compose and check every job's configuration; returns the number of jobs. Raises ConfigError."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        try:
            jobs = _job_overrides(argv)
        except (HydraException, OmegaConfBaseException) as exc:
            raise ConfigError(_one_line(exc)) from None
        for job in jobs:
            try:
                run_cfg = to_run_config(compose(config_name="config", overrides=job))
                run_cfg.check_topology(build_topology(run_cfg.topology))  # cached per topology
            except ConfigError:
                raise
            except (HydraException, OmegaConfBaseException, ValueError, TypeError) as exc:
                raise ConfigError(_one_line(exc)) from None
    return len(jobs)


def main() -> None:
    argv = sys.argv[1:]
    if not {"--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i"} & set(argv):
        try:
            os.environ["FRAGSIM_SWEEP_TOTAL"] = str(validate(argv))
        except ConfigError as exc:
            print(f"fragsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    _task()


if __name__ == "__main__":
    main()
