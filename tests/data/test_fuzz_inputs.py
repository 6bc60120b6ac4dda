"""Seeded, bounded fuzzing of the three input loaders (AS relationships, AS→country, state-owned ASes).

Each mutant of a small base file (``fixtures/``, cut from the real files) is judged by an independent strict parser
written here, the *oracle*, from the formats as ``docs/data.md`` states them: when the oracle accepts a mutant, the
loader must return exactly the oracle's result; when it rejects it, the loader must raise ``TopologyFormatError``.
Anything else (another exception type, a result that differs, an acceptance of a mutant the oracle rejects, or a
rejection of one it accepts) is a failure, listed with the mutations that made the mutant. The loaders are reached
through their Python functions, through ``load_topology`` and, for every tenth mutant, through ``fragsim-data info``;
each AS-relationship and AS→country mutant is also read by the loader's line reader, which must agree word for word
with its fast path (the file read at once).

The mutations are those that found the problems of issue 14: bit flips, truncation, stray quotes, garbled numbers
(signs, separators, non-ASCII digits, a digit turned into a space, overflow, asdot), header lines moved or repeated,
byte-order marks, fields over the CSV limit, wrong field counts, non-ISO country codes and aliases, line and byte
insertions and deletions, and, for compressed files, damage to the compressed stream itself.
"""

from __future__ import annotations

import bz2
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pycountry
import pytest

from sim import load_topology
from sim.cli.data import main as data_cli
from sim.data.annotation_files import read_as_country_table, read_state_owned
from sim.data.caida import TopologyFormatError, read_as_rel

FIXTURES = Path(__file__).parent / "fixtures"
AS_REL = FIXTURES / "as_rel_small.txt"
AS_COUNTRY = FIXTURES / "as_country_small.csv"
STATE_OWNED = FIXTURES / "state_owned_small.csv"
SEED = 14_2  # issue 14, item 2
N_MUTANTS = {"as_rel": 600, "as_country": 300, "state_owned": 300}  # 1,200 in all
CLI_EVERY = 10


# -- the oracle: an independent strict reading of the formats -------------------------------------------------


class Reject(Exception):
    """The oracle rejects the file."""


def o_bytes_to_lines(data: bytes) -> list[str]:
    """Decompress (by magic bytes), decode UTF-8 (a leading BOM dropped, bad bytes replaced), split into lines at
    ``\\n``, ``\\r\\n`` or ``\\r``."""
    try:
        if data[:3] == b"BZh":
            data = bz2.decompress(data)
        elif data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except Exception as exc:  # any failure to decompress the whole stream
        raise Reject(f"stream: {exc}") from None
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


DIGITS = "0123456789"


def o_decimal(s: str, max_len: int) -> int:
    if not s or len(s) > max_len or any(c not in DIGITS for c in s) or (len(s) > 1 and s[0] == "0"):
        raise Reject(f"not decimal: {s!r}")
    return int(s)


def o_asn(token: str) -> int:
    body = token[2:] if token[:2].lower() == "as" else token
    if body.count(".") == 1:
        high, low = (o_decimal(part, 5) for part in body.split("."))
        if high > 65535 or low > 65535:
            raise Reject("asdot part over 65535")
        return high * 65536 + low
    asn = o_decimal(body, 10)
    if asn >= 2**32:
        raise Reject("ASN over 32 bits")
    return asn


@dataclass
class RelResult:
    links: list = field(default_factory=list)
    clique: list = field(default_factory=list)
    ixps: list = field(default_factory=list)
    self_loops: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)


def o_as_rel(data: bytes) -> RelResult:
    out = RelResult()
    first: dict = {}  # unordered pair -> (line, a, b, rel)
    seen_headers: set = set()
    n_fields = 0
    for line_no, raw in enumerate(o_bytes_to_lines(data), start=1):
        line = raw.rstrip()
        if line.strip() == "":
            continue
        if line.lstrip().startswith("#"):
            low = line.lstrip().lower()
            for name, target in (("# input clique:", out.clique), ("# ixp ases:", out.ixps)):
                if low.startswith(name):
                    if n_fields or name in seen_headers:
                        raise Reject("header line after data or repeated")
                    seen_headers.add(name)
                    target[:] = [o_asn(t) for t in line.lstrip().split(":", 1)[1].split()]
            continue
        if not n_fields:
            n_fields = line.count("|") + 1
            if n_fields not in (3, 4):
                raise Reject("first data line is neither serial-1 nor serial-2")
        parts = line.split("|")
        if len(parts) != n_fields:
            raise Reject("field count")
        a, b = o_asn(parts[0]), o_asn(parts[1])
        if parts[2] not in ("-1", "0"):
            raise Reject("relationship")
        rel = int(parts[2])
        if a == b:
            out.self_loops.append((line_no, a))
            continue
        key = (min(a, b), max(a, b))
        if key not in first:
            first[key] = (line_no, a, b, rel)
        elif first[key][3] == rel and (rel == 0 or first[key][1] == a):
            out.duplicates.append((line_no, first[key][0]))
        else:
            out.conflicts.append((line_no, first[key][0]))
    if not first:
        raise Reject("no links")
    out.links = [[a, b, rel] for _, a, b, rel in first.values()]
    return out


