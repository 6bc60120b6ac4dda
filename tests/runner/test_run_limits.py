"""A run at the machine's limits: a full disk while writing its folder, and a topology too large for the memory
budget. Each is one line on stderr and exit status 2, and leaves no temporary file and no part of a run."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.memory import ENV_VAR
from sim.runner.compose import compose, run_yaml, to_run_config
from sim.runner.run import RESULT_FILES, RunWriteError, execute, write_atomic

SMALL = ["topology.n_ases=600", "n_sources=64", "scenario.steps=1"]


def disk_full_after(n_ok: int):
    """An ``os.fsync`` that lets ``n_ok`` calls through, then fails as a full disk does."""
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > n_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return fsync


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_failed_atomic_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "fsync", disk_full_after(0))
    with pytest.raises(OSError) as err:
        write_atomic(tmp_path / "metrics.csv", "step,metric,value\n")
    assert err.value.errno == errno.ENOSPC
    assert leftovers(tmp_path) == []


# the first file, a Parquet file in the middle (config, metrics.csv, metrics.parquet), DONE (after the results and
# meta.json)
@pytest.mark.parametrize("n_ok", [0, 2, len(RESULT_FILES) + 1])
def test_full_disk_while_writing_a_run_leaves_its_folder_empty(tmp_path, monkeypatch, n_ok):
    cfg = compose(SMALL)
    folder = tmp_path / "runs" / "single" / "x"
    monkeypatch.setattr(os, "fsync", disk_full_after(n_ok))
    with pytest.raises(RunWriteError, match=r"cannot write the run folder: .*: No space left on device"):
        execute(to_run_config(cfg), run_yaml(cfg), folder)
    assert leftovers(tmp_path) == [] and list(folder.iterdir()) == []  # empty: incomplete, resumed by a rerun


def fragsim_with(tmp_path: Path, prelude: str, *args: str, env=None) -> subprocess.CompletedProcess:
    """``fragsim -q ARGS`` in a fresh interpreter that first runs ``prelude`` (to simulate the machine's limits):
    quiet, so that stderr holds the errors only."""
    script = textwrap.dedent(prelude) + f"\nimport sys\nsys.argv = ['fragsim', '-q', *{list(args)!r}]\n"
    script += "from sim.cli.fragsim import main\nmain()\n"
    env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fragsim: error: "), proc.stderr
    return lines[0]


def test_fragsim_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    prelude = """
        import errno, os
        def fsync(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync = fsync
    """
    line = one_error_line(fragsim_with(tmp_path, prelude, *SMALL))
    assert "cannot write the run folder" in line and "No space left on device" in line
    assert leftovers(tmp_path) == []  # no .NAME.PID.tmp, no half run


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


def cap_address_space(n_bytes: int):
    """A ``preexec_fn`` that caps the child's address space, as ``ulimit -v`` does."""

    def cap():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (n_bytes, n_bytes))

    return cap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process's size from /proc")
def test_under_ulimit_v_the_budget_is_what_the_process_has_left(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    exe = [sys.executable, "-m", "sim.cli.fragsim", "-q"]  # quiet: stderr holds the errors only
    cap = cap_address_space(4 << 30)
    run = dict(cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env, preexec_fn=cap)
    refused = subprocess.run([*exe, "topology.n_ases=1000000"], **run)
    line = one_error_line(refused)
    assert "needs about 12.23 GiB, over the memory budget of" in line
    assert "(the memory available to this process)" in line
    budget = float(line.split("memory budget of ")[1].split(" GiB")[0])
    assert 2 < budget < 4  # the 4 GiB cap less what the interpreter has mapped
    small = subprocess.run([*exe, *SMALL], **run)  # and a run that fits still runs under the cap
    assert small.returncode == 0, small.stderr
