"""Tables written twice, as CSV and Parquet: both atomic, the Parquet file the CSV's values to the byte, the same
bytes for the same table, and readers that prefer Parquet and fall back to CSV."""

from __future__ import annotations

import errno
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.runner.files import CSV_READ, csv_text, parquet_bytes, read_table, write_table


def table() -> pd.DataFrame:
    """A long table with what run folders hold: ints, floats past the CSV's 10 digits, booleans, Namibia's code
    "NA", a missing value."""
    return pd.DataFrame(
        {
            "step": [0, 0, 1, 1],
            "code": ["NA", "US", "NA", None],
            "loss": [0.0, 1 / 3, np.pi, np.nan],
            "adopted": [False, True, False, True],
        }
    )


def test_write_table_writes_csv_and_parquet_holding_the_same_table(tmp_path):
    paths = write_table(tmp_path, "states", table(), "%.10g")
    assert [p.name for p in paths] == ["states.csv", "states.parquet"]
    from_csv = pd.read_csv(tmp_path / "states.csv", **CSV_READ)
    from_parquet = pq.read_table(tmp_path / "states.parquet").to_pandas()
    pd.testing.assert_frame_equal(from_parquet, from_csv)  # dtypes and values, at the CSV's precision
    assert from_parquet["code"].tolist()[:3] == ["NA", "US", "NA"] and from_parquet["code"].isna().iloc[3]
    assert from_parquet["loss"].iloc[1] == float("%.10g" % (1 / 3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["states.csv", "states.parquet"]  # no temporary file


def test_the_same_table_gives_the_same_parquet_bytes_without_pandas_metadata(tmp_path):
    assert parquet_bytes(table()) == parquet_bytes(table().copy())
    write_table(tmp_path, "t", table())
    metadata = pq.ParquetFile(tmp_path / "t.parquet").metadata.metadata or {}
    assert b"pandas" not in metadata  # it would name the pandas version and the index


def test_read_table_prefers_parquet_and_falls_back_to_csv(tmp_path):
    write_table(tmp_path, "metrics", table())
    both = read_table(tmp_path, "metrics")
    (tmp_path / "metrics.csv").write_text("step\n99\n")  # which file was read shows in the values
    assert read_table(tmp_path, "metrics").equals(both)
    (tmp_path / "metrics.parquet").unlink()  # a folder written before Parquet
    assert read_table(tmp_path, "metrics")["step"].tolist() == [99]
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path, "missing")


def test_a_full_disk_while_writing_the_parquet_file_leaves_no_temporary_file(tmp_path, monkeypatch):
    calls = []

    def fsync(fd):  # the CSV is written, the Parquet file's write fails as on a full disk
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError) as err:
        write_table(tmp_path, "metrics", table())
    assert err.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]


TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r%NA')), max_size=6)
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@st.composite
def frames(draw):
    """Frames of the kinds runs and reports write: integers, floats with missing values, booleans, strings with
    separators, quotes, newlines, missing values (a frame of one column pandas writes itself)."""
    n = draw(st.integers(0, 6))
    kinds = draw(st.lists(st.sampled_from(["int", "uint", "float", "bool", "str", "strdtype"]), min_size=1))
    columns = {}
    for i, kind in enumerate(kinds):
        name = draw(st.sampled_from([f"c{i}", f"c{i},x", f'q"{i}']))
        if kind in ("int", "uint"):
            low = 0 if kind == "uint" else -(2**63)
            values = np.array(draw(st.lists(st.integers(low, 2**63 - 1), min_size=n, max_size=n)))
            columns[name] = values.astype(np.uint64 if kind == "uint" else np.int64)
        elif kind == "float":
            columns[name] = np.array(draw(st.lists(FLOATS, min_size=n, max_size=n)), np.float64)
        elif kind == "bool":
            columns[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
        elif kind in ("str", "strdtype"):
            values = draw(st.lists(st.none() | TEXT, min_size=n, max_size=n))
            columns[name] = pd.array(values, dtype="string") if kind == "strdtype" else pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.sampled_from([None, "%.10g", "%.3f"]))
def test_csv_text_is_the_text_pandas_writes(frame, float_format):
    expected = frame.to_csv(index=False, float_format=float_format, lineterminator="\n")
    assert csv_text(frame, float_format) == expected


REPEATED = st.sampled_from([0.0, -0.0, 1.0, 0.5, 1 / 3, 1e-300, float("nan"), float("inf"), -float("inf")])


@st.composite
def wide_frames(draw):
    """Frames of many float columns whose values repeat (a country matrix), a text column first; names may repeat."""
    n = draw(st.integers(0, 8))
    width = draw(st.integers(7, 12))
    names = draw(st.lists(st.sampled_from(["a", "b", "c,d", "e", "f", "g", "h", "i"]), min_size=width, max_size=width))
    values = [draw(st.lists(REPEATED | FLOATS, min_size=n, max_size=n)) for _ in range(width)]
    frame = pd.DataFrame(np.array(values, np.float64).reshape(width, n).T, columns=names)
    frame.insert(0, "source", draw(st.lists(TEXT, min_size=n, max_size=n)))
    return frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_frames(), st.sampled_from([None, "%.10g", "%.3f"]))
def test_csv_text_of_a_wide_frame_of_repeated_floats_is_the_text_pandas_writes(frame, float_format):
    """Each distinct float of a wide frame is formatted once (by its bits: -0.0 is not 0.0; NaN is empty)."""
    expected = frame.to_csv(index=False, float_format=float_format, lineterminator="\n")
    assert csv_text(frame, float_format) == expected


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"day": pd.date_range("2016-11-01", periods=2), "n": [1, 2]}),  # a kind left to pandas
        pd.DataFrame({"code": ["a\rb", "c"], "n": [1, 2]}),  # a carriage return: quoted or not by Python version
        pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [0.5, 1.5]}),  # nullable integers
        pd.DataFrame({"x": np.array([0.1, 1 / 3], np.float32), "n": [1, 2]}),  # float32, written by its own repr
        pd.DataFrame({0: [1, 2], "n": [1, 2]}),  # a name that is not a string
    ],
)
def test_csv_text_leaves_other_kinds_of_columns_to_pandas(frame):
    assert csv_text(frame, "%.10g") == frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
