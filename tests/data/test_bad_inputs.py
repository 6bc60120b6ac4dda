"""Bad input files, case by case: each is one TopologyFormatError naming the file (and the line), through the Python
API and through ``fragsim-data info`` (exit status 2, one line on stderr, nothing on stdout)."""

from __future__ import annotations

import bz2
import gzip
import shutil
import subprocess
import sys

import pytest

from sim import load_topology
from sim.cli.data import main as data_cli
from sim.data.annotation_files import read_as_country_table, read_state_owned
from sim.data.asn import parse_asn
from sim.data.caida import TopologyFormatError, read_as_rel
from tests.cli_output import one_error

RELS = "# input clique: 1 2\n# IXP ASes: 9\n1|2|0\n1|3|-1\n2|4|-1\n3|5|-1\n9|3|0\n"
GEO = "asn,country,prefixes,name\n1,US,3,a\n2,FR,1,b\n3,DE,,c\n"
STATE = "asn,ownership_cc,target_cc,target_country_name\n2,FR,,\n3,CN,Maldives,MV\n4,RU,UK,United Kingdom\n"


def cli_error(capsys, *args) -> str:
    """The one stderr line of a failing ``fragsim-data info``; checks exit status 2 and an empty stdout."""
    rc = data_cli(["info", *args, "--json"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fragsim-data: error: ") and "Traceback" not in captured.err
    return lines[0]


# -- compressed streams ---------------------------------------------------------------------------------------


def long_rels(n: int = 3000) -> bytes:
    return ("# input clique: 1 2\n" + "".join(f"1|{k}|-1\n" for k in range(3, n))).encode()


@pytest.mark.parametrize(
    "compress, damage",
    [
        (bz2.compress, lambda b: b[: len(b) // 2]),  # truncated: EOFError inside bz2
        (gzip.compress, lambda b: b[: len(b) // 2]),  # truncated: EOFError inside gzip
        (gzip.compress, lambda b: b[:-8] + bytes(8)),  # CRC and length trailer zeroed: BadGzipFile (an OSError)
        (gzip.compress, lambda b: b[:20] + bytes([b[20] ^ 0xFF]) + b[21:]),  # deflate data flipped: zlib.error
        (bz2.compress, lambda b: b[:40] + bytes(b[40:60][::-1]) + b[60:]),  # bzip2 block scrambled: OSError
    ],
    ids=["bz2-truncated", "gz-truncated", "gz-trailer", "gz-deflate", "bz2-block"],
)
def test_corrupt_stream_names_the_file(tmp_path, capsys, compress, damage):
    path = tmp_path / "rels.dat"
    path.write_bytes(damage(compress(long_rels())))
    with pytest.raises(TopologyFormatError) as err:
        read_as_rel(path)
    assert str(err.value).startswith(f"{path}: ") and "stream" in str(err.value)
    assert str(path) in cli_error(capsys, "--topology", str(path))


def test_corrupt_annotation_stream_names_the_file(tmp_path, write_file, capsys):
    rels = write_file("r.txt", RELS)
    geo = tmp_path / "geo.csv.gz"
    geo.write_bytes(gzip.compress((GEO + "".join(f"{k},US,1,x\n" for k in range(10, 5000))).encode())[:300])
    with pytest.raises(TopologyFormatError, match=f"{geo}: corrupt or truncated gzip stream"):
        load_topology(rels, geo)
    assert str(geo) in cli_error(capsys, "--topology", str(rels), "--as-country", str(geo))


# -- AS numbers -----------------------------------------------------------------------------------------------

BAD_ASNS = [
    "4294967296",  # 2**32
    "9223372036854775808",  # 2**63: OverflowError in numpy before
    "99999999999999999999999",
    "-0",
    "-1",
    "+174",
    "33_56",
    "0174",
    "\u0663\u0663",  # Arabic-Indic digits
    "\uff13\uff13",  # fullwidth digits
    "6116 ",  # a bit flip turning 61160's last digit into a space
    " 6116",
    "1e3",
    "",
    "1.65536",
    "1.",
    "AS",
]


@pytest.mark.parametrize("token", BAD_ASNS)
def test_bad_asn_in_as_rel_names_line(write_file, token):
    path = write_file("r.txt", f"1|2|0\n{token}|3|-1\n")
    with pytest.raises(TopologyFormatError, match=f"{path}:2: "):
        read_as_rel(path)


@pytest.mark.parametrize("token", BAD_ASNS)
def test_bad_asn_in_csv_names_line(write_file, token):
    path = write_file("geo.csv", f"asn,country\n1,US\n{token},FR\n")
    with pytest.raises(TopologyFormatError, match=f"{path}:3: "):
        read_as_country_table(path)


@pytest.mark.parametrize(
    "token, asn",
    [("0", 0), ("174", 174), ("4294967295", 2**32 - 1), ("1.10", 65546), ("0.65535", 65535), ("AS174", 174)],
)
def test_asn_grammar_accepts(token, asn):
    assert parse_asn(token) == asn


def test_asdot_in_as_rel_is_converted(write_file):
    links, clique, _, _ = read_as_rel(write_file("r.txt", "# input clique: 1.10\n1.10|2|-1\n"))
    assert links.tolist() == [[65546, 2, -1]] and clique == [65546]


def test_asn_overflow_through_cli_is_one_line(write_file, capsys):
    path = write_file("r.txt", "1|2|0\n9223372036854775808|3|-1\n")
    assert f"{path}:2: " in cli_error(capsys, "--topology", str(path))


# -- header lines ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, needle",
    [
        ("1|2|0\n# input clique: 1\n1|3|-1\n", 2, "'# input clique:' header line after the first link"),
        ("1|2|0\n1|3|-1\n# IXP ASes: 3\n", 3, "'# IXP ASes:' header line after the first link"),
        ("# IXP ASes: 9\n# input clique: 1\n# ixp ases: 3\n1|2|0\n", 3, "second '# IXP ASes:' header line"),
        ("# input clique: 1 x\n1|2|0\n", 1, "header ASN list"),
    ],
)
def test_misplaced_header_line_names_it(write_file, text, line, needle):
    path = write_file("r.txt", text)
    with pytest.raises(TopologyFormatError, match=f"{path}:{line}: ") as err:
        read_as_rel(path)
    assert needle in str(err.value)


def test_other_comments_anywhere_are_ignored(write_file):
    links, clique, ixps, _ = read_as_rel(write_file("r.txt", "# input clique: 1\n1|2|0\n# a note\n  # indented\n"))
    assert links.tolist() == [[1, 2, 0]] and clique == [1] and ixps == []


# -- byte-order mark, field sizes, field counts, quoting -----------------------------------------------------


@pytest.mark.parametrize("compress", [None, "gz", "bz2"])
def test_utf8_bom_accepted(write_file, compress):
    bom = "\ufeff"
    rels = write_file("r.txt", bom + RELS, compress)
    geo = write_file("geo.csv", bom + GEO, compress)
    so = write_file("so.csv", bom + STATE, compress)
    topo = load_topology(rels, geo, so, infer_countries=False)
    assert topo.asns[topo.tier1].tolist() == [1, 2]
    assert sorted(topo.country_codes[c] for c in topo.country[topo.country >= 0]) == ["DE", "FR", "US"]
    assert topo.summary()["n_state_owned"] == 3


def test_field_over_csv_limit_names_line(write_file, capsys):
    rels = write_file("r.txt", RELS)
    geo = write_file("geo.csv", GEO + "4,US,1," + "x" * 200_000 + "\n")
    with pytest.raises(TopologyFormatError, match=f"{geo}:5: bad CSV record: field larger than field limit"):
        read_as_country_table(geo)
    assert f"{geo}:5:" in cli_error(capsys, "--topology", str(rels), "--as-country", str(geo))


@pytest.mark.parametrize(
    "row, needle",
    [
        ("4", "got 1"),  # AttributeError before
        ("4,RU", "got 2"),
        ("4,RU,,,", "got 5"),
    ],
)
def test_state_owned_row_of_wrong_length_names_line(write_file, capsys, row, needle):
    rels = write_file("r.txt", RELS)
    so = write_file("so.csv", STATE + row + "\n")
    with pytest.raises(
        TopologyFormatError, match=f"{so}:5: expected 4 comma-separated fields, as the header has, {needle}"
    ):
        read_state_owned(so)
    assert f"{so}:5: " in cli_error(capsys, "--topology", str(rels), "--state-owned", str(so))


def test_stray_quote_is_reported_not_swallowing_rows(write_file):
    # before: the quoted field ran to the end of the file and the rows after it lost their countries
    geo = write_file("geo.csv", 'asn,country,prefixes,name\n1,US,3,"a\n2,FR,1,b\n3,DE,,c\n')
    with pytest.raises(TopologyFormatError, match=f"{geo}:2: "):
        read_as_country_table(geo)
    geo = write_file("geo2.csv", 'asn,country,prefixes,name\n1,US,3,"a\n2,FR,1,b"\n3,DE,,c\n')
    with pytest.raises(TopologyFormatError, match=f"{geo}:2: a quoted field runs from line 2 to 3"):
        read_as_country_table(geo)
    geo = write_file("geo3.csv", 'asn,country,prefixes,name\n1,US,3,"a"b\n')
    with pytest.raises(TopologyFormatError, match=f"{geo}:2: bad CSV record"):
        read_as_country_table(geo)


def test_quoted_fields_on_one_line_still_read(write_file):
    geo = write_file("geo.csv", 'asn,country,prefixes,name\n1,"US",3,"Level 3, Inc."\n')
    assert read_as_country_table(geo) == ({1: "US"}, {1: 3})


def test_asn_listed_twice_with_other_values_names_both_lines(write_file):
    geo = write_file("geo.csv", "asn,country\n1,US\n2,FR\n1,US\n1,DE\n")
    with pytest.raises(
        TopologyFormatError, match=f"{geo}:5: AS1 is listed again with different values .first on line 2"
    ):
        read_as_country_table(geo)


def test_header_problems(write_file):
    with pytest.raises(TopologyFormatError, match=r"column\(s\) \['asn'\] named twice"):
        read_as_country_table(write_file("a.csv", "asn,country,asn\n1,US,2\n"))
    with pytest.raises(TopologyFormatError, match="no header line"):
        read_as_country_table(write_file("b.csv", "\n\n"))


# -- country codes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ZZ", "EU", "UQ", "QQ", "AA", "U1", "840"])
def test_non_iso_country_code_names_line(write_file, code):
    geo = write_file("geo.csv", f"asn,country\n1,US\n2,{code}\n")
    with pytest.raises(TopologyFormatError, match=f"{geo}:3: column 'country': '{code}' is not an ISO 3166-1"):
        read_as_country_table(geo)
    so = write_file("so.csv", f"asn,ownership_cc,target_cc\n1,US,\n2,FR,{code}\n")
    with pytest.raises(TopologyFormatError, match=f"{so}:3: column 'target_cc'"):
        read_state_owned(so)


def test_aliases_converted_and_reported(write_file, capsys):
    rels = write_file("r.txt", RELS)
    so = write_file("so.csv", STATE + "5,KV,,\n")
    aliases: list = []
    assert read_state_owned(so, aliases=aliases)[4] == ("RU", "GB")
    assert aliases == [(4, "UK", "GB"), (5, "KV", "XK")]
    topo = load_topology(rels, state_owned=so, infer_countries=False)
    (report,) = topo.provenance["annotation_reports"]
    assert report.aliases == ((4, "UK", "GB"), (5, "KV", "XK"))
    assert "UK" not in topo.country_codes and "KV" not in topo.country_codes
    assert data_cli(["info", "--topology", str(rels), "--state-owned", str(so), "--json"]) == 0
    info = capsys.readouterr().out
    assert f'"UK\\u2192GB": ["{so}:4"]' in info and f'"KV\\u2192XK": ["{so}:5"]' in info


def test_fragsim_with_a_truncated_topology_is_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "data" / "t.bz2"
    path.parent.mkdir()
    path.write_bytes(bz2.compress(long_rels())[:3000])
    exe = shutil.which("fragsim")
    cmd = [exe] if exe else [sys.executable, "-m", "sim.cli.fragsim"]
    proc = subprocess.run(
        [*cmd, "topology=caida", f"topology.path={path}"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2
    assert one_error(proc.stderr, "fragsim") == (
        f"fragsim: error: {path}: corrupt or truncated bzip2 stream before the first line: "
        "Compressed file ended before the end-of-stream marker was reached"
    )
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data", "t.bz2"]
