"""Memory budgets: a request is estimated and refused *before* anything is allocated, with the estimate and the
budget in one message, rather than growing until the operating system kills the process.

The budget of a request that names none is :func:`memory_budget`: ``$FRAGSIM_MEMORY_BUDGET`` when set (bytes,
or with a unit: ``512MiB``, ``8GiB``, ``8G``), else what this process can still allocate, the least of the
machine's available memory (``MemAvailable``), the cgroup's limit less its usage, and the address-space limit
(``ulimit -v``) less the process's size; 4 GiB where none of these can be read. The kernels take at most
:data:`DEFAULT_MEMORY_BUDGET` of it (:func:`kernel_budget`): they split their work into blocks that fit, so a
smaller budget costs time, never results.
"""

from __future__ import annotations

import os
import re
import resource

DEFAULT_MEMORY_BUDGET = 4 << 30  #: bytes: what a kernel takes at most when no budget is given
ENV_VAR = "FRAGSIM_MEMORY_BUDGET"  #: overrides the budget measured from the machine
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


class MemoryBudgetError(MemoryError, ValueError):
    """A request whose estimated memory exceeds the budget, refused before allocating.

    A ``MemoryError`` (what it is about) and a ``ValueError`` (the value asked for is too large for this budget):
    the commands report it as one line naming the value, as they report any other bad value.
    """


def gib(n_bytes: float) -> str:
    """``n_bytes`` in GiB with two decimals (``0.25 GiB``)."""
    return f"{n_bytes / 2**30:.2f} GiB"


def check_budget(what: str, estimate: float, budget: int | None = None, advice: str = "") -> None:
    """Raise :class:`MemoryBudgetError` when ``estimate`` (bytes) exceeds the budget.

    Parameters
    ----------
    what : str
        The request, as the message's subject (``synthetic_topology(n_ases=5000000)``).
    estimate : number of bytes
    budget : int, optional
        Bytes the caller was given (its ``memory_budget`` argument); default :func:`memory_budget`.
    advice : str
        What to do instead, appended to the message.
    """
    source = "memory_budget" if budget is not None else budget_source()
    budget = memory_budget() if budget is None else budget
    if estimate > budget:
        raise MemoryBudgetError(
            f"{what} needs about {gib(estimate)}, over the memory budget of {gib(budget)} ({source})"
            f"{': ' + advice if advice else ''}"
        )


def parse_bytes(text: str) -> int:
    """``8GiB``, ``8G``, ``512MiB``, ``1.5g`` or a plain number of bytes. Raises ValueError naming the variable."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text)
    if not match:
        raise ValueError(f"{ENV_VAR}={text!r} is not a number of bytes (e.g. 8GiB, 512MiB, 8000000000)")
    value = int(float(match[1]) * _UNITS[match[2].lower()])
    if value <= 0:
        raise ValueError(f"{ENV_VAR}={text!r} must be positive")
    return value


def budget_source() -> str:
    """Where :func:`memory_budget` takes the budget from, in words, for messages."""
    return f"${ENV_VAR}" if os.environ.get(ENV_VAR, "").strip() else "the memory available to this process"


def memory_budget() -> int:
    """Bytes this process may still allocate: ``$FRAGSIM_MEMORY_BUDGET``, else the measured limits (module doc)."""
    given = os.environ.get(ENV_VAR, "").strip()
    if given:
        return parse_bytes(given)
    limits = [v for v in (_mem_available(), _cgroup_room(), _address_space_room()) if v is not None]
    return max(min(limits), 0) if limits else DEFAULT_MEMORY_BUDGET


def kernel_budget() -> int:
    """The budget of a kernel called without one: :func:`memory_budget`, at most :data:`DEFAULT_MEMORY_BUDGET`."""
    return min(DEFAULT_MEMORY_BUDGET, memory_budget())


def _read_kib(path: str, key: str) -> int | None:
    """The ``key:  N kB`` value of a /proc file, in bytes."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _mem_available() -> int | None:
    return _read_kib("/proc/meminfo", "MemAvailable")


def _cgroup_room() -> int | None:
    """The memory cgroup's limit less its usage (v2 ``memory.max``, v1 ``memory.limit_in_bytes``), None without
    a limit."""
    for limit_file, usage_file in (
        ("memory.max", "memory.current"),
        ("memory.limit_in_bytes", "memory.usage_in_bytes"),
    ):
        for folder in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory"):
            try:
                with open(os.path.join(folder, limit_file)) as fh:
                    limit = fh.read().strip()
                with open(os.path.join(folder, usage_file)) as fh:
                    usage = int(fh.read().strip())
            except (OSError, ValueError):
                continue
            if limit == "max" or not limit.isdigit() or int(limit) >= 1 << 60:  # v1 writes "no limit" as ~2^63
                return None
            return int(limit) - usage
    return None


def _address_space_room() -> int | None:
    """``ulimit -v`` less the process's virtual size, None without a limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    size = _read_kib("/proc/self/status", "VmSize")
    return soft - (size or 0)