def o_csv_fields(line: str) -> list[str]:
    """One CSV record that must lie on this line: fields split at commas; a field starting with ``"`` is quoted
    (``""`` inside for a quote) and must be closed on the line and followed by a comma or the end."""
    fields, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise Reject("quoted field not closed on its line")
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    j += 1
                    break
                buf.append(line[j])
                j += 1
            if j < n and line[j] != ",":
                raise Reject("text after a closing quote")
            value = "".join(buf)
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            value = line[i:j]
        if len(value) > 131072:
            raise Reject("field over the CSV limit")
        fields.append(value)
        if j >= n:
            return fields
        i = j + 1


def o_csv(data: bytes, required: tuple) -> list[tuple[int, dict]]:
    header, rows = None, []
    for line_no, line in enumerate(o_bytes_to_lines(data), start=1):
        if line == "":
            continue
        fields = o_csv_fields(line)
        if header is None:
            if any(c not in fields for c in required) or len(set(fields)) != len(fields):
                raise Reject("header")
            header = fields
        elif len(fields) != len(header):
            raise Reject("field count")
        else:
            rows.append((line_no, dict(zip(header, fields, strict=True))))
    if header is None:
        raise Reject("no header")
    return rows


ISO = {c.alpha_2 for c in pycountry.countries} | {"XK"}
ALIASES = {"UK": "GB", "KV": "XK"}
NAMES = {  # the country names of the fixtures and of the mutations, as a reader of the files would resolve them
    "maldives": "MV",
    "jordan": "JO",
    "diego garcia": "IO",
    "italy": "IT",
    "united kingdom": "GB",
    "kosovo": "XK",
    "cuba": "CU",
    "china": "CN",
}


def o_country(value: str, line_no: int, aliases: list, fallback: str | None = None) -> str:
    text = " ".join(value.split())
    if len(text) == 2:
        if text.upper() in ISO:
            return text.upper()
        if text.upper() in ALIASES:
            aliases.append((line_no, value.strip(), ALIASES[text.upper()]))
            return ALIASES[text.upper()]
        raise Reject(f"country code {value!r}")
    if text.lower() in NAMES:
        return NAMES[text.lower()]
    if fallback is not None:
        return o_country(fallback, line_no, aliases)
    raise Reject(f"country {value!r}")


def o_keep(table: dict, asn: int, value) -> None:
    if asn in table and table[asn] != value:
        raise Reject("ASN listed twice with different values")
    table[asn] = value


def o_as_country(data: bytes):
    table, aliases = {}, []
    for line_no, row in o_csv(data, ("asn", "country")):
        asn = o_asn(row["asn"])
        country = o_country(row["country"], line_no, aliases) if row["country"].strip() else None
        prefixes = row.get("prefixes", "")
        blocks = None
        if prefixes.strip():
            blocks = o_decimal(prefixes, 8)
            if blocks > 2**24:
                raise Reject("more /24 blocks than IPv4 has")
        o_keep(table, asn, (country, blocks))
    countries = {a: c for a, (c, _) in table.items() if c is not None}
    return (countries, {a: b for a, (_, b) in table.items() if b is not None}), aliases


def o_state_owned(data: bytes):
    table, aliases = {}, []
    for line_no, row in o_csv(data, ("asn", "ownership_cc")):
        asn = o_asn(row["asn"])
        owner = o_country(row["ownership_cc"], line_no, aliases)
        target = row.get("target_cc", "").strip()
        operating = None
        if target:
            fallback = (row.get("target_country_name") or None) if len(target) != 2 else None
            operating = o_country(target, line_no, aliases, fallback)
        o_keep(table, asn, (owner, operating))
    return table, aliases


