"""Per-AS annotations: jurisdiction (AS→country) and state ownership.

Sources read here:

- an AS→country CSV with columns ``asn,country`` (more columns allowed), plain or gzip, like the CTI-derived
  ``geo/as_country_2018.csv.gz``; its optional ``prefixes`` column (the /24 blocks the AS originates) gives
  each AS's address space;
- CAIDA's AS-to-organisation file (``YYYYMMDD.as-org2info.txt[.gz]``): each AS gets its organisation's country;
  given beside an AS→country CSV, it fills only the countries the CSV leaves unknown;
- a state-owned AS CSV with columns ``asn,ownership_cc`` and optionally ``target_cc`` (the country a state-owned
  AS operates in when abroad), like ``state_owned/state_owned_ases.csv`` (Carisimo et al., IMC 2021).

Every file is checked as strictly as the AS-relationship loader checks its own (see ``docs/data.md``): ASNs in
the grammar of :mod:`sim.data.asn`; CSV records of exactly the header's number of fields, each on one line (a
stray ``"`` that would swallow the following rows is an error naming its line); countries ISO 3166-1 alpha-2 codes
(``XK`` for Kosovo), names that resolve to one, or an alias of :data:`sim.data.countries.CODE_ALIASES`
(``UK`` → ``GB``, ``KV`` → ``XK``), whose every use is reported in :attr:`AnnotationReport.aliases`; an ASN
listed twice with different values is an error naming both lines. Each problem is a :class:`TopologyFormatError`
naming the file and line.

ASes of the topology missing from an annotation are kept (country unknown, not state-owned) and counted in the
returned :class:`AnnotationReport`; annotation rows for ASes absent from the topology are counted too. An AS
still of unknown country after the files gets its neighbours' country when they all agree
(:func:`sim.data.inference.infer_countries`); :class:`CountrySources` counts where each AS's country came from.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.data.caida import TopologyFormatError, as_number, text_lines
from sim.data.countries import code_alias, to_alpha2
from sim.data.inference import infer_countries as infer_from_neighbours
from sim.data.topology import UNKNOWN, Topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnotationReport:
    path: str
    n_rows: int  # annotation records read
    n_matched: int  # topology ASes that received the annotation
    n_missing: int  # topology ASes the annotation says nothing about
    n_unmatched: int  # records for ASNs that are not in the topology
    #: every country code converted by the alias table, as (line, code as written, code used): ``(57, "UK", "GB")``
    aliases: tuple[tuple[int, str, str], ...] = ()

    def describe_aliases(self) -> dict[str, list[str]]:
        """``{"UK→GB": ["file:57", ...]}``: where each alias was applied."""
        out: dict[str, list[str]] = {}
        for line_no, written, code in self.aliases:
            out.setdefault(f"{written}→{code}", []).append(f"{self.path}:{line_no}")
        return out


@dataclass(frozen=True)
class CountrySources:
    """Where each AS's country came from, in the order the sources are applied; the counts sum to n_ases."""

    n_from_file: int  #: located by the AS→country file
    n_from_as_org: int  #: left unknown by it, located by the as-org2info file
    n_inferred: int  #: left unknown by both, located from their neighbours (``Topology.country_inferred``)
    n_unknown: int  #: still unknown
    n_preset: int = 0  #: located on the topology passed in, kept because no AS→country file was given
    #: left unknown by the files, located in the state that owns them (state-owned, not operating abroad); also
    #: marked in ``Topology.country_inferred``
    n_from_owner: int = 0

    def describe(self) -> str:
        return (
            f"countries: {self.n_from_file} from the AS→country file, {self.n_from_as_org} from as-org2info, "
            f"{self.n_from_owner} from their owner state, {self.n_inferred} inferred from neighbours, "
            f"{self.n_preset} preset, {self.n_unknown} unknown"
        )


def _country_code(path, line_no: int, value: str, column: str, aliases: list | None, fallback: str = "") -> str:
    """The alpha-2 code of ``value`` (a code or a name); ``fallback`` is tried when it does not resolve
    (the state-owned CSV has a few rows with the name and code columns swapped). An alias applied is appended to
    ``aliases`` as (line, code as written, code used)."""
    # the fallback is for a name in the code's column; a two-letter value is a code, and an unknown one an error
    for text in (value, fallback) if fallback and len(value.strip()) != 2 else (value,):
        code = to_alpha2(text)
        if code is not None:
            if aliases is not None and code_alias(text) is not None:
                aliases.append((line_no, text.strip(), code))
            return code
    raise TopologyFormatError(
        path, line_no, f"column {column!r}: {value[:40]!r} is not an ISO 3166-1 alpha-2 country code or a country name"
    )


