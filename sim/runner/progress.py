"""How a command talks while it works: its verbosity (``--quiet``, ``-v``), its status lines and its progress.

Every console script takes ``-q``/``--quiet`` (no progress, no status, no closing lines: errors only, on stderr)
and ``-v``/``--verbose`` (more detail: timings, and progress lines at every tenth of the work). The choice is
kept in the environment (:data:`ENV_VAR`), so the processes a command starts (a sweep's workers, the sweeps of
``fragsim-experiment``) speak at the same level.

Progress goes to stderr. On a terminal it is a tqdm bar rewritten in place; when stderr is not a terminal (a
pipe, a cluster job's log file) it is a log line now and then, ``[label] step 5/40 (12%), 0:14 elapsed, ETA
1:38``: after the first step (an early estimate), then whenever both a tenth of the work and
:data:`LOG_EVERY_S` seconds have passed since the last line (whichever is rarer: a long run's log gains at most
ten lines, a short run's only two), and after the last step.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TextIO

ENV_VAR = "FRAGSIM_VERBOSITY"  #: the verbosity of this command and of the processes it starts: 0, 1 or 2
LOG_EVERY_S = 30.0  #: the least time between two progress lines in a log (at normal verbosity)
QUIET_FLAGS = ("-q", "--quiet")
VERBOSE_FLAGS = ("-v", "--verbose")


class Verbosity(IntEnum):
    QUIET = 0  #: errors only
    NORMAL = 1  #: progress, what is loading, where the output is and what to run next
    VERBOSE = 2  #: and timings, and a progress line at every tenth of the work in logs


def pop_verbosity(argv: list[str]) -> tuple[list[str], Verbosity]:
    """``argv`` less ``-q``/``--quiet`` and ``-v``/``--verbose``, and the verbosity they ask for.

    For a command whose other arguments are not parsed by argparse (``fragsim``: Hydra's).

    Raises
    ------
    ValueError
        Both ``--quiet`` and ``--verbose`` are given.
    """
    quiet = any(a in QUIET_FLAGS for a in argv)
    verbose = any(a in VERBOSE_FLAGS for a in argv)
    if quiet and verbose:
        raise ValueError("--quiet and --verbose exclude each other: choose one")
    rest = [a for a in argv if a not in QUIET_FLAGS + VERBOSE_FLAGS]
    return rest, Verbosity.QUIET if quiet else Verbosity.VERBOSE if verbose else Verbosity.NORMAL


@contextmanager
def speaking(level: Verbosity) -> Iterator[None]:
    """This command's verbosity for the block, for its own process and those it starts (in the environment);
    the previous value is restored after it (a ``main`` called from Python leaves no trace)."""
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(int(level))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


def chosen(args) -> Verbosity:
    """The verbosity of an argparse namespace with ``quiet`` and ``verbose`` flags."""
    return Verbosity.QUIET if args.quiet else Verbosity.VERBOSE if args.verbose else Verbosity.NORMAL


def add_flags(parser) -> None:
    """Add ``-q``/``--quiet`` and ``-v``/``--verbose`` (exclusive) to an argparse parser."""
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument(*QUIET_FLAGS, action="store_true", help="print errors only (and results asked for)")
    talk.add_argument(*VERBOSE_FLAGS, action="store_true", help="more detail (timings, more progress lines)")


def verbosity() -> Verbosity:
    """This command's verbosity (:data:`ENV_VAR`; normal when unset or not one of 0, 1, 2)."""
    try:
        return Verbosity(int(os.environ.get(ENV_VAR, Verbosity.NORMAL)))
    except ValueError:
        return Verbosity.NORMAL


def say(text: str, level: Verbosity = Verbosity.NORMAL, stream: TextIO | None = None) -> None:
    """Print ``text`` (to stderr unless ``stream`` says otherwise) when the verbosity is at least ``level``."""
    if verbosity() >= level:
        print(text, file=stream if stream is not None else sys.stderr, flush=True)


def where_next(output: str, next_command: str) -> None:
    """The closing lines of a command, on stdout: where its output is, and what to run next."""
    say(f"output: {output}", stream=sys.stdout)
    say(f"next:   {next_command}", stream=sys.stdout)


def shown(path) -> str:
    """``path`` as a user would type it here: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def duration(seconds: float) -> str:
    """``75.2`` → ``1:15``, ``3725`` → ``1:02:05`` (as tqdm writes times)."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def _amount(done: float, total: float | None, unit: str) -> str:
    if unit == "B":
        return f"{done / 1e6:.1f}" + (f"/{total / 1e6:.1f} MB" if total else " MB")
    return f"{unit} {done:.0f}" + (f"/{total:.0f}" if total else "")


class Progress:
    """Progress of ``total`` units of work (steps, run folders, bytes): a bar on a terminal, log lines elsewhere,
    nothing when quiet.

    Parameters
    ----------
    label : str
        What is progressing, at the head of each line (``[default]``).
    total : int, optional
        The work's size (None: unknown, as a download's without a length).
    unit : str
        ``step``, ``run folder`` (words: ``step 5/40``) or ``B`` (bytes: ``12.3/45.6 MB``).
    bar : bool
        Whether a bar may be drawn on a terminal; False where other processes share the terminal (a parallel
        sweep's workers): log lines then.
    stream : file, optional
        Where it goes (default stderr).
    clock : callable
        Seconds (``time.monotonic``), replaceable in tests.

    Notes
    -----
    The clock starts at the first :meth:`update` (``update(0)`` when the work starts), so that loading before
    it does not count in the estimate: ETA = elapsed / done × (total − done).
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        unit: str = "step",
        *,
        bar: bool = True,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit, self.clock = label, total, unit, clock
        self.stream = stream if stream is not None else sys.stderr
        self.level = verbosity()
        self.started: float | None = None
        self.last: tuple[float, float] | None = None  # (done, time) of the last log line
        self._bar = None
        if self.level > Verbosity.QUIET and bar and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=label,
                unit=unit,
                unit_scale=unit == "B",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )

    def update(self, done: float, total: int | None = None) -> None:
        """``done`` units of the work are done (``total`` updates the work's size when given)."""
        if total is not None:
            self.total = total
        now = self.clock()
        if self.started is None:
            self.started = now
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.update(done - self._bar.n)
        elif self.level > Verbosity.QUIET and done > 0 and self._due(done, now):
            self.last = (done, now)
            print(self.line(done, now - self.started), file=self.stream, flush=True)

    __call__ = update  # a progress callback: progress(done, total)

    def _due(self, done: float, now: float) -> bool:
        if self.last is None or done == self.total:
            return True
        tenth = (self.total or 0) / 10
        every = 0.0 if self.level >= Verbosity.VERBOSE else LOG_EVERY_S
        return done - self.last[0] >= tenth and now - self.last[1] >= every

    def line(self, done: float, elapsed: float) -> str:
        """A log line: the amount done, its share of the total, the time elapsed and the estimate."""
        text = f"{self.label} {_amount(done, self.total, self.unit)}"
        if self.total:
            text += f" ({100 * done / self.total:.0f}%)"
        text += f", {duration(elapsed)} elapsed"
        if self.total and done < self.total:
            text += f", ETA {duration(elapsed / done * (self.total - done))}"
        return text

    def close(self) -> None:
        """Remove the bar (the command's own line says what was done)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