# -- mutations ------------------------------------------------------------------------------------------------

GARBLES = (
    lambda n: n.translate(str.maketrans(DIGITS, "٠١٢٣٤٥٦٧٨٩")),  # Arabic-Indic digits
    lambda n: n.translate(str.maketrans(DIGITS, "０１２３４５６７８９")),  # fullwidth digits
    lambda n: n[:1] + "_" + n[1:],
    lambda n: "+" + n,
    lambda n: "-" + n,
    lambda n: "-0",
    lambda n: n[:-1] + " ",  # a bit flip turns a final 0 into a space
    lambda n: " " + n,
    lambda n: "0" + n,
    lambda n: str(2**32),
    lambda n: str(2**63),
    lambda n: str(2**64 + 7),
    lambda n: f"{int(n) >> 16}.{int(n) & 0xFFFF}" if len(n) < 10 else n,  # the same ASN in asdot: still valid
    lambda n: "1.10",
    lambda n: "",
    lambda n: "AS" + n,
)
CODES = ("ZZ", "EU", "UQ", "UK", "KV", "XK", "gb", "uk", "Kosovo", "Maldives", "U S", "", "840", "GB ", " ", "AA")
RELS = ("1", "-2", "00", " 0", "-1 ", "+0", "p2c", "-0")


def bitflip(rng, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.integers(1, 4)):
        i = int(rng.integers(len(b)))
        b[i] ^= 1 << int(rng.integers(8))
    return bytes(b)


def split_lines(text: str) -> list[str]:
    return text.split("\n")


def pick_line(rng, lines: list[str], data_only: bool = True) -> int:
    candidates = [i for i, ln in enumerate(lines) if ln and (not data_only or not ln.startswith("#"))]
    return int(rng.choice(candidates)) if candidates else 0


def text_mutation(rng, text: str, kind: str) -> tuple[str, str]:
    """One mutation of the decoded text; returns (new text, label)."""
    lines = split_lines(text)
    sep = "|" if kind == "as_rel" else ","
    op = str(rng.choice(["quote", "digits", "header", "bom", "huge", "fields", "code", "lines", "char", "rel", "crlf"]))
    if op == "quote":
        i = int(rng.integers(len(text) + 1))
        return text[:i] + '"' + text[i:], op
    if op == "digits":
        starts = [i for i in range(len(text)) if text[i] in DIGITS and (i == 0 or text[i - 1] not in DIGITS)]
        i = int(rng.choice(starts))
        j = i
        while j < len(text) and text[j] in DIGITS:
            j += 1
        g = int(rng.integers(len(GARBLES)))
        return text[:i] + GARBLES[g](text[i:j]) + text[j:], f"digits{g}"
    if op == "header":
        if kind == "as_rel":
            h = int(rng.integers(2))  # the clique or the IXP line
            line = lines[h]
            k = int(rng.integers(2, len(lines)))
            if rng.random() < 0.5:
                del lines[h]
                k -= 1
            lines.insert(k, line)
        else:
            k = int(rng.integers(1, len(lines)))
            lines.insert(k, lines.pop(0) if rng.random() < 0.5 else lines[0])
        return "\n".join(lines), op
    if op == "bom":
        if rng.random() < 0.5:
            return "\ufeff" + text, op
        i = int(rng.integers(len(text) + 1))
        return text[:i] + "\ufeff" + text[i:], "bom-inside"
    if op == "huge":
        i = pick_line(rng, lines)
        cut = int(rng.integers(len(lines[i]) + 1))
        lines[i] = lines[i][:cut] + "x" * int(rng.choice([200_000, 140_000])) + lines[i][cut:]
        return "\n".join(lines), op
    if op == "fields":
        i = pick_line(rng, lines)
        parts = lines[i].split(sep)
        how = int(rng.integers(3))
        if how == 0 and len(parts) > 1:
            j = int(rng.integers(len(parts) - 1))
            parts[j : j + 2] = [parts[j] + parts[j + 1]]
        elif how == 1:
            parts.insert(int(rng.integers(len(parts) + 1)), str(rng.integers(100)))
        else:
            parts = parts[: int(rng.integers(1, len(parts) + 1))]
        lines[i] = sep.join(parts)
        return "\n".join(lines), f"fields{how}"
    if op == "code" and kind != "as_rel":
        i = pick_line(rng, lines)
        parts = lines[i].split(",")
        slots = [j for j, p in enumerate(parts) if len(p) == 2 and p.isalpha() and p.isupper()]
        if slots:
            parts[int(rng.choice(slots))] = str(rng.choice(CODES))
        lines[i] = ",".join(parts)
        return "\n".join(lines), op
    if op == "rel" and kind == "as_rel":
        i = pick_line(rng, lines)
        parts = lines[i].split("|")
        if len(parts) >= 3:
            parts[2] = str(rng.choice(RELS))
        lines[i] = "|".join(parts)
        return "\n".join(lines), op
    if op == "lines":
        how = int(rng.integers(4))
        i, j = int(rng.integers(len(lines))), int(rng.integers(len(lines)))
        if how == 0:
            del lines[i]
        elif how == 1:
            lines.insert(j, lines[i])
        elif how == 2:
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, "")
        return "\n".join(lines), f"lines{how}"
    if op == "crlf":
        return text.replace("\n", "\r\n"), op
    i = int(rng.integers(len(text) + 1))  # "char", and the ops that do not apply to this kind
    if rng.random() < 0.5 and len(text) > 1:
        return text[:i] + text[i + 1 :], "delete-char"
    return text[:i] + chr(int(rng.choice([0, 9, 32, 34, 44, 124, 0xA0, 0x85, 0x663, 0xFF13]))) + text[i:], "insert-char"


