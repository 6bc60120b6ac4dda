"""The files of run folders and reports: written atomically, long tables as CSV and as Parquet.

Every file is written to a temporary file beside its place and renamed into it (:func:`write_atomic`), so a
killed process or a full disk (``ENOSPC``) never leaves half a file, nor a temporary one. A long table (a run's
metrics, states and cut links; a report's time series, final values and country losses) is written twice by
:func:`write_table`: ``NAME.csv``, for reading anywhere, and ``NAME.parquet`` (columnar, typed: for pandas,
Arrow, DuckDB or R on large sweeps). The Parquet file holds exactly the table its CSV holds (the CSV read back,
values at the CSV's precision, Namibia's code ``NA`` a string), and is written deterministically: the same table
gives the same bytes (no timestamp, no pandas metadata; the writer's version is the only varying field).
:func:`read_table` prefers the Parquet file and falls back to the CSV (folders written before Parquet existed).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

#: how a table's CSV is read back: empty fields are missing values, and nothing else is (``NA`` is Namibia)
CSV_READ = {"keep_default_na": False, "na_values": [""]}
PARQUET_COMPRESSION = "zstd"  #: smaller than snappy, read by every Parquet reader of the last years


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place: never half a file. When the write
    fails (a full disk) or is interrupted, the temporary file is removed and the error raised."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(tmp, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def csv_text(frame: pd.DataFrame, float_format: str | None = None) -> str:
    """``frame`` as CSV text, without its index, lines ending in ``\\n``: the text of pandas' ``to_csv`` (the
    same bytes), formatted a row at a time by one ``%`` format for the columns runs hold (integers, floats,
    booleans, strings), two to three times faster on a run's cut links; pandas writes any other frame."""
    columns = _csv_columns(frame, float_format)
    if columns is None:
        return frame.to_csv(index=False, float_format=float_format, lineterminator="\n")
    row = ",".join(fmt for fmt, _ in columns) + "\n"
    header = ",".join(_quoted(name) for name in frame.columns) + "\n"
    return header + "".join([row % values for values in zip(*(v for _, v in columns), strict=True)])


_QUOTE = frozenset(',"\n')  #: characters that make the csv module quote a field (its minimal quoting)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if not _QUOTE.isdisjoint(text) else text


def _csv_columns(frame: pd.DataFrame, float_format: str | None) -> list[tuple[str, list]] | None:
    """Each column as (its ``%`` format, its values as Python objects) such that the format gives the field pandas
    writes; None when a column is of another kind (or the frame has fewer than two columns: the csv module
    quotes a lone empty field)."""
    if frame.shape[1] < 2 or frame.columns.nlevels > 1 or not all(type(c) is str for c in frame.columns):
        return None
    columns = []
    wide = _wide_floats(frame, float_format or "%r")
    for i in range(frame.shape[1]):
        if i in wide:
            columns.append(("%s", wide[i]))
            continue
        col = frame.iloc[:, i]
        kind, numpy = col.dtype.kind, isinstance(col.dtype, np.dtype)
        values = col.to_numpy() if numpy else None
        if kind in "iub" and numpy:  # numpy integers and booleans (True/False)
            columns.append(("%d" if kind != "b" else "%s", values.tolist()))
        elif col.dtype == np.float64:  # (pandas writes a float32 by its own repr)
            fmt = float_format or "%r"
            if np.isnan(values).any():  # missing values are empty fields
                columns.append(("%s", ["" if v != v else fmt % v for v in values.tolist()]))
            else:
                columns.append((fmt, values.tolist()))
        elif col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            strings = col.to_numpy(dtype=object, na_value=None).tolist()
            distinct = set(strings)
            if not all(v is None or (type(v) is str and "\r" not in v) for v in distinct):
                return None  # (whether the csv module quotes a carriage return depends on the Python version)
            if None in distinct or any(not _QUOTE.isdisjoint(v) for v in distinct - {None}):
                strings = ["" if v is None else _quoted(v) for v in strings]
            columns.append(("%s", strings))
        else:
            return None
    return columns


WIDE = 8  #: float columns from which a frame's repeated values are formatted once (a country matrix has ~200)


def _wide_floats(frame: pd.DataFrame, fmt: str) -> dict[int, list[str]]:
    """The fields of the float columns (by position) of a frame with at least :data:`WIDE` of them, when their
    values repeat (most of a country matrix's are one of a few hundred): each distinct value formatted once, by
    its bits (so ``-0.0`` stays apart from ``0.0``; a missing value is an empty field). Empty when not worth it."""
    positions = np.flatnonzero((frame.dtypes == np.float64).to_numpy())
    if len(positions) < WIDE or not len(frame):
        return {}
    bits = np.ascontiguousarray(frame.iloc[:, positions].to_numpy(np.float64)).view(np.int64)
    distinct, index = np.unique(bits, return_inverse=True)
    if len(distinct) > bits.size // 2:
        return {}
    text = np.array(["" if v != v else fmt % v for v in distinct.view(np.float64).tolist()], dtype=object)
    fields = text[index.reshape(bits.shape)].T.tolist()
    return dict(zip(positions.tolist(), fields, strict=True))


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` (its index dropped) as the bytes of a Parquet file, the same for the same table.

    The schema keeps the Arrow types but no pandas metadata (it names the pandas version and the index); the
    file's only varying field is the writer's ``created_by`` (the pyarrow version).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=PARQUET_COMPRESSION)
    return sink.getvalue()


def write_table(folder: Path, name: str, frame: pd.DataFrame, float_format: str | None = None) -> list[Path]:
    """Write ``frame`` as ``folder/NAME.csv`` and ``folder/NAME.parquet``, each atomically; returns both paths.

    Parameters
    ----------
    folder : Path
        An existing folder.
    name : str
        The table's name, without a suffix (``metrics``).
    frame : pandas.DataFrame
        The table; its index is not written.
    float_format : str, optional
        The CSV's number format (``%.10g``); the Parquet file holds the same values, read back from the CSV.

    Raises
    ------
    OSError
        A file could not be written (a full disk); neither it nor its temporary file is left.
    """
    text = csv_text(frame, float_format)
    paths = [folder / f"{name}.csv", folder / f"{name}.parquet"]
    write_atomic(paths[0], text)
    write_atomic(paths[1], parquet_bytes(pd.read_csv(io.StringIO(text), **CSV_READ)))
    return paths


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """The table ``NAME`` of a run folder or a report: ``NAME.parquet`` when present, else ``NAME.csv`` (read
    as :func:`write_table` reads it back, so either gives the same frame).

    Raises
    ------
    FileNotFoundError
        Neither file exists.
    """
    parquet = folder / f"{name}.parquet"
    if parquet.is_file():
        import pyarrow.parquet as pq

        # one file, read in this thread: twice as fast as read_table's dataset reader on a run's small tables
        return pq.ParquetFile(parquet).read(use_threads=False).to_pandas(use_threads=False)
    return pd.read_csv(folder / f"{name}.csv", **CSV_READ)
