"""Download CAIDA AS-relationship and AS-to-organisation files, verified and written atomically.

A download streams into a hidden ``.<name>.*.part`` file in the destination folder, is checked (optional
SHA-256, full decompression, lines of the expected kind) and only then renamed onto ``<dest>/<name>`` by
:func:`os.replace`, so a file at the final path is always complete (only a hard kill can leave a stray
``.part`` file, which is never mistaken for data). Only the standard library is used.

A file's URL is ``<base_url>/<path>``. ``base_url`` defaults to :data:`DEFAULT_BASE_URL`, everything up to and
including ``/datasets``; ``<path>`` is CAIDA's layout below it, which a mirror must keep:
``as-relationships/serial-1/YYYYMMDD.as-rel.txt.bz2``, ``as-relationships/serial-2/YYYYMMDD.as-rel2.txt.bz2``,
``as-organizations/YYYYMMDD.as-org2info.txt.gz``.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import http.client
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sim.data.paths import caida_dir

DEFAULT_BASE_URL = "https://publicdata.caida.org/datasets"  #: what ``base_url`` replaces
DEFAULT_TIMEOUT = 60.0  #: seconds a connect or one read may stall (not a limit on the whole download)

_CHUNK = 1 << 20  # 1 MiB: memory stays flat whatever the file size
_USER_AGENT = "fragsim-data-fetch (python urllib)"
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# The backreference makes the separator all-or-nothing: 2024-01-01 and 20240101, but not 2024-0101.
_DATE_RE = re.compile(r"(\d{4})(-?)(\d{2})\2(\d{2})")
_ORG_SECTION_RE = re.compile(rb"#\s*format:\s*(\w+)\s*\|")

Progress = Callable[[str, int, int | None], None]  #: ``progress(url, n_bytes_done, n_bytes_total_or_None)``


class DataKind(StrEnum):
    """Which CAIDA data set a file belongs to."""

    AS_REL = "as-rel"  #: AS relationships (serial-1 or serial-2), monthly, dated the 1st
    AS_ORG = "as-org"  #: AS-to-organisation mapping (``as-org2info``), roughly quarterly


class FetchStatus(StrEnum):
    """Outcome of one request."""

    DOWNLOADED = "downloaded"
    SKIPPED = "skipped"  #: a verified file was already at the final path; nothing was requested
    FAILED = "failed"  #: only in :func:`fetch_many` results; :func:`fetch` raises instead


class FetchError(RuntimeError):
    """A download could not be completed; ``url`` is the URL (or local path) concerned."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class VerificationError(FetchError):
    """The bytes arrived but are not a complete, well-formed file of the expected kind and checksum."""