def make_mutant(rng, base: str, kind: str) -> tuple[bytes, list[str]]:
    """A mutant file's bytes and the mutations that made it."""
    text, labels = base, []
    for _ in range(int(rng.integers(1, 3))):
        text, label = text_mutation(rng, text, kind)
        labels.append(label)
    data = text.encode()
    if rng.random() < 0.25:
        data = bitflip(rng, data)
        labels.append("bitflip")
    if rng.random() < 0.1:
        data = data[: int(rng.integers(len(data) + 1))]
        labels.append("truncate")
    if rng.random() < 0.3:  # compressed: the mutated text, or the base text with its stream damaged
        compress = bz2.compress if rng.random() < 0.5 else gzip.compress
        stream_only = rng.random() < 0.5
        if stream_only:
            data, labels = base.encode(), []
        data = compress(data)
        labels.append(compress.__module__)
        if stream_only or rng.random() < 0.3:
            how = rng.random()
            data = bitflip(rng, data) if how < 0.5 else data[: int(rng.integers(len(data)))]
            labels.append("stream-bitflip" if how < 0.5 else "stream-truncate")
    return data, labels


# -- the loaders under test -----------------------------------------------------------------------------------


def project_as_rel(path: Path, by_line: bool = False) -> RelResult:
    links, clique, ixps, report = read_as_rel(path, by_line=by_line)
    return RelResult(links.tolist(), clique, ixps, report.self_loops, report.duplicates, report.conflicts)


def project_annotation(kind: str, path: Path, by_line: bool = False):
    aliases: list = []
    if kind == "as_country":
        return read_as_country_table(path, aliases=aliases, by_line=by_line), aliases
    return read_state_owned(path, aliases=aliases), aliases  # read line by line only


def check_by_line(kind: str, path: Path) -> str | None:
    """The loader's line reader (the reference of its fast path) makes the same of the mutant: the same result or
    the same message. The state-owned reader has one path: its lines, nearly all quoted, are read line by line."""
    if kind == "state_owned":
        return None

    def read(by_line: bool):
        try:
            return project_as_rel(path, by_line) if kind == "as_rel" else project_annotation(kind, path, by_line)
        except TopologyFormatError as exc:
            return str(exc)

    at_once, by_line = read(False), read(True)
    return None if at_once == by_line else f"read at once: {str(at_once)[:150]}; by line: {str(by_line)[:150]}"


def located(topo, values) -> dict:
    return {int(a): topo.country_codes[v] for a, v in zip(topo.asns, values, strict=True) if v >= 0}


def check_topology(kind: str, path: Path, expected) -> str | None:
    """The annotated topology of the base AS-rel file agrees with the oracle's table, AS by AS."""
    topo = load_topology(AS_REL, **{kind: path}, infer_countries=False)
    asns = set(topo.asns.tolist())
    if kind == "as_country":
        want = {a: c for a, c in expected[0][0].items() if a in asns}
        got = located(topo, topo.country)
    else:
        want = {a: o for a, (o, _) in expected[0].items() if a in asns}
        got = located(topo, topo.owner)
        want_op = {a: t for a, (_, t) in expected[0].items() if a in asns and t is not None}
        if located(topo, topo.operating) != want_op:
            return "topology: operating countries differ"
    return None if got == want else "topology: countries differ from the oracle's"


