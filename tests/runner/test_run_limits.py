"""A run at the machine's limits: a topology too large for the memory budget is one line on stderr and exit status
2, refused before anything is generated."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.memory import ENV_VAR


def fragsim_with(tmp_path: Path, prelude: str, *args: str, env=None) -> subprocess.CompletedProcess:
    """``fragsim ARGS`` in a fresh interpreter that first runs ``prelude`` (to simulate the machine's limits)."""
    script = textwrap.dedent(prelude) + f"\nimport sys\nsys.argv = ['fragsim', *{list(args)!r}]\n"
    script += "from sim.cli.fragsim import main\nmain()\n"
    env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fragsim: error: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args, needs",
    [
        (["topology.n_ases=5000000"], "a run on the synthetic topology (5,000,000 ASes) needs about 60.66 GiB"),
        (["topology.n_ases=1000000", "n_sources=null"], "(1,000,000 ASes) needs about 12.23 GiB"),
    ],
)
def test_a_run_over_the_memory_budget_is_refused_before_generating(tmp_path, args, needs):
    proc = fragsim_with(tmp_path, "", *args, env={ENV_VAR: "5GiB"})
    line = one_error_line(proc)
    assert needs in line and f"over the memory budget of 5.00 GiB (${ENV_VAR}): choose a smaller" in line
    assert leftovers(tmp_path) == []