@dataclass(frozen=True)
class FetchRequest:
    """One file to fetch, validated and normalised on construction.

    Parameters
    ----------
    kind : DataKind or {"as-rel", "as-org"}
    date : datetime.date or str
        ``YYYY-MM-DD`` or ``YYYYMMDD``; day 01 for ``as-rel`` (monthly snapshots), any day for ``as-org``.
    serial : {1, 2}
        AS-relationship series (serial-2 adds a source column); must stay 1 for ``as-org``.
    sha256 : str, optional
        Expected hex digest of the compressed file (e.g. from a run's ``meta.json``).

    Raises
    ------
    ValueError, TypeError
        Naming the bad argument: unknown kind, malformed or non-monthly date, bad serial or digest.
    """

    kind: DataKind
    date: Date
    serial: int = 1
    sha256: str | None = None

    def __post_init__(self) -> None:
        try:
            kind = DataKind(self.kind)
        except ValueError:
            raise ValueError(f"kind must be one of {[k.value for k in DataKind]}, got {self.kind!r}") from None
        if not isinstance(self.serial, int) or isinstance(self.serial, bool) or self.serial not in (1, 2):
            raise ValueError(f"serial must be 1 or 2, got {self.serial!r}")
        if kind is DataKind.AS_ORG and self.serial != 1:
            raise ValueError(f"serial applies only to kind 'as-rel'; got serial={self.serial} for 'as-org'")
        digest = None if self.sha256 is None else str(self.sha256).strip().lower()
        if digest is not None and not _SHA256_RE.fullmatch(digest):
            raise ValueError(f"sha256 must be 64 hex digits, got {self.sha256!r}")
        # frozen: normalised values go in through object.__setattr__, as dataclasses document
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "date", _parse_date(self.date, kind))
        object.__setattr__(self, "sha256", digest)

    @property
    def relpath(self) -> str:
        """CAIDA's path of this file below ``/datasets``."""
        stamp = self.date.strftime("%Y%m%d")
        if self.kind is DataKind.AS_ORG:
            return f"as-organizations/{stamp}.as-org2info.txt.gz"
        suffix = "as-rel" if self.serial == 1 else "as-rel2"
        return f"as-relationships/serial-{self.serial}/{stamp}.{suffix}.txt.bz2"

    @property
    def filename(self) -> str:
        """Name of the file in the destination folder (the publisher's name, still compressed)."""
        return self.relpath.rsplit("/", 1)[1]

    def url(self, base_url: str | None = None) -> str:
        """Full URL of this file under ``base_url`` (default :data:`DEFAULT_BASE_URL`)."""
        return f"{_check_base_url(base_url)}/{self.relpath}"


@dataclass(frozen=True)
class FetchResult:
    """What happened to one request. ``sha256`` and ``n_bytes`` describe the file now at ``path``."""

    request: FetchRequest
    url: str
    path: Path
    status: FetchStatus
    sha256: str | None  #: hex digest of the compressed file; None when FAILED
    n_bytes: int  #: size of the compressed file; 0 when FAILED
    error: str | None = None  #: the failure message when FAILED


def source_url(kind: DataKind | str, date: Date | str, *, serial: int = 1, base_url: str | None = None) -> str:
    """URL of a CAIDA file (no network access); raises ValueError as :class:`FetchRequest` and :func:`fetch`.

    ``base_url`` replaces ``https://publicdata.caida.org/datasets`` (scheme, host and path up to and including
    ``/datasets``; a trailing slash is ignored) and CAIDA's layout below it is appended unchanged:
    ``source_url("as-rel", "2024-01-01", serial=2, base_url="http://mirror.example/caida/datasets")`` is
    ``http://mirror.example/caida/datasets/as-relationships/serial-2/20240101.as-rel2.txt.bz2``.
    """
    return FetchRequest(kind, date, serial).url(base_url)


def fetch(
    kind: DataKind | str,
    date: Date | str,
    dest_dir: str | os.PathLike | None = None,
    *,
    serial: int = 1,
    base_url: str | None = None,
    sha256: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    force: bool = False,
) -> FetchResult:
    """Download one CAIDA file into ``dest_dir`` (created if needed), verify it and move it into place.

    Parameters
    ----------
    kind, date, serial, sha256
        As :class:`FetchRequest`.
    dest_dir : path, optional
        Receives ``<dest_dir>/<publisher's file name>``, still compressed, e.g. ``20240101.as-rel2.txt.bz2``.
        Default: the data folder's ``caida/`` (:func:`sim.data.paths.caida_dir`, ``$FRAGSIM_DATA/caida``, the
        checkout's ``data/caida`` or the user data folder's), where the topology configs look for CAIDA's files.
    base_url : str, optional
        Replaces :data:`DEFAULT_BASE_URL`, for a mirror with CAIDA's layout (see :func:`source_url`).
    timeout : float
        Seconds a connect or one read may stall (not a limit on the whole download).
    progress : callable, optional
        ``progress(url, n_bytes_done, n_bytes_total_or_None)`` after every chunk.
    force : bool
        Download even if the file is present; the old file stays until the new one has been verified.

    Returns
    -------
    FetchResult
        DOWNLOADED, or SKIPPED (server not contacted) when a file passing the same checks is already there.

    Raises
    ------
    ValueError, TypeError
        Bad arguments, before any network access.
    OSError
        ``dest_dir`` cannot be created or written.
    FetchError
        HTTP error (names the URL and status), connection failure or short body. Also when the file already
        at the final path fails verification: it is left alone and the message says to delete it or force.
    VerificationError
        A FetchError: corrupt or truncated compression, content not of the kind asked for, SHA-256 mismatch.

    Notes
    -----
    On any error nothing is left at the final path and the temporary file is removed. Time is linear in the
    file size (hashed, then decompressed once); memory is one 1 MiB chunk plus one line.
    """
    request = FetchRequest(kind, date, serial, sha256)
    dest = _dest(dest_dir)
    return _fetch_one(request, dest, _check_base_url(base_url), _check_timeout(timeout), progress, force)


