"""One call from files to an annotated topology: :func:`load_topology`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from sim.data.annotations import annotate
from sim.data.caida import topology_from_as_rel
from sim.data.topology import DNS_ROOT_OPERATOR_ASNS, Topology

DEFAULT_CORE_SERVICES: Mapping[str, tuple[int, ...]] = {"dns_root": DNS_ROOT_OPERATOR_ASNS}


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def with_core_services(topo: Topology, services: Mapping[str, Iterable[int]]) -> Topology:
    """A copy of ``topo`` whose ``core_services`` are the given ASN lists (ASNs absent from it are ignored)."""
    return topo.replace(core_services={name: topo.mask_of(asns) for name, asns in services.items()})


def load_topology(
    path: str | Path,
    as_country: str | Path | None = None,
    state_owned: str | Path | None = None,
    *,
    as_org: str | Path | None = None,
    infer_countries: bool = True,
    strict: bool = False,
    core_services: Mapping[str, Iterable[int]] | None = None,
) -> Topology:
    """Load a CAIDA AS-relationship file and its annotations.

    Parameters
    ----------
    path : str or Path
        CAIDA AS relationships, serial-1 or serial-2, plain / .bz2 / .gz (see :mod:`sim.data.caida`).
    as_country : str or Path, optional
        AS→country CSV (``asn,country[,prefixes]``; ``prefixes``, the /24 blocks an AS originates, gives
        ``address_space``) or CAIDA as-org2info file.
    state_owned : str or Path, optional
        State-owned AS CSV (``asn,ownership_cc[,target_cc]``).
    as_org : str or Path, optional
        CAIDA as-org2info file: the organisation's country for ASes that ``as_country`` leaves unknown.
    infer_countries : bool
        Give an AS still of unknown country the country of its neighbours when they all lie in one
        (:func:`sim.data.inference.infer_countries`; marked in ``country_inferred``). False: leave it unknown.
    strict : bool
        Reject self-loops, duplicate and conflicting pairs instead of resolving them.
    core_services : mapping of name → ASNs, optional
        Public-core service lists; default ``{"dns_root": DNS_ROOT_OPERATOR_ASNS}``.

    Returns
    -------
    Topology
        With ``provenance`` holding each input's path and sha256, the loaders' reports
        (``as_rel_report``, ``annotation_reports``) and where countries came from (``country_sources``, a
        :class:`sim.data.annotations.CountrySources`).

    Raises
    ------
    FileNotFoundError
        A named file does not exist.
    sim.data.caida.TopologyFormatError
        A malformed input, with file and line.
    """
    topo, report = topology_from_as_rel(path, strict=strict)
    topo, ann_reports, sources = annotate(
        topo, as_country=as_country, state_owned=state_owned, as_org=as_org, infer_countries=infer_countries
    )
    topo = with_core_services(topo, DEFAULT_CORE_SERVICES if core_services is None else core_services)
    files = {"as_rel": path, "as_country": as_country, "as_org": as_org, "state_owned": state_owned}
    provenance = {
        "files": {k: {"path": str(v), "sha256": file_sha256(v)} for k, v in files.items() if v is not None},
        "as_rel_report": report,
        "annotation_reports": ann_reports,
        "country_sources": sources,
        "infer_countries": infer_countries,
    }
    return topo.replace(provenance=provenance)
