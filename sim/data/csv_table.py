"""CSV annotation files read as tables: record by record (:func:`csv_rows`, which words every error) or whole
(:func:`csv_columns`, the fast path, which returns None instead of an error and leaves the wording to the first).

Both read records with the ``csv`` module (strict); a record must lie on one line (a quoted field running over lines
is, in these files, a stray ``"`` swallowing the rows after it) and have as many fields as the header, which must
name the required columns, each once; blank lines are skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import numpy as np

from sim.data.columns import line_bounds
from sim.data.text_files import TopologyFormatError, text_lines

_NEWLINE, _COMMA, _QUOTE = (ord(c) for c in '\n,"')


def csv_rows(path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line_no, row dict) of the records of a CSV file after its header, which must name the ``required``
    columns. A record must lie on one line and have as many fields as the header; blank lines are skipped."""
    reader = csv.reader(text_lines(path), strict=True)
    header: list[str] | None = None
    end = 0  # the last line of the previous record
    try:
        for fields in reader:
            start, end = end + 1, reader.line_num
            if end > start:
                raise TopologyFormatError(
                    path, start, f"a quoted field runs from line {start} to {end}: is a '\"' on line {start} unmatched?"
                )
            if not fields:
                continue
            if header is None:
                header = _check_header(path, start, fields, required)
            elif len(fields) != len(header):
                raise TopologyFormatError(
                    path, start, f"expected {len(header)} comma-separated fields, as the header has, got {len(fields)}"
                )
            else:
                yield start, dict(zip(header, fields, strict=True))
    except csv.Error as exc:
        raise TopologyFormatError(path, end + 1, f"bad CSV record: {exc}") from None
    if header is None:
        raise TopologyFormatError(path, None, f"no header line (expected columns {list(required)})")


def _check_header(path, line_no: int, fields: list[str], required: tuple[str, ...]) -> list[str]:
    missing = [c for c in required if c not in fields]
    if missing:
        raise TopologyFormatError(path, line_no, f"missing column(s) {missing}; header is {fields}")
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        raise TopologyFormatError(path, line_no, f"column(s) {repeated} named twice in the header")
    return fields


def csv_columns(
    text: str, required: tuple[str, ...], wanted: tuple[str, ...]
) -> tuple[np.ndarray, dict[str, list[str]]] | None:
    """The records of a whole CSV text, as :func:`csv_rows` reads them, by column.

    Parameters
    ----------
    text : str
        The file's text (:func:`sim.data.text_files.read_text`).
    required : tuple of str
        Columns the header must name.
    wanted : tuple of str
        Columns returned, those the header names.

    Returns
    -------
    (line_nos, columns) or None
        The line of each record and, for each wanted column, its fields in file order; None where
        :func:`csv_rows` raises (a bad record, a record over several lines or of another field count, a bad or
        missing header), and for a line longer than the ``csv`` module's field limit.

    Notes
    -----
    A line without ``"`` is a record whose fields lie between its commas: all such lines are split at once
    (numpy); the few others (a name in quotes) are read by the ``csv`` module, each on its own.
    """
    data = text.encode("utf-8")  # in UTF-8, the bytes of ',', '"' and newline are those characters, never part of one
    buf = np.frombuffer(data if data.endswith(b"\n") else data + b"\n", np.uint8)
    starts, ends = line_bounds(buf)
    quoted = np.zeros(len(starts), bool)
    quoted[np.searchsorted(ends, np.flatnonzero(buf == _QUOTE))] = True
    records = _one_line_records(data, starts[quoted], ends[quoted])
    if records is None or np.any((ends - starts)[~quoted] > csv.field_size_limit()):
        return None
    comma = np.flatnonzero(buf == _COMMA)
    n_commas = np.searchsorted(comma, ends) - np.searchsorted(comma, starts)
    widths = np.where(starts == ends, 0, n_commas + 1)  # a blank line is an empty record
    widths[quoted] = list(map(len, records))
    filled = np.flatnonzero(widths)
    record_of = np.cumsum(quoted) - 1  # a quoted line's index in records
    if not len(filled):
        return None
    first = filled[0]
    header = records[record_of[first]] if quoted[first] else data[starts[first] : ends[first]].decode().split(",")
    rows = filled[1:]
    if any(c not in header for c in required) or len(set(header)) != len(header) or np.any(widths[rows] != len(header)):
        return None
    split = rows[~quoted[rows]]
    is_split = np.zeros(len(starts), bool)
    is_split[split] = True
    cuts = comma[np.repeat(is_split, n_commas)].reshape(len(split), len(header) - 1)  # each comma's line, in order
    field_starts, field_ends = np.column_stack([starts[split], cuts + 1]), np.column_stack([cuts, ends[split]])
    read = [records[k] for k in record_of[rows[quoted[rows]]]]
    order = np.argsort(quoted[rows], kind="stable").argsort().tolist()  # split rows first, then read ones
    columns = {}
    for name in (name for name in wanted if name in header):
        j = header.index(name)
        values = _strings(buf, field_starts[:, j], field_ends[:, j]) + [fields[j] for fields in read]
        columns[name] = list(map(values.__getitem__, order))
    return rows + 1, columns


def _one_line_records(data: bytes, starts: np.ndarray, ends: np.ndarray) -> list[list[str]] | None:
    """The records of the lines ``data[start:end]`` read by the ``csv`` module, or None unless each is one record."""
    lines = [data[start:end].decode() for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    reader = csv.reader(lines, strict=True)
    try:
        records = list(reader)
    except csv.Error:
        return None
    return records if len(records) == len(lines) else None


def _strings(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The fields ``buf[start:end]`` (UTF-8, no newline in them) as strings: gathered at once, a newline after
    each, and split again."""
    length = ends - starts
    offsets = np.cumsum(length + 1) - (length + 1)  # of each field in the gathered bytes
    joined = buf[np.arange(int(length.sum()) + len(length)) - np.repeat(offsets - starts, length + 1)]
    joined[offsets + length] = _NEWLINE
    return joined.tobytes().decode("utf-8").split("\n")[:-1]