def check_cli(kind: str, path: Path, accepted: bool, capsys) -> str | None:
    args = ["--topology", str(path)] if kind == "as_rel" else ["--topology", str(AS_REL), f"--{kind.replace('_', '-')}"]
    args += [] if kind == "as_rel" else [str(path)]
    rc = data_cli(["info", *args, "--json"])
    captured = capsys.readouterr()
    if rc != (0 if accepted else 2) or "Traceback" in captured.err:
        return f"cli: exit {rc}, stderr {captured.err[-200:]!r}"
    if not accepted and (captured.out or len(captured.err.strip().splitlines()) != 1):
        return "cli: an error is not one line on stderr alone"
    return None


def judge(kind: str, path: Path, data: bytes, with_cli: bool, capsys) -> tuple[str, str | None]:
    """(outcome, failure or None): the oracle's verdict against the loaders'."""
    oracle = {"as_rel": o_as_rel, "as_country": o_as_country, "state_owned": o_state_owned}[kind]
    try:
        expected, accepted = oracle(data), True
    except Reject:
        expected, accepted = None, False
    try:
        got = project_as_rel(path) if kind == "as_rel" else project_annotation(kind, path)
    except TopologyFormatError as exc:
        if accepted:
            return "wrongly rejected", f"oracle accepts, loader says: {str(exc)[:300]}"
        if not str(exc).startswith(str(path)):
            return "rejected", f"error does not name the file: {exc}"
        problem = _guarded(check_by_line, kind, path)
        return "rejected", _guarded(check_cli, kind, path, False, capsys) if with_cli and not problem else problem
    except Exception as exc:  # the failure this test exists to catch
        return "traceback", f"{type(exc).__name__}: {str(exc)[:300]}"
    if not accepted:
        return "wrongly accepted", "oracle rejects, loader accepts"
    if got != expected:
        return "silently different", "loader's result differs from the oracle's"
    problem = _guarded(check_by_line, kind, path)
    if problem is None and kind != "as_rel":
        problem = _guarded(check_topology, kind, path, expected)
    if problem is None and with_cli:
        problem = _guarded(check_cli, kind, path, True, capsys)
    return "loaded", problem


def _guarded(check, *args) -> str | None:
    """A check's finding, or the exception it raised, as a failure."""
    try:
        return check(*args)
    except Exception as exc:
        return f"{check.__name__}: {type(exc).__name__}: {str(exc)[:300]}"


@pytest.mark.parametrize("kind, base", [("as_rel", AS_REL), ("as_country", AS_COUNTRY), ("state_owned", STATE_OWNED)])
def test_mutants_load_exactly_or_fail_cleanly(kind, base, tmp_path, capsys):
    base_text = base.read_text(encoding="utf-8")
    rng = np.random.default_rng([SEED, list(N_MUTANTS).index(kind)])
    outcomes: dict[str, int] = {}
    failures = []
    for k in range(N_MUTANTS[kind]):
        text = base_text
        if kind == "as_rel" and rng.random() < 0.3:  # serial-2: a source column on every link line
            text = "\n".join(ln + "|bgp" if ln and not ln.startswith("#") else ln for ln in base_text.split("\n"))
        data, labels = make_mutant(rng, text, kind)
        path = tmp_path / f"{kind}-{k}.dat"
        path.write_bytes(data)
        outcome, problem = judge(kind, path, data, k % CLI_EVERY == 0, capsys)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if problem is not None:
            failures.append(f"mutant {k} {labels}: {outcome}: {problem}")
        path.unlink()
    print(f"{kind}: {N_MUTANTS[kind]} mutants, {outcomes}")
    assert not failures, f"{len(failures)} of {N_MUTANTS[kind]} mutants mishandled:\n" + "\n".join(failures[:40])
    assert set(outcomes) == {"loaded", "rejected"}  # both verdicts are exercised, and nothing else happened
    assert min(outcomes.values()) >= N_MUTANTS[kind] // 10


@pytest.mark.parametrize("kind, base", [("as_rel", AS_REL), ("as_country", AS_COUNTRY), ("state_owned", STATE_OWNED)])
def test_base_files_load_as_the_oracle_reads_them(kind, base, capsys):
    outcome, problem = judge(kind, base, base.read_bytes(), True, capsys)
    assert (outcome, problem) == ("loaded", None)


def test_enough_mutants():
    assert sum(N_MUTANTS.values()) >= 750
