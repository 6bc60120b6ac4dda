"""The loaders' fast path (a file read whole and parsed at once, :mod:`sim.data.columns`) against their line reader
(``by_line=True``, the reference): the same result or the same error, word for word, on the real files and on small
generated ones, plain or with problems injected; and a plain file never falls back to the line reader."""

from __future__ import annotations

import bz2
import dataclasses
import gzip
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_topology
from sim.data import annotation_files, caida
from sim.data.annotation_files import read_as_country_table
from sim.data.caida import TopologyFormatError, read_as_rel
from tests.data.input_texts import as_country_texts, as_rel_texts
from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared

COMPRESS = {None: lambda data: data, "gz": gzip.compress, "bz2": bz2.compress}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("inputs")


def write(folder, text: str, compress: str | None = None):
    path = folder / "input.dat"
    path.write_bytes(COMPRESS[compress](text.encode("utf-8")))
    return path


def outcome(read, *args, **kwargs):
    """What a reader made of a file: its result, made comparable (arrays as dtype, shape and values), or its error."""
    aliases: list = []
    if read is not read_as_rel:
        kwargs["aliases"] = aliases
    try:
        result = read(*args, **kwargs)
    except TopologyFormatError as exc:
        return "error", str(exc), exc.line_no, aliases
    if read is read_as_rel:
        links, clique, ixps, report = result
        return "read", links.dtype, links.shape, links.tolist(), clique, ixps, report
    return "read", list(result.items()) if isinstance(result, dict) else [list(r.items()) for r in result], aliases


@contextmanager
def at_once_only():
    """Fail on any fall back to the line readers."""
    fell_back = AssertionError("the fast path fell back to the line reader")
    with (
        mock.patch.object(caida._AsRelReader, "feed", side_effect=fell_back),
        mock.patch.object(annotation_files, "csv_rows", side_effect=fell_back),
    ):
        yield


READERS = {"as_rel": read_as_rel, "as_country": read_as_country_table}
TEXTS = {"as_rel": as_rel_texts, "as_country": as_country_texts}


# -- the real files ---------------------------------------------------------------------------------------------


@pytest.mark.real_data
@pytest.mark.parametrize("kind, path", [("as_rel", AS_REL_2016), ("as_country", AS_COUNTRY)])
def test_real_file_read_at_once_as_line_by_line(kind, path):
    require_shared(path)
    with at_once_only():
        fast = outcome(READERS[kind], path)
    assert fast[0] == "read"
    assert fast == outcome(READERS[kind], path, by_line=True)


def assert_same_topology(a, b) -> None:
    """Every field of two topologies equal: arrays in dtype and values, reports and provenance alike."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        elif f.name == "core_services":
            assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x), f.name
        else:
            assert x == y, f.name


def test_real_topology_loads_as_line_by_line(real_topology):
    with (
        mock.patch.object(caida, "read_text", return_value=None),
        mock.patch.object(annotation_files, "read_text", return_value=None),
    ):  # every reader line by line, as before the fast path
        by_line = load_topology(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    assert_same_topology(real_topology, by_line)
    assert by_line.provenance["as_rel_report"].n_links == 239_064


# -- generated files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(READERS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_plain_files_read_at_once_as_line_by_line(folder, kind, data):
    path = write(folder, data.draw(TEXTS[kind]()), data.draw(st.sampled_from(list(COMPRESS))))
    with at_once_only():
        fast = outcome(READERS[kind], path)
    assert fast == outcome(READERS[kind], path, by_line=True)


@pytest.mark.parametrize("kind", list(READERS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_files_with_problems_read_as_line_by_line(folder, kind, data):
    path = write(folder, data.draw(TEXTS[kind](problems=True)), data.draw(st.sampled_from([None, None, "gz"])))
    strict = {"strict": data.draw(st.booleans())} if kind == "as_rel" else {}
    assert outcome(READERS[kind], path, **strict) == outcome(READERS[kind], path, by_line=True, **strict)


def test_problems_resolved_at_once_as_line_by_line(folder):
    # self-loops, duplicates and conflicts in plain lines are resolved at once, in the line reader's order
    text = "1|2|-1\n3|3|0\n1|2|-1\n2|1|-1\n1|2|0\n2|4|0\n4|2|0\n4|5|-1\n5|5|-1\n"
    path = write(folder, text)
    with at_once_only():
        links, _, _, report = read_as_rel(path)
    assert links.tolist() == [[1, 2, -1], [2, 4, 0], [4, 5, -1]]
    assert (report.self_loops, report.duplicates, report.conflicts) == (
        [(2, 3), (9, 5)],
        [(3, 1), (7, 6)],
        [(4, 1), (5, 1)],
    )
    with pytest.raises(TopologyFormatError, match=f"{path}:2: self-loop on AS3 .strict mode"):
        read_as_rel(path, strict=True)  # the line reader words the first problem


@pytest.mark.parametrize(
    "text, line, needle",
    [
        ("# input clique: 1\n1|2|0\n1.2|3|-1\n", 3, None),  # asdot: read line by line, accepted
        ("1|2|0\n1|3|-1\n\n2|3|0\n", 4, None),  # a blank line among the links
        ("1|2|0\n1|3|-1\n# input clique: 1\n", 3, "'# input clique:' header line after the first link"),
        ("1|2|0\n1|3|0174\n", 2, "unknown relationship code '0174'"),
        ("1|2|0\n01|3|-1\n", 2, "'01' is not an AS number"),
    ],
)
def test_a_line_not_plain_is_read_by_the_line_reader(folder, text, line, needle):
    path = write(folder, text)
    if needle is None:
        assert read_as_rel(path)[3].n_lines == line
    else:
        with pytest.raises(TopologyFormatError, match=f"{path}:{line}: .*{needle}"):
            read_as_rel(path)
