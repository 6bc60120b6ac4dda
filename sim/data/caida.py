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

A file is read whole and its link lines parsed at once when every one is written plainly
(:mod:`sim.data.columns`), line by line otherwise (``by_line=True`` forces it): both paths give the same links,
header lists and report, and the same error, word for word, for a bad file.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.data.asn import parse_asn
from sim.data.columns import Listings, as_rel_columns
from sim.data.text_files import TopologyFormatError, open_text, read_text, text_lines
from sim.data.topology import Rel, Topology

__all__ = ["LoadReport", "TopologyFormatError", "open_text", "read_as_rel", "text_lines", "topology_from_as_rel"]

log = logging.getLogger(__name__)

_FIELDS = {3: "serial-1", 4: "serial-2"}
_REL_CODES = {"-1": Rel.P2C, "0": Rel.P2P}


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


class _AsRelReader:
    """The reading of one file: its header lines, its format, its links and the report, fed line by line
    (:meth:`feed`) or, for the link lines after the header, at once (:meth:`feed_links`)."""

    def __init__(self, path, strict: bool):
        self.path, self.strict = path, strict
        self.report = LoadReport(path=str(path))
        self.table = _LinkTable(path, self.report, strict)
        self.links: np.ndarray | None = None  # when read at once
        self.clique: list[int] = []
        self.ixps: list[int] = []
        self.headers: dict[str, int] = {}  # header name -> line
        self.n_fields = 0

    def feed(self, line_no: int, raw: str) -> None:
        line = raw.rstrip()  # the line's end only: a space before a field would make it another field's garble
        if not self.skip(line_no, line):
            self.table.add(line_no, *_parse_line(self.path, line_no, line, self.format_of(line_no, line)))

    def skip(self, line_no: int, line: str) -> bool:
        """Whether ``line`` (its end stripped) is blank or a comment; a header line is read."""
        if not line.strip():
            return True
        if line.lstrip()[0] != "#":
            return False
        line = line.lstrip()
        name = _header_name(line)
        if name is not None:
            _check_header_place(self.path, line_no, name, self.headers, self.n_fields)
            asns = _header_asns(self.path, line_no, line.split(":", 1)[1])
            self.clique, self.ixps = (asns, self.ixps) if name == "# input clique:" else (self.clique, asns)
        return True

    def format_of(self, line_no: int, line: str) -> int:
        """The number of fields of every link line, taken from the first."""
        if not self.n_fields:
            self.n_fields = line.count("|") + 1
            if self.n_fields not in _FIELDS:
                raise TopologyFormatError(
                    self.path, line_no, f"not an AS-relationship line (a|b|rel or a|b|rel|source): {line[:80]!r}"
                )
        return self.n_fields

    def feed_links(self, first_line: int, body: str) -> int:
        """Read ``body``, the lines from the first link (line ``first_line``) to the end, at once: how many lines,
        or 0, having read nothing, when one is not a plainly written link or (strict) a pair is to be resolved."""
        columns = as_rel_columns(body, self.n_fields)
        if columns is None:
            return 0
        a, b, rel = columns
        listed = Listings(a, b, rel)
        if self.strict and listed.n_problems():
            return 0  # the line reader words the first problem

        def line_pairs(rows, other):
            return list(zip((rows + first_line).tolist(), other.tolist(), strict=True))

        self.report.self_loops = line_pairs(listed.self_loops, a[listed.self_loops])
        self.report.duplicates = line_pairs(listed.duplicates[0], listed.duplicates[1] + first_line)
        self.report.conflicts = line_pairs(listed.conflicts[0], listed.conflicts[1] + first_line)
        self.links = np.column_stack([a, b, rel])[listed.kept]
        return len(a)

    def result(self, n_lines: int):
        """``(links, clique, ixps, report)`` of :func:`read_as_rel`, once every line is read."""
        first = self.table.first
        links = self.links if self.links is not None else np.array([v[1:] for v in first.values()], dtype=np.int64)
        self.report.n_lines = n_lines
        if not len(links):
            raise TopologyFormatError(self.path, None, "no AS-relationship lines found")
        self.report.format = _FIELDS[self.n_fields]
        self.report.n_links = len(links)
        if self.report.n_problems():
            log.warning("%s", self.report.describe())
        return links, self.clique, self.ixps, self.report


def _read_whole(reader: _AsRelReader, text: str) -> int:
    """Feed ``text`` to ``reader``: the header line by line, the links at once when they are plain, else line by
    line too; the number of lines."""
    lines = io.StringIO(text)  # split at "\n" only, as iterating over the file does
    offset = line_no = 0
    for line_no, raw in enumerate(lines, start=1):
        if not reader.skip(line_no, raw.rstrip()):
            reader.format_of(line_no, raw.rstrip())
            n_links = reader.feed_links(line_no, text[offset:])
            if n_links:
                return line_no + n_links - 1
            reader.feed(line_no, raw)
            return _feed(reader, lines, line_no)  # the lines after it, from the same iterator
        offset += len(raw)
    return line_no


def _feed(reader: _AsRelReader, lines: Iterable[str], after: int = 0) -> int:
    """Feed ``lines``, those after line ``after``, to ``reader`` one by one; the number of the last line."""
    line_no = after
    for line_no, raw in enumerate(lines, start=after + 1):
        reader.feed(line_no, raw)
    return line_no


def read_as_rel(path: str | Path, *, strict: bool = False, by_line: bool = False):
    """Read a CAIDA AS-relationship file.

    Parameters
    ----------
    path : str or Path
        Serial-1 or serial-2 file, plain or compressed; the format is detected from the first data line and
        every other line must match it.
    strict : bool
        Raise :class:`TopologyFormatError` on self-loops, duplicates and conflicts instead of resolving them.
    by_line : bool
        Read every line one by one, as the fast path does for a file it finds not plain (the reference it is
        tested against); the result is the same, in 2.0-2.6 s instead of 0.25-0.5 s on CAIDA's 2016 file (0.2-0.3 s
        of either is decompressing it).

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
    reader = _AsRelReader(path, strict)
    text = None if by_line else read_text(path)
    # line by line also after a broken stream, which text_lines reports with the last line read
    return reader.result(_feed(reader, text_lines(path)) if text is None else _read_whole(reader, text))


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