def _csv_rows(path, required: tuple[str, ...]):
    """Yield (line_no, row dict) of the records of a CSV file after its header, which must name the ``required``
    columns. A record must lie on one line (a quoted field running over lines is, in these files, a stray ``"``
    swallowing the rows after it) and have as many fields as the header; blank lines are skipped."""
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


def _asn(path, line_no: int, value: str) -> int:
    return as_number(path, line_no, value)


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


def read_as_country_table(path: str | Path, *, aliases: list | None = None) -> tuple[dict[int, str], dict[int, int]]:
    """ASN → country and ASN → address space from a CSV with ``asn,country[,prefixes]`` columns.

    Parameters
    ----------
    path : str or Path
        CSV, plain or compressed, with a header naming at least ``asn`` and ``country``.
    aliases : list, optional
        Receives (line, code as written, code used) for every country code converted by the alias table.

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
    rows: dict[int, tuple[str | None, int | None]] = {}
    first_line: dict[int, int] = {}
    for line_no, row in _csv_rows(path, ("asn", "country")):
        asn = _asn(path, line_no, row["asn"])
        country = _country_code(path, line_no, row["country"], "country", aliases) if row["country"].strip() else None
        blocks = _blocks(path, line_no, row["prefixes"]) if (row.get("prefixes") or "").strip() else None
        _keep(path, rows, first_line, line_no, asn, (country, blocks))
    countries = {asn: c for asn, (c, _) in rows.items() if c is not None}
    return countries, {asn: b for asn, (_, b) in rows.items() if b is not None}


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
            aut_org[_asn(path, line_no, row["aut"])] = row["org_id"]
        elif row["country"].strip():
            org_country[row["org_id"]] = _country_code(path, line_no, row["country"], "country", aliases)
    if columns is None:
        raise TopologyFormatError(path, None, "no '# format:' line found (not an as-org2info file)")
    return {asn: org_country[org] for asn, org in aut_org.items() if org in org_country}


def read_as_country(path: str | Path) -> dict[int, str]:
    """AS→country from either a CSV or a CAIDA as-org2info file (recognised by its ``# format:`` lines)."""
    return _read_country_source(path)[0]


def _read_country_source(path: str | Path, aliases: list | None = None) -> tuple[dict[int, str], dict[int, int]]:
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
    for line_no, row in _csv_rows(path, ("asn", "ownership_cc")):
        asn = _asn(path, line_no, row["asn"])
        owner = _country_code(path, line_no, row["ownership_cc"], "ownership_cc", aliases)
        target = (row.get("target_cc") or "").strip()
        operating = (
            _country_code(path, line_no, target, "target_cc", aliases, row.get("target_country_name") or "")
            if target
            else None
        )
        _keep(path, out, first_line, line_no, asn, (owner, operating))
    return out


def _lookup(topo: Topology, table: dict[int, object]) -> tuple[np.ndarray, np.ndarray]:
    """Topology indices and values of the table entries whose ASN is in the topology."""
    keys = np.fromiter(table.keys(), dtype=np.int64, count=len(table))
    idx = np.searchsorted(topo.asns, keys)
    ok = idx < topo.n_ases
    ok[ok] = topo.asns[idx[ok]] == keys[ok]
    values = list(table.values())
    return idx[ok], [values[i] for i in np.flatnonzero(ok)]


def _codes_to_idx(codes: list[str], vocabulary: list[str]) -> np.ndarray:
    for code in sorted(set(codes) - set(vocabulary)):
        vocabulary.append(code)
    pos = {c: i for i, c in enumerate(vocabulary)}
    return np.array([pos[c] for c in codes], dtype=np.int16)


def annotate(
    topo: Topology,
    as_country: str | Path | None = None,
    state_owned: str | Path | None = None,
    *,
    as_org: str | Path | None = None,
    infer_countries: bool = True,
) -> tuple[Topology, list[AnnotationReport], CountrySources]:
    """Return a copy of ``topo`` with countries, address space and state ownership from the given files.

    Parameters
    ----------
    topo : Topology
    as_country : str or Path, optional
        AS→country CSV (``asn,country[,prefixes]``) or as-org2info file. When given, it replaces every country
        (an AS it does not list becomes unknown) and, from its ``prefixes`` column, every address space.
    state_owned : str or Path, optional
        State-owned AS CSV; when given, it replaces ``owner`` and ``operating``.
    as_org : str or Path, optional
        CAIDA as-org2info file; fills only the countries still unknown after ``as_country``.
    infer_countries : bool
        Then locate ASes still unknown from their neighbours (:func:`sim.data.inference.infer_countries`),
        marked in ``country_inferred``. False leaves them unknown.

    Returns
    -------
    topo : Topology
        Country codes kept in ``country_codes`` (new ones appended sorted).
    reports : list of AnnotationReport
        One per file given, in the order ``as_country``, ``as_org``, ``state_owned``.
    sources : CountrySources
        How many ASes got their country from each source.

    Raises
    ------
    TopologyFormatError
        A malformed annotation file, with file and line.
    """
    codes = list(topo.country_codes)
    reports: list[AnnotationReport] = []
    owner_reports: list[AnnotationReport] = []  # listed last, as the files are given
    owner, operating = _ownership(topo, state_owned, codes, owner_reports)
    country, inferred, address_space, sources = _locate(
        topo.replace(owner=owner, operating=operating), as_country, as_org, infer_countries, codes, reports
    )
    reports += owner_reports
    for r in reports:
        log.info(
            "%s: %d records, %d ASes annotated, %d without, %d records for absent ASes",
            r.path,
            r.n_rows,
            r.n_matched,
            r.n_missing,
            r.n_unmatched,
        )
        for mapping, where in r.describe_aliases().items():
            log.info("%s: country code %s by the alias table, on %d line(s): %s", r.path, mapping, len(where), where)
    log.info("%s", sources.describe())
    annotated = topo.replace(
        country_codes=tuple(codes),
        country=country,
        owner=owner,
        operating=operating,
        address_space=address_space,
        country_inferred=inferred,
    )
    return annotated, reports, sources


def _locate(topo: Topology, as_country, as_org, infer: bool, codes: list[str], reports: list):
    """(country, country_inferred, address_space, CountrySources): the AS→country file, then as-org2info for
    the ASes it leaves unknown, then (when inferring) the owner state of a state-owned AS that does not operate
    abroad, then inference from neighbours. Appends the files' reports to ``reports``."""
    country, inferred, address_space = topo.country.copy(), topo.country_inferred.copy(), topo.address_space.copy()
    n_from_file = n_from_org = n_inferred = 0
    if as_country is not None:
        aliases: list = []
        table, blocks = _read_country_source(as_country, aliases)
        idx, values = _lookup(topo, table)
        reports.append(_report(as_country, table, idx, topo.n_ases, aliases))
        country[:] = UNKNOWN
        inferred[:] = False
        country[idx] = _codes_to_idx(values, codes) if len(idx) else []
        n_from_file = len(idx)
        address_space[:] = 0
        if blocks:
            b_idx, b_values = _lookup(topo, blocks)
            address_space[b_idx] = b_values
    n_preset = 0 if as_country is not None else int((country != UNKNOWN).sum())
    if as_org is not None:
        aliases = []
        table = read_as_org(as_org, aliases=aliases)
        idx, values = _lookup(topo, table)
        reports.append(_report(as_org, table, idx, topo.n_ases, aliases))
        fill = country[idx] == UNKNOWN  # a country from the AS→country file is never overwritten
        if fill.any():
            country[idx[fill]] = _codes_to_idx([v for v, f in zip(values, fill, strict=True) if f], codes)
        n_from_org = int(fill.sum())
    n_from_owner = 0
    if infer:
        # a state's own operator, not listed as operating abroad, operates at home (Syrian Telecom's gateway)
        home = (country == UNKNOWN) & (topo.owner != UNKNOWN) & (topo.operating == UNKNOWN)
        country[home], inferred[home] = topo.owner[home], True
        n_from_owner = int(home.sum())
        country, new = infer_from_neighbours(topo.replace(country=country, country_inferred=inferred))
        inferred |= new
        n_inferred = int(new.sum())
    sources = CountrySources(
        n_from_file, n_from_org, n_inferred, int((country == UNKNOWN).sum()), n_preset, n_from_owner
    )
    return country, inferred, address_space, sources


def _ownership(topo: Topology, state_owned, codes: list[str], reports: list) -> tuple[np.ndarray, np.ndarray]:
    """(owner, operating) from the state-owned CSV, or the topology's when none is given."""
    owner, operating = topo.owner.copy(), topo.operating.copy()
    if state_owned is None:
        return owner, operating
    aliases: list = []
    table = read_state_owned(state_owned, aliases=aliases)
    idx, values = _lookup(topo, table)
    owner[:] = UNKNOWN
    operating[:] = UNKNOWN
    if len(idx):
        owner[idx] = _codes_to_idx([v[0] for v in values], codes)
        abroad = [i for i, v in enumerate(values) if v[1] is not None]
        operating[idx[abroad]] = _codes_to_idx([values[i][1] for i in abroad], codes)
    reports.append(_report(state_owned, table, idx, topo.n_ases, aliases))
    return owner, operating


def _report(path, table: dict, idx: np.ndarray, n_ases: int, aliases: list) -> AnnotationReport:
    return AnnotationReport(str(path), len(table), len(idx), n_ases - len(idx), len(table) - len(idx), tuple(aliases))
