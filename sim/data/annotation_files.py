"""Readers of the annotation files, strict: each problem is a :class:`~sim.data.caida.TopologyFormatError` naming
the file and line.

- an AS→country CSV with columns ``asn,country`` (more columns allowed), plain or compressed, like the CTI-derived
  ``geo/as_country_2018.csv.gz``; its optional ``prefixes`` column (the /24 blocks the AS originates) gives
  each AS's address space;
- CAIDA's AS-to-organisation file (``YYYYMMDD.as-org2info.txt[.gz]``): each AS's organisation's country;
- a state-owned AS CSV with columns ``asn,ownership_cc`` and optionally ``target_cc`` (the country a state-owned
  AS operates in when abroad), like ``state_owned/state_owned_ases.csv`` (Carisimo et al., IMC 2021).

What is accepted (``docs/data.md``, "Accepted formats"): ASNs in the grammar of :mod:`sim.data.asn`; CSV records of
exactly the header's number of fields, each on one line (a stray ``"`` that would swallow the following rows is an
error naming its line); countries ISO 3166-1 alpha-2 codes (``XK`` for Kosovo), names that resolve to one, or an
alias of ``sim.data.countries.CODE_ALIASES`` (``UK`` → ``GB``, ``KV`` → ``XK``), every use of which the readers
append to their ``aliases`` list; an ASN listed twice with different values is an error naming both lines.

The AS→country CSV is read whole and its columns checked at once (:func:`sim.data.csv_table.csv_columns`, each
distinct country resolved once) when it is plain: asplain ASNs each listed once, plain ``prefixes`` counts, every
country resolvable; otherwise, and always with ``by_line=True``, record by record, which words the errors. Both ways
give the same tables and aliases. The state-owned CSV is read record by record only: nearly all its lines hold
quoted fields that the ``csv`` module reads either way, and reading it at once measured no faster (11-12 ms).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sim.data.asn import MAX_ASN
from sim.data.caida import as_number
from sim.data.columns import decimal_column
from sim.data.countries import code_alias, to_alpha2
from sim.data.csv_table import csv_columns, csv_rows
from sim.data.text_files import TopologyFormatError, read_text, text_lines


def _resolve_country(value: str, fallback: str = "") -> tuple[str, str | None] | None:
    """``(code, the alias as written or None)`` of ``value`` (a code or a name), ``fallback`` tried when it does not
    resolve (the state-owned CSV has a few rows with the name and code columns swapped); None when neither does."""
    # the fallback is for a name in the code's column; a two-letter value is a code, and an unknown one an error
    for text in (value, fallback) if fallback and len(value.strip()) != 2 else (value,):
        code = to_alpha2(text)
        if code is not None:
            return code, text.strip() if code_alias(text) is not None else None
    return None


def _country_code(path, line_no: int, value: str, column: str, aliases: list | None, fallback: str = "") -> str:
    """The alpha-2 code of ``value`` (:func:`_resolve_country`), or an error naming the line. An alias applied is
    appended to ``aliases`` as (line, code as written, code used)."""
    found = _resolve_country(value, fallback)
    if found is None:
        raise TopologyFormatError(
            path,
            line_no,
            f"column {column!r}: {value[:40]!r} is not an ISO 3166-1 alpha-2 country code or a country name",
        )
    if aliases is not None and found[1] is not None:
        aliases.append((line_no, found[1], found[0]))
    return found[0]


def _country_column(values: list[str], line_nos: np.ndarray) -> tuple[list[str | None], list] | None:
    """:func:`_country_code` of a whole column (None for a blank value), worked out once per distinct value, and
    the aliases applied, in line order; None where :func:`_country_code` would raise."""
    found = {value: _resolve_country(value) for value in set(values) if value.strip()}
    if None in found.values():
        return None
    aliased = {value for value, hit in found.items() if hit[1] is not None}
    aliases = [(int(line_nos[k]), found[v][1], found[v][0]) for k, v in enumerate(values) if v in aliased]
    codes = {value: hit[0] for value, hit in found.items()}
    return list(map(codes.get, values)), aliases


def _asns(values: list[str]) -> list[int] | None:
    """The plain (asplain) AS numbers of a column, each listed once, or None."""
    asns = decimal_column(values, MAX_ASN, 10)
    return None if asns is None or len(np.unique(asns)) != len(asns) else asns.tolist()


def _keep(path, table: dict, first_line: dict, line_no: int, asn: int, value) -> None:
    """``table[asn] = value``; an ASN listed again with another value is an error naming both lines."""
    if asn in table and table[asn] != value:
        raise TopologyFormatError(
            path, line_no, f"AS{asn} is listed again with different values (first on line {first_line[asn]})"
        )
    table[asn] = value
    first_line.setdefault(asn, line_no)


MAX_BLOCKS = 1 << 24  #: /24 blocks in the whole IPv4 space: no AS originates more


def _blocks(path, line_no: int, value: str) -> int:
    """A ``prefixes`` cell: a count of /24 blocks, ASCII decimal without sign, leading zero or surrounding space."""
    if not re.fullmatch(r"0|[1-9][0-9]{0,7}", value, re.ASCII) or int(value) > MAX_BLOCKS:
        raise TopologyFormatError(
            path, line_no, f"column 'prefixes': {value[:40]!r} is not a count of /24 blocks (0 .. {MAX_BLOCKS})"
        )
    return int(value)


def read_as_country_table(
    path: str | Path, *, aliases: list | None = None, by_line: bool = False
) -> tuple[dict[int, str], dict[int, int]]:
    """ASN → country and ASN → address space from a CSV with ``asn,country[,prefixes]`` columns.

    Parameters
    ----------
    path : str or Path
        CSV, plain or compressed, with a header naming at least ``asn`` and ``country``.
    aliases : list, optional
        Receives (line, code as written, code used) for every country code converted by the alias table.
    by_line : bool
        Read record by record, as the fast path (the whole file at once) does for a file it finds not plain; the
        result, and any error, is the same.

    Returns
    -------
    countries : dict of int → str
        ISO alpha-2 codes; rows with an empty country are left out.
    address_space : dict of int → int
        /24 blocks originated, from the ``prefixes`` column; empty when the file has no such column. An empty
        cell means no data and is left out.

    Raises
    ------
    TopologyFormatError
        A missing column, a bad ASN, an unresolvable country, a ``prefixes`` value that is not a non-negative
        integer, a record over several lines or of the wrong number of fields, an ASN listed twice with different
        values; with the file and line.
    """
    found = None if by_line else _as_country_at_once(path)
    if found is not None:
        if aliases is not None:
            aliases += found[2]
        return found[0], found[1]
    rows: dict[int, tuple[str | None, int | None]] = {}
    first_line: dict[int, int] = {}
    for line_no, row in csv_rows(path, ("asn", "country")):
        asn = as_number(path, line_no, row["asn"])
        country = _country_code(path, line_no, row["country"], "country", aliases) if row["country"].strip() else None
        blocks = _blocks(path, line_no, row["prefixes"]) if (row.get("prefixes") or "").strip() else None
        _keep(path, rows, first_line, line_no, asn, (country, blocks))
    countries = {asn: c for asn, (c, _) in rows.items() if c is not None}
    return countries, {asn: b for asn, (_, b) in rows.items() if b is not None}


def _as_country_at_once(path) -> tuple[dict[int, str], dict[int, int], list] | None:
    """:func:`read_as_country_table`'s tables and aliases from the whole file, or None when it is not plain (an ASN
    not asplain or listed twice, a ``prefixes`` cell not plain, anything the line reader rejects)."""
    text = read_text(path)
    table = None if text is None else csv_columns(text, ("asn", "country"), ("asn", "country", "prefixes"))
    if table is None:
        return None
    line_nos, columns = table
    asns, countries = _asns(columns["asn"]), _country_column(columns["country"], line_nos)
    cells = columns.get("prefixes", [])
    blank = {cell for cell in set(cells) if not cell.strip()}  # no data
    rows = [k for k, cell in enumerate(cells) if cell not in blank]
    blocks = decimal_column([cells[k] for k in rows], MAX_BLOCKS, 8)
    if asns is None or countries is None or blocks is None:
        return None
    codes, aliases = countries
    located = dict(zip(asns, codes, strict=True))
    if None in codes:
        located = {asn: code for asn, code in located.items() if code is not None}
    space = dict(zip([asns[k] for k in rows], blocks.tolist(), strict=True))
    return located, space, aliases


def read_as_country_csv(path: str | Path) -> dict[int, str]:
    """ASN → ISO alpha-2 country code from a CSV with ``asn,country`` columns (empty country: skipped)."""
    return read_as_country_table(path)[0]


def read_as_org(path: str | Path, *, aliases: list | None = None) -> dict[int, str]:
    """ASN → country of its organisation, from a CAIDA ``as-org2info`` file.

    The file has two ``|``-separated sections announced by ``# format:`` lines:
    ``aut|changed|aut_name|org_id|opaque_id|source`` and ``org_id|changed|org_name|country|source``.
    """
    org_country: dict[str, str] = {}
    aut_org: dict[int, str] = {}
    columns: list[str] | None = None
    for line_no, raw in enumerate(text_lines(path), start=1):
        line = raw.rstrip("\n")
        if line.startswith("# format:"):
            columns = line[len("# format:") :].strip().split("|")
            if not ({"aut", "org_id"} <= set(columns) or {"org_id", "country"} <= set(columns)):
                raise TopologyFormatError(path, line_no, f"unknown as-org2info section {columns}")
            continue
        if not line.strip() or line.startswith("#"):
            continue
        if columns is None:
            raise TopologyFormatError(path, line_no, "data before any '# format:' line (not an as-org2info file)")
        parts = line.split("|")
        if len(parts) != len(columns):
            raise TopologyFormatError(path, line_no, f"expected {len(columns)} fields, got {len(parts)}")
        row = dict(zip(columns, parts, strict=True))
        if "aut" in row:
            aut_org[as_number(path, line_no, row["aut"])] = row["org_id"]
        elif row["country"].strip():
            org_country[row["org_id"]] = _country_code(path, line_no, row["country"], "country", aliases)
    if columns is None:
        raise TopologyFormatError(path, None, "no '# format:' line found (not an as-org2info file)")
    return {asn: org_country[org] for asn, org in aut_org.items() if org in org_country}


def read_as_country(path: str | Path) -> dict[int, str]:
    """AS→country from either a CSV or a CAIDA as-org2info file (recognised by its ``# format:`` lines)."""
    return read_country_source(path)[0]


def read_country_source(path: str | Path, aliases: list | None = None) -> tuple[dict[int, str], dict[int, int]]:
    """(ASN → country, ASN → /24 blocks) of a CSV or an as-org2info file (which gives no address space)."""
    head = ""
    for line in text_lines(path):
        head += line
        if len(head) >= 4096:
            break
    if "# format:" in head:
        return read_as_org(path, aliases=aliases), {}
    return read_as_country_table(path, aliases=aliases)


def read_state_owned(path: str | Path, *, aliases: list | None = None) -> dict[int, tuple[str, str | None]]:
    """ASN → (owner state, operating country when abroad or None) from a state-owned AS CSV.

    Parameters
    ----------
    path : str or Path
        CSV, plain or compressed, with a header naming at least ``asn`` and ``ownership_cc`` (and optionally
        ``target_cc``, with ``target_country_name`` tried when ``target_cc`` does not resolve).
    aliases : list, optional
        Receives (line, code as written, code used) for every country code converted by the alias table.

    Raises
    ------
    TopologyFormatError
        As :func:`read_as_country_table`, and an empty ``ownership_cc``.
    """
    out: dict[int, tuple[str, str | None]] = {}
    first_line: dict[int, int] = {}
    for line_no, row in csv_rows(path, ("asn", "ownership_cc")):
        asn = as_number(path, line_no, row["asn"])
        owner = _country_code(path, line_no, row["ownership_cc"], "ownership_cc", aliases)
        target = (row.get("target_cc") or "").strip()
        operating = (
            _country_code(path, line_no, target, "target_cc", aliases, row.get("target_country_name") or "")
            if target
            else None
        )
        _keep(path, out, first_line, line_no, asn, (owner, operating))
    return out