def fetch_many(
    requests: Iterable[FetchRequest],
    dest_dir: str | os.PathLike | None = None,
    *,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    force: bool = False,
) -> list[FetchResult]:
    """Fetch several files in order, carrying on past failures; arguments as :func:`fetch`.

    A failure never touches files already completed (each is renamed into place on its own). Returns one
    :class:`FetchResult` per request, in order; a failed one has status FAILED and its message in ``error``.
    Raises ValueError / TypeError, before any download, for a bad ``base_url`` or ``timeout`` or an item of
    ``requests`` that is not a :class:`FetchRequest`.
    """
    requests = list(requests)
    for i, request in enumerate(requests):
        if not isinstance(request, FetchRequest):
            raise TypeError(f"requests[{i}] must be a FetchRequest, got {type(request).__name__}")
    base, timeout, dest = _check_base_url(base_url), _check_timeout(timeout), _dest(dest_dir)
    results = []
    for request in requests:
        try:
            results.append(_fetch_one(request, dest, base, timeout, progress, force))
        except FetchError as exc:
            failed = FetchResult(
                request, request.url(base), dest / request.filename, FetchStatus.FAILED, None, 0, str(exc)
            )
            results.append(failed)
    return results


def _dest(dest_dir: str | os.PathLike | None) -> Path:
    return caida_dir() if dest_dir is None else Path(dest_dir)


# -- core -----------------------------------------------------------------------------------------------------
def _fetch_one(
    request: FetchRequest, dest: Path, base: str, timeout: float, progress: Progress | None, force: bool
) -> FetchResult:
    url, path = request.url(base), dest / request.filename
    if path.exists() and not force:
        try:
            digest = _verify(path, request, source=str(path))
        except VerificationError as exc:
            raise FetchError(f"{exc}; delete it or pass force=True to download it again", url=url) from exc
        return FetchResult(request, url, path, FetchStatus.SKIPPED, digest, path.stat().st_size)
    dest.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so os.replace is a rename within one file system and therefore atomic.
    # Not tempfile.mkstemp: its mode 0o600 would survive the rename; 0o666 lets the umask decide, as open() does.
    tmp = dest / f".{path.name}.{secrets.token_hex(6)}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            n_bytes = _download(url, out, timeout, progress)
            out.flush()
            os.fsync(out.fileno())  # the bytes must be on disk before the name says the file is complete
        digest = _verify(tmp, request, source=url)
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt: never leave the .part file behind
        tmp.unlink(missing_ok=True)
        raise
    return FetchResult(request, url, path, FetchStatus.DOWNLOADED, digest, n_bytes)


