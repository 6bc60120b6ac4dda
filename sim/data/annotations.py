"""Per-AS annotations: jurisdiction (AS→country) and state ownership.

Sources read here:

- an AS→country CSV with columns ``asn,country`` (more columns allowed), plain or gzip, like the CTI-derived
  ``geo/as_country_2018.csv.gz``;
- CAIDA's AS-to-organisation file (``YYYYMMDD.as-org2info.txt[.gz]``): each AS gets its organisation's country;
- a state-owned AS CSV with columns ``asn,ownership_cc`` and optionally ``target_cc`` (the country a state-owned
  AS operates in when abroad), like ``state_owned/state_owned_ases.csv`` (Carisimo et al., IMC 2021).

ASes of the topology missing from an annotation are kept (country unknown, not state-owned) and counted in the
returned :class:`AnnotationReport`; annotation rows for ASes absent from the topology are counted too.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.data.caida import TopologyFormatError, open_text
from sim.data.countries import to_alpha2
from sim.data.topology import UNKNOWN, Topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnotationReport:
    path: str
    n_rows: int  # annotation records read
    n_matched: int  # topology ASes that received the annotation
    n_missing: int  # topology ASes the annotation says nothing about
    n_unmatched: int  # records for ASNs that are not in the topology


def _country_code(path, line_no: int, value: str, column: str, fallback: str = "") -> str:
    """The alpha-2 code of ``value`` (a code or a name); ``fallback`` is tried when it does not resolve
    (the state-owned CSV has a few rows with the name and code columns swapped)."""
    code = to_alpha2(value) or (to_alpha2(fallback) if fallback else None)
    if code is None:
        raise TopologyFormatError(path, line_no, f"column {column!r}: {value!r} is not a country code or name")
    return code


def _csv_rows(path, required: tuple[str, ...]):
    """Yield (line_no, row dict) of a CSV file, checking the header names the required columns."""
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise TopologyFormatError(path, 1, f"missing column(s) {missing}; header is {reader.fieldnames}")
        for row in reader:
            yield reader.line_num, row


def _asn(path, line_no: int, value) -> int:
    try:
        asn = int(str(value).strip().upper().removeprefix("AS"))
    except ValueError:
        raise TopologyFormatError(path, line_no, f"ASN {value!r} is not an integer") from None
    if asn < 0:
        raise TopologyFormatError(path, line_no, f"ASN {value!r} is negative")
    return asn


def read_as_country_csv(path: str | Path) -> dict[int, str]:
    """ASN → ISO alpha-2 country code from a CSV with ``asn,country`` columns (empty country: skipped)."""
    out: dict[int, str] = {}
    for line_no, row in _csv_rows(path, ("asn", "country")):
        if not (row["country"] or "").strip():
            continue
        out[_asn(path, line_no, row["asn"])] = _country_code(path, line_no, row["country"], "country")
    return out


def read_as_org(path: str | Path) -> dict[int, str]:
    """ASN → country of its organisation, from a CAIDA ``as-org2info`` file.

    The file has two ``|``-separated sections announced by ``# format:`` lines:
    ``aut|changed|aut_name|org_id|opaque_id|source`` and ``org_id|changed|org_name|country|source``.
    """
    org_country: dict[str, str] = {}
    aut_org: dict[int, tuple[int, str]] = {}
    columns: list[str] | None = None
    with open_text(path) as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw.rstrip("\n")
            if line.startswith("# format:"):
                columns = line[len("# format:") :].strip().split("|")
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
                aut_org[_asn(path, line_no, row["aut"])] = (line_no, row["org_id"])
            elif "country" in row and row["country"].strip():
                org_country[row["org_id"]] = _country_code(path, line_no, row["country"], "country")
    if columns is None:
        raise TopologyFormatError(path, None, "no '# format:' line found (not an as-org2info file)")
    return {asn: org_country[org] for asn, (_, org) in aut_org.items() if org in org_country}


def read_as_country(path: str | Path) -> dict[int, str]:
    """AS→country from either a CSV or a CAIDA as-org2info file (recognised by its ``# format:`` lines)."""
    with open_text(path) as fh:
        head = fh.read(4096)
    return read_as_org(path) if "# format:" in head else read_as_country_csv(path)


def read_state_owned(path: str | Path) -> dict[int, tuple[str, str | None]]:
    """ASN → (owner state, operating country when abroad or None) from a state-owned AS CSV."""
    out: dict[int, tuple[str, str | None]] = {}
    for line_no, row in _csv_rows(path, ("asn", "ownership_cc")):
        owner = _country_code(path, line_no, row["ownership_cc"], "ownership_cc")
        target = (row.get("target_cc") or "").strip()
        out[_asn(path, line_no, row["asn"])] = (
            owner,
            _country_code(path, line_no, target, "target_cc", row.get("target_country_name") or "") if target else None,
        )
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
) -> tuple[Topology, list[AnnotationReport]]:
    """Return a copy of ``topo`` with countries and state ownership from the given files.

    Country codes are kept in ``topo.country_codes`` (sorted when new); an AS missing from the country file
    keeps ``UNKNOWN``. The operating country of a state-owned AS abroad is recorded in ``operating``.
    """
    codes = list(topo.country_codes)
    country, owner, operating = topo.country.copy(), topo.owner.copy(), topo.operating.copy()
    reports = []
    if as_country is not None:
        table = read_as_country(as_country)
        idx, values = _lookup(topo, table)
        country[:] = UNKNOWN
        country[idx] = _codes_to_idx(values, codes) if len(idx) else []
        reports.append(
            AnnotationReport(str(as_country), len(table), len(idx), topo.n_ases - len(idx), len(table) - len(idx))
        )
    if state_owned is not None:
        table = read_state_owned(state_owned)
        idx, values = _lookup(topo, table)
        owner[:] = UNKNOWN
        operating[:] = UNKNOWN
        if len(idx):
            owner[idx] = _codes_to_idx([v[0] for v in values], codes)
            abroad = [i for i, v in enumerate(values) if v[1] is not None]
            operating[idx[abroad]] = _codes_to_idx([values[i][1] for i in abroad], codes)
        reports.append(
            AnnotationReport(str(state_owned), len(table), len(idx), topo.n_ases - len(idx), len(table) - len(idx))
        )
    for r in reports:
        log.info(
            "%s: %d records, %d ASes annotated, %d without, %d records for absent ASes",
            r.path,
            r.n_rows,
            r.n_matched,
            r.n_missing,
            r.n_unmatched,
        )
    return topo.replace(country_codes=tuple(codes), country=country, owner=owner, operating=operating), reports
