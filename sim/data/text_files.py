"""Text input files, plain or compressed: opening them (the compression recognised by its first bytes), reading
them line by line or whole, and :class:`TopologyFormatError`, the one error every loader raises for a bad file.

The AS-relationship and AS→country loaders read a file whole (:func:`read_text`) and parse it at once where it is
plain (:mod:`sim.data.columns`), line by line (:func:`text_lines`) otherwise; both ways see the same text: UTF-8, a
leading byte-order mark skipped, undecodable bytes replaced, ``\r\n`` and ``\r`` line ends read as ``\n``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path


class TopologyFormatError(ValueError):
    """A problem in an input file, with the file and (1-based) line number in the message."""

    def __init__(self, path, line_no: int | None, message: str):
        self.path, self.line_no = str(path), line_no
        where = f"{path}:{line_no}" if line_no is not None else str(path)
        super().__init__(f"{where}: {message}")


def open_text(path: str | Path) -> io.TextIOBase:
    """Open a plain, bzip2 or gzip text file, recognised by its first bytes (not its name).

    UTF-8, a leading byte-order mark skipped, undecodable bytes replaced (they can only matter in fields that are
    checked, where they are an error). Read it with :func:`text_lines`, which names the file when the compressed
    stream is corrupt or truncated; reading the returned object directly raises the decompressor's own errors.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    TopologyFormatError
        ``path`` cannot be read (permissions, an I/O error), with the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(3)
    except OSError as exc:
        raise TopologyFormatError(path, None, f"cannot be read: {exc.strerror or exc}") from None
    text = {"encoding": "utf-8-sig", "errors": "replace"}
    if magic == b"BZh":
        return bz2.open(path, "rt", **text)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rt", **text)
    return open(path, **text)


#: what the decompressors raise on a corrupt or truncated stream (gzip.BadGzipFile is an OSError)
STREAM_ERRORS = (EOFError, OSError, zlib.error)


def text_lines(path: str | Path) -> Iterator[str]:
    """The lines of a plain, bzip2 or gzip text file (:func:`open_text`), as a generator.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    TopologyFormatError
        The compressed stream is corrupt or truncated (the decompressor's ``EOFError``, ``OSError`` or
        ``zlib.error``), or the file cannot be read; the message names the file and the last line read whole.
    """
    n_read = 0  # whole lines read, for the message
    with open_text(path) as fh:
        try:
            for line in fh:
                n_read += 1
                yield line
        except STREAM_ERRORS as exc:
            kind = {bz2.BZ2File: "bzip2", gzip.GzipFile: "gzip"}.get(type(getattr(fh, "buffer", None)), "")
            what = f"corrupt or truncated {kind} stream" if kind else "read error"
            done = f"after line {n_read}" if n_read else "before the first line"
            raise TopologyFormatError(path, None, f"{what} {done}: {exc or type(exc).__name__}") from None


def read_text(path: str | Path) -> str | None:
    """The whole text of a file, exactly as :func:`text_lines` reads it line by line (the same decoder and newline
    translation), or None when its compressed stream is corrupt or truncated: :func:`text_lines` then says after
    which line.

    Raises
    ------
    FileNotFoundError, TopologyFormatError
        As :func:`open_text`.
    """
    with open_text(path) as fh:
        try:
            return fh.read()
        except STREAM_ERRORS:
            return None
