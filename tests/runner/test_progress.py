"""How commands talk: the verbosity flags, and progress as log lines when stderr is not a terminal (first step,
then every tenth of the work and 30 s, whichever is rarer, then the last), with the time elapsed and an ETA."""

from __future__ import annotations

import io
import os

import pytest

from sim.runner.progress import ENV_VAR, Progress, Verbosity, duration, pop_verbosity, speaking


class Clock:
    """Seconds that pass only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def logged(level: Verbosity, seconds_per_step: float, total: int = 40) -> list[str]:
    """The log lines of ``total`` steps taking ``seconds_per_step`` each, at verbosity ``level``."""
    stream, clock = io.StringIO(), Clock()  # a StringIO is not a terminal: log lines
    with speaking(level):
        progress = Progress("[run]", total, stream=stream, clock=clock)
        progress(0, total)
        for step in range(1, total + 1):
            clock.now += seconds_per_step
            progress(step, total)
    return stream.getvalue().splitlines()


def test_a_log_line_says_the_step_the_share_the_time_elapsed_and_the_eta():
    lines = logged(Verbosity.NORMAL, 15.0)
    assert lines[0] == "[run] step 1/40 (2%), 0:15 elapsed, ETA 9:45"
    assert lines[-1] == "[run] step 40/40 (100%), 10:00 elapsed"


def test_log_lines_come_every_tenth_or_every_30_s_whichever_is_rarer():
    fast = logged(Verbosity.NORMAL, 1.0)  # 40 s in all: the 30 s rule is the rarer
    assert [line.split()[2] for line in fast] == ["1/40", "31/40", "40/40"]
    slow = logged(Verbosity.NORMAL, 60.0)  # 40 min: the tenth is the rarer
    assert [line.split()[2] for line in slow] == [f"{s}/40" for s in (1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 40)]


def test_verbose_logs_every_tenth_and_quiet_logs_nothing():
    verbose = logged(Verbosity.VERBOSE, 0.1)
    assert [line.split()[2] for line in verbose] == [f"{s}/40" for s in (1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 40)]
    assert logged(Verbosity.QUIET, 60.0) == []


def test_bytes_of_a_download_of_unknown_length():
    stream, clock = io.StringIO(), Clock()
    with speaking(Verbosity.NORMAL):
        progress = Progress("file", None, unit="B", stream=stream, clock=clock)
        progress(0)
        clock.now += 2
        progress(1_500_000)
    assert stream.getvalue() == "file 1.5 MB, 0:02 elapsed\n"


def test_verbosity_flags_are_taken_off_the_command_line():
    assert pop_verbosity(["-q", "seed=1"]) == (["seed=1"], Verbosity.QUIET)
    assert pop_verbosity(["seed=1", "--verbose", "-m"]) == (["seed=1", "-m"], Verbosity.VERBOSE)
    assert pop_verbosity(["seed=1"]) == (["seed=1"], Verbosity.NORMAL)
    with pytest.raises(ValueError, match="--quiet and --verbose exclude each other"):
        pop_verbosity(["-q", "-v"])


def test_speaking_sets_the_environment_for_child_processes_and_restores_it(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with speaking(Verbosity.QUIET):
        assert os.environ[ENV_VAR] == "0"
    assert ENV_VAR not in os.environ


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (75.2, "1:15"), (3725, "1:02:05")])
def test_durations_read_as_tqdm_writes_them(seconds, text):
    assert duration(seconds) == text
