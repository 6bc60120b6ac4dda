"""CAIDA AS-relationship files: serial-1 (``a|b|rel``) and serial-2 (``a|b|rel|source``), plain, .bz2 or .gz.

Input problems and their outcome (``strict=False``, the default; ``strict=True`` raises on the first one):

- malformed line, unknown relationship code, an AS number outside the grammar of :mod:`sim.data.asn`, a
  ``# input clique:`` or ``# IXP ASes:`` line after the first link, or a corrupt or truncated compressed stream:
  :class:`TopologyFormatError` naming the file (and line), always;
- self-loop ``a|a|rel``: dropped, reported in ``LoadReport.self_loops``;
- the same pair listed twice alike: the repeat is dropped, reported in ``LoadReport.duplicates``;
- a pair listed with conflicting relationships (``a|b|-1`` then ``b|a|-1`` or ``a|b|0``): the **first listing
  wins**; later ones are dropped and reported in ``LoadReport.conflicts`` (CAIDA's files list each pair once, so
  a conflict means a hand edit or a merge; the first is the original);
- customer→provider cycles: kept (they are real inferences); reported by ``Topology.p2c_cycles``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.data.asn import parse_asn
from sim.data.topology import Rel, Topology

log = logging.getLogger(__name__)

_FIELDS = {3: "serial-1", 4: "serial-2"}
_REL_CODES = {"-1": Rel.P2C, "0": Rel.P2P}


class TopologyFormatError(ValueError):
    """A problem in an input file, with the file and (1-based) line number in the message."""

    def __init__(self, path, line_no: int | None, message: str):
        self.path, self.line_no = str(path), line_no
        where = f"{path}:{line_no}" if line_no is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class LoadReport:
    """What a loader found and how it resolved it. Line numbers are 1-based."""

    path: str
    format: str = ""
    n_lines: int = 0
    n_links: int = 0
    self_loops: list[tuple[int, int]] = field(default_factory=list)  # (line, asn)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)
    clique_absent: list[int] = field(default_factory=list)  # header clique ASNs with no link
    ixp_absent: list[int] = field(default_factory=list)

    def n_problems(self) -> int:
        return len(self.self_loops) + len(self.duplicates) + len(self.conflicts)

    def describe(self) -> str:
        parts = [
            f"{len(self.self_loops)} self-loops",
            f"{len(self.duplicates)} duplicate pairs",
            f"{len(self.conflicts)} conflicting pairs (first listing kept)",
        ]
        return f"{self.path}: " + ", ".join(parts)


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


def _header_asns(path, line_no: int, text: str) -> list[int]:
    try:
        return [parse_asn(tok) for tok in text.split()]
    except ValueError as exc:
        raise TopologyFormatError(path, line_no, f"header ASN list: {exc}") from None


def as_number(path, line_no: int, text: str) -> int:
    """:func:`sim.data.asn.parse_asn` of one field, a :class:`TopologyFormatError` naming file and line."""
    try:
        return parse_asn(text)
    except ValueError as exc:
        raise TopologyFormatError(path, line_no, str(exc)) from None


_HEADERS = ("# input clique:", "# ixp ases:")


def _header_name(line: str) -> str | None:
    """Which header line ``line`` is (an item of ``_HEADERS``; matched in any case), or None for a comment."""
    low = line.lower()
    return next((h for h in _HEADERS if low.startswith(h)), None)


def _check_header_place(path, line_no: int, name: str, seen: dict[str, int], n_fields: int) -> None:
    """A header line must come before the first link and only once: later, it would silently replace the set."""
    label = "'# input clique:'" if name == _HEADERS[0] else "'# IXP ASes:'"
    if n_fields:
        raise TopologyFormatError(path, line_no, f"{label} header line after the first link (header lines come first)")
    if name in seen:
        raise TopologyFormatError(path, line_no, f"second {label} header line (the first is on line {seen[name]})")
    seen[name] = line_no


class _LinkTable:
    """Links as read, deduplicated by unordered pair under the first-listing-wins rule."""

    def __init__(self, path, report: LoadReport, strict: bool):
        self.path, self.report, self.strict = path, report, strict
        self.first: dict[tuple[int, int], tuple[int, int, int, int]] = {}  # pair -> (line, a, b, rel)

    def add(self, line_no: int, a: int, b: int, rel: int) -> None:
        if a == b:
            self._problem(self.report.self_loops, (line_no, a), line_no, f"self-loop on AS{a}")
            return
        key = (a, b) if a < b else (b, a)
        seen = self.first.get(key)
        if seen is None:
            self.first[key] = (line_no, a, b, rel)
        elif seen[3] == rel and (rel == Rel.P2P or seen[1] == a):
            self._problem(
                self.report.duplicates,
                (line_no, seen[0]),
                line_no,
                f"pair AS{a}-AS{b} already listed on line {seen[0]}",
            )
        else:
            self._problem(
                self.report.conflicts, (line_no, seen[0]), line_no, f"pair AS{a}-AS{b} conflicts with line {seen[0]}"
            )

    def _problem(self, bucket: list, item, line_no: int, message: str) -> None:
        if self.strict:
            raise TopologyFormatError(self.path, line_no, message + " (strict mode)")
        bucket.append(item)


def _parse_line(path, line_no: int, line: str, n_fields: int) -> tuple[int, int, int]:
    parts = line.split("|")
    if len(parts) != n_fields:
        raise TopologyFormatError(
            path,
            line_no,
            f"expected {n_fields} '|'-separated fields ({_FIELDS[n_fields]}), got {len(parts)}: {line[:80]!r}",
        )
    a, b = as_number(path, line_no, parts[0]), as_number(path, line_no, parts[1])
    rel = _REL_CODES.get(parts[2])
    if rel is None:
        raise TopologyFormatError(
            path,
            line_no,
            f"unknown relationship code {parts[2][:20]!r} (expected -1 for provider|customer or 0 for peers)",
        )
    return a, b, int(rel)


def read_as_rel(path: str | Path, *, strict: bool = False):
    """Read a CAIDA AS-relationship file.

    Parameters
    ----------
    path : str or Path
        Serial-1 or serial-2 file, plain or compressed; the format is detected from the first data line and
        every other line must match it.
    strict : bool
        Raise :class:`TopologyFormatError` on self-loops, duplicates and conflicts instead of resolving them.

    Returns
    -------
    links : (m, 3) int64 array of ``(a, b, rel)`` with ``rel`` -1 (a is b's provider) or 0 (peers)
    clique, ixps : lists of ASNs from the ``# input clique:`` and ``# IXP ASes:`` header lines
    report : LoadReport

    Raises
    ------
    TopologyFormatError
        A malformed line, an unknown relationship code, an empty file, or (strict) any resolved problem.
    """
    report = LoadReport(path=str(path))
    table = _LinkTable(path, report, strict)
    clique: list[int] = []
    ixps: list[int] = []
    headers: dict[str, int] = {}  # header name -> line
    n_fields = line_no = 0
    for line_no, raw in enumerate(text_lines(path), start=1):
        line = raw.rstrip()  # the line's end only: a space before a field would make it another field's garble
        if not line.strip():
            continue
        if line.lstrip()[0] == "#":
            line = line.lstrip()
            name = _header_name(line)
            if name is not None:
                _check_header_place(path, line_no, name, headers, n_fields)
                asns = _header_asns(path, line_no, line.split(":", 1)[1])
                clique, ixps = (asns, ixps) if name == "# input clique:" else (clique, asns)
            continue
        if not n_fields:
            n_fields = line.count("|") + 1
            if n_fields not in _FIELDS:
                raise TopologyFormatError(
                    path, line_no, f"not an AS-relationship line (a|b|rel or a|b|rel|source): {line[:80]!r}"
                )
        table.add(line_no, *_parse_line(path, line_no, line, n_fields))
    report.n_lines = line_no
    if not table.first:
        raise TopologyFormatError(path, None, "no AS-relationship lines found")
    report.format = _FIELDS[n_fields]
    links = np.array([v[1:] for v in table.first.values()], dtype=np.int64)
    report.n_links = len(links)
    if report.n_problems():
        log.warning("%s", report.describe())
    return links, clique, ixps, report


def topology_from_as_rel(path: str | Path, *, strict: bool = False) -> tuple[Topology, LoadReport]:
    """Build an un-annotated :class:`Topology` (roles from the header) from a CAIDA AS-relationship file."""
    links, clique, ixps, report = read_as_rel(path, strict=strict)
    asns, inverse = np.unique(links[:, :2], return_inverse=True)
    ends = inverse.reshape(-1, 2)
    is_p2c = links[:, 2] == Rel.P2C
    topo = Topology.from_links(
        asns,
        ends[is_p2c],
        ends[~is_p2c],
        tier1=np.isin(asns, clique),
        ixp=np.isin(asns, ixps),
        name=Path(path).name,
    )
    report.clique_absent = sorted(set(clique) - set(asns.tolist()))
    report.ixp_absent = sorted(set(ixps) - set(asns.tolist()))
    return topo, report
