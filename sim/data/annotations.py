"""Per-AS annotations: jurisdiction (AS→country), address space and state ownership, from the files read by
:mod:`sim.data.annotation_files` (an AS→country CSV or as-org2info file, an as-org2info file for the ASes it leaves
unknown, a state-owned AS CSV).

ASes of the topology missing from an annotation are kept (country unknown, not state-owned) and counted in the
returned :class:`AnnotationReport`; annotation rows for ASes absent from the topology are counted too, and every use
of a country code alias (``UK`` → ``GB``) is listed. An AS still of unknown country after the files gets its
neighbours' country when they all agree (:func:`sim.data.inference.infer_countries`); :class:`CountrySources`
counts where each AS's country came from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.data.annotation_files import read_as_org, read_country_source, read_state_owned
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
        table, blocks = read_country_source(as_country, aliases)
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