def _download(url: str, out, timeout: float, progress: Progress | None) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    n_done = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            n_total = int(length) if length and length.isdigit() else None
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                n_done += len(chunk)
                if progress is not None:
                    progress(url, n_done, n_total)
    except urllib.error.HTTPError as exc:
        folder = url.rsplit("/", 1)[0] + "/"
        raise FetchError(
            f"HTTP {exc.code} {exc.reason} for {url} (available files are listed at {folder})", url=url
        ) from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise FetchError(f"download of {url} failed: {reason}", url=url) from exc
    # http.client does not flag a body cut short of its Content-Length, so count the bytes ourselves.
    if n_total is not None and n_done != n_total:
        raise FetchError(f"download of {url} ended after {n_done} of {n_total} bytes", url=url)
    return n_done


def _verify(path: Path, request: FetchRequest, *, source: str) -> str:
    digest = _sha256_of(path)
    if request.sha256 is not None and digest != request.sha256:
        raise VerificationError(f"{source}: sha256 is {digest}, expected {request.sha256}", url=source)
    is_org = request.kind is DataKind.AS_ORG
    opener, codec = (gzip.open, "gzip") if is_org else (bz2.open, "bzip2")
    what = "an as-org2info file" if is_org else f"a serial-{request.serial} as-rel file"
    try:
        # Every line is decompressed, so the codec's end-of-stream and CRC checks run over the whole file.
        with opener(path, "rb") as lines:
            problem = _as_org_problem(lines) if is_org else _as_rel_problem(lines, request.serial)
    except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupt streams raise one of these
        raise VerificationError(f"{source}: not a complete {codec} file ({exc})", url=source) from exc
    if problem is not None:
        raise VerificationError(f"{source}: does not look like {what}: {problem}", url=source)
    return digest


def _as_rel_problem(lines: Iterator[bytes], serial: int) -> str | None:
    n_fields, n_links = 3 if serial == 1 else 4, 0
    for lineno, line in enumerate(lines, 1):
        if line.startswith(b"#") or not line.strip():
            continue
        fields = line.rstrip(b"\r\n").split(b"|")
        if (
            len(fields) != n_fields
            or not fields[0].isdigit()
            or not fields[1].isdigit()
            or fields[2] not in (b"-1", b"0")
        ):
            shape = "asn|asn|rel" if serial == 1 else "asn|asn|rel|source"
            return f"line {lineno} is {line[:80]!r}, expected {shape} with rel -1 or 0"
        n_links += 1
    return None if n_links else "no relationship lines"


def _as_org_problem(lines: Iterator[bytes]) -> str | None:
    sections, n_records = set(), 0
    for line in lines:
        if line.startswith(b"#"):
            if match := _ORG_SECTION_RE.match(line):
                sections.add(match.group(1).decode("ascii"))
        elif line.strip():
            n_records += 1
    missing = [f"'# format:{name}|'" for name in ("aut", "org_id") if name not in sections]
    if missing:
        return f"missing section header {' and '.join(missing)}"
    return None if n_records else "no records"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _parse_date(value: Date | str, kind: DataKind) -> Date:
    if isinstance(value, datetime):  # a datetime is a date too; keep only its calendar day
        day = value.date()
    elif isinstance(value, Date):
        day = value
    elif isinstance(value, str):
        match = _DATE_RE.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"date must be YYYY-MM-DD or YYYYMMDD, got {value!r}")
        try:
            day = Date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError as exc:
            raise ValueError(f"date {value!r} is not a calendar date ({exc})") from None
    else:
        raise TypeError(f"date must be a str or datetime.date, got {type(value).__name__}")
    if kind is DataKind.AS_REL and day.day != 1:
        raise ValueError(
            f"date {value!r}: CAIDA AS-relationship snapshots are monthly, dated the 1st "
            f"(did you mean {day.replace(day=1).isoformat()}?)"
        )
    return day


def _check_base_url(base_url: str | None) -> str:
    if base_url is None:
        return DEFAULT_BASE_URL
    parts = urllib.parse.urlsplit(str(base_url))
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"base_url must be an http(s)://host/... URL ending where CAIDA's '/datasets' ends, got {base_url!r}"
        )
    return str(base_url).rstrip("/")


def _check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)
