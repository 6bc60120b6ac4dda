"""What a command prints on stderr when it refuses its input: what it was loading (progress narration, one line
each), then the error: exactly one line, the last."""

from __future__ import annotations


def one_error(stderr: str, prog: str) -> str:
    """The single error line of ``prog``'s stderr (``PROG: error: ...``); every other line is ``PROG: ...``
    narration, and no traceback."""
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith(f"{prog}: error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], stderr
    assert all(line.startswith(f"{prog}: ") for line in lines) and "Traceback" not in stderr, stderr
    return errors[0]
