"""The CAIDA fetcher, offline: a local HTTP server on 127.0.0.1 lays files out as CAIDA publishes them."""

from __future__ import annotations

import bz2
import functools
import gzip
import hashlib
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sim.data.fetch import (
    DEFAULT_BASE_URL,
    DataKind,
    FetchError,
    FetchRequest,
    FetchStatus,
    VerificationError,
    fetch,
    fetch_many,
    source_url,
)

AS_REL1 = b"# input clique: 1 2\n1|2|0\n1|3|-1\n2|4|-1\n"
AS_REL2 = b"# input clique: 1 2\n1|2|0|bgp\n1|3|-1|bgp\n2|4|-1|mlp\n"
AS_ORG = (
    b"# format:org_id|changed|org_name|country|source\nORG-1|20240101|Example Net|DE|RIPE\n"
    b"# format:aut|changed|aut_name|org_id|opaque_id|source\n1|20240101|EX-NET|ORG-1||RIPE\n"
)

# (kind, serial, path below /datasets, compressed bytes)
FILES = {
    "serial-1": ("as-rel", 1, "as-relationships/serial-1/20240101.as-rel.txt.bz2", bz2.compress(AS_REL1)),
    "serial-2": ("as-rel", 2, "as-relationships/serial-2/20240101.as-rel2.txt.bz2", bz2.compress(AS_REL2)),
    "as-org": ("as-org", 1, "as-organizations/20240101.as-org2info.txt.gz", gzip.compress(AS_ORG)),
}


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Make any attempt to leave 127.0.0.1 fail loudly, so no test can reach CAIDA by mistake."""
    real_connect = socket.create_connection

    def connect(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to reach {address}")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the publisher folder, records every path asked for, and can lie about Content-Length."""

    def do_GET(self):
        self.server.paths.append(self.path)
        super().do_GET()

    def send_header(self, keyword, value):
        if keyword == "Content-Length" and self.path in self.server.short_paths:
            value = str(int(value) + 100)  # promise more than is sent, then close: a dropped connection
        super().send_header(keyword, value)

    def log_message(self, *args):
        pass


class Publisher:
    def __init__(self, root: Path, server: ThreadingHTTPServer) -> None:
        self.root, self.server = root, server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/caida/datasets"

    def put(self, relpath: str, data: bytes) -> str:
        """Publish ``data`` at ``relpath`` below /datasets; return the URL path the client will request."""
        path = self.root / "caida" / "datasets" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return f"/caida/datasets/{relpath}"

    @property
    def paths(self) -> list[str]:
        return self.server.paths


@pytest.fixture
def publisher(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    server.paths, server.short_paths = [], set()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield Publisher(root, server)
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "data"


def _listing(folder: Path) -> list[str]:
    """Every entry, hidden .part files included; [] if the folder was never created."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("name", list(FILES))
def test_fetch_downloads_verifies_and_hashes(publisher, dest, name):
    kind, serial, relpath, data = FILES[name]
    url_path = publisher.put(relpath, data)
    digest = hashlib.sha256(data).hexdigest()
    result = fetch(kind, "2024-01-01", dest, serial=serial, base_url=publisher.base_url, sha256=digest)
    assert result.status is FetchStatus.DOWNLOADED
    assert result.url == publisher.base_url + "/" + relpath
    assert result.path == dest / relpath.rsplit("/", 1)[1]
    assert result.path.read_bytes() == data  # stored as published, still compressed
    assert (result.sha256, result.n_bytes) == (digest, len(data))
    assert _listing(dest) == [result.path.name]  # no temp file left beside it
    assert publisher.paths == [url_path]


def test_present_file_is_skipped_without_asking_the_server(publisher, dest):
    kind, serial, relpath, data = FILES["serial-2"]
    publisher.put(relpath, data)
    first = fetch(kind, "20240101", dest, serial=serial, base_url=publisher.base_url)
    second = fetch(kind, "20240101", dest, serial=serial, base_url=publisher.base_url)
    assert (first.status, second.status) == (FetchStatus.DOWNLOADED, FetchStatus.SKIPPED)
    assert second.sha256 == first.sha256 == hashlib.sha256(data).hexdigest()
    assert len(publisher.paths) == 1


def test_corrupt_present_file_is_neither_skipped_nor_overwritten_unless_forced(publisher, dest):
    kind, serial, relpath, data = FILES["serial-1"]
    publisher.put(relpath, data)
    dest.mkdir()
    stale = dest / "20240101.as-rel.txt.bz2"
    stale.write_bytes(data[: len(data) // 2])
    with pytest.raises(FetchError, match="force=True") as info:
        fetch(kind, "2024-01-01", dest, base_url=publisher.base_url)
    assert str(stale) in str(info.value)
    assert stale.read_bytes() == data[: len(data) // 2] and publisher.paths == []
    result = fetch(kind, "2024-01-01", dest, base_url=publisher.base_url, force=True)
    assert result.status is FetchStatus.DOWNLOADED and stale.read_bytes() == data


def test_failed_forced_download_keeps_the_old_file(publisher, dest):
    kind, serial, relpath, data = FILES["serial-1"]
    publisher.put(relpath, data)
    fetch(kind, "2024-01-01", dest, base_url=publisher.base_url)
    publisher.put(relpath, data[:-20])  # the publisher now serves a broken copy
    with pytest.raises(VerificationError):
        fetch(kind, "2024-01-01", dest, base_url=publisher.base_url, force=True)
    assert (dest / "20240101.as-rel.txt.bz2").read_bytes() == data
    assert _listing(dest) == ["20240101.as-rel.txt.bz2"]


def test_http_404_names_url_and_status_and_leaves_nothing(publisher, dest):
    url = source_url("as-rel", "2030-01-01", serial=2, base_url=publisher.base_url)
    with pytest.raises(FetchError) as info:
        fetch("as-rel", "2030-01-01", dest, serial=2, base_url=publisher.base_url)
    assert not isinstance(info.value, VerificationError)
    assert "HTTP 404" in str(info.value) and url in str(info.value) and info.value.url == url
    assert _listing(dest) == []


def test_truncated_bz2_fails_verification_and_leaves_nothing(publisher, dest):
    kind, serial, relpath, data = FILES["serial-1"]
    publisher.put(relpath, data[: len(data) - 10])
    with pytest.raises(VerificationError, match="not a complete bzip2 file") as info:
        fetch(kind, "2024-01-01", dest, base_url=publisher.base_url)
    assert publisher.base_url + "/" + relpath in str(info.value)
    assert _listing(dest) == []


def test_body_shorter_than_content_length_fails_and_leaves_nothing(publisher, dest):
    kind, serial, relpath, data = FILES["as-org"]
    publisher.server.short_paths.add(publisher.put(relpath, data))
    with pytest.raises(FetchError, match=f"ended after {len(data)} of {len(data) + 100} bytes"):
        fetch(kind, "2024-01-01", dest, base_url=publisher.base_url)
    assert _listing(dest) == []


def test_sha256_mismatch_fails_and_leaves_nothing(publisher, dest):
    kind, serial, relpath, data = FILES["as-org"]
    publisher.put(relpath, data)
    wrong = "0" * 64
    with pytest.raises(VerificationError, match=f"sha256 is {hashlib.sha256(data).hexdigest()}, expected {wrong}"):
        fetch(kind, "2024-01-01", dest, base_url=publisher.base_url, sha256=wrong.upper())
    assert _listing(dest) == []


@pytest.mark.parametrize(
    ("name", "served", "message"),
    [
        ("serial-1", bz2.compress(AS_REL2), r"serial-1 as-rel file: line 2 is b'1\|2\|0\|bgp\\n'"),
        ("serial-2", bz2.compress(b"# comments only\n"), "serial-2 as-rel file: no relationship lines"),
        ("serial-1", bz2.compress(b"1|2|1\n"), "line 1 .* with rel -1 or 0"),
        (
            "as-org",
            gzip.compress(AS_ORG.replace(b"# format:aut|", b"# aut|")),
            r"missing section header '# format:aut\|'",
        ),
        ("as-org", b"<html>Not Found</html>", "not a complete gzip file"),  # an error page sent with status 200
    ],
)
def test_content_of_the_wrong_kind_fails_verification(publisher, dest, name, served, message):
    kind, serial, relpath, _ = FILES[name]
    publisher.put(relpath, served)
    with pytest.raises(VerificationError, match=message):
        fetch(kind, "2024-01-01", dest, serial=serial, base_url=publisher.base_url)
    assert _listing(dest) == []


def test_fetch_many_keeps_completed_files_when_one_fails(publisher, dest):
    for _kind, _serial, relpath, data in FILES.values():
        publisher.put(relpath, data)
    requests = [
        FetchRequest("as-rel", "2024-01-01", 1),
        FetchRequest("as-rel", "2023-12-01", 1),
        FetchRequest(DataKind.AS_ORG, "2024-01-01"),
    ]
    results = fetch_many(requests, dest, base_url=publisher.base_url)
    assert [r.status for r in results] == [FetchStatus.DOWNLOADED, FetchStatus.FAILED, FetchStatus.DOWNLOADED]
    assert "HTTP 404" in results[1].error and results[1].url in results[1].error
    assert _listing(dest) == ["20240101.as-org2info.txt.gz", "20240101.as-rel.txt.bz2"]
    assert results[0].path.read_bytes() == FILES["serial-1"][3]


def test_progress_reports_bytes_received(publisher, dest):
    kind, serial, relpath, data = FILES["serial-1"]
    publisher.put(relpath, data)
    calls = []
    fetch(kind, "2024-01-01", dest, base_url=publisher.base_url, progress=lambda *args: calls.append(args))
    assert calls[-1] == (publisher.base_url + "/" + relpath, len(data), len(data))


def test_source_url_follows_caida_layout_and_base_url_replaces_up_to_datasets():
    assert DEFAULT_BASE_URL == "https://publicdata.caida.org/datasets"
    assert source_url("as-rel", "2016-11-01") == (
        "https://publicdata.caida.org/datasets/as-relationships/serial-1/20161101.as-rel.txt.bz2"
    )
    assert source_url("as-rel", "20240101", serial=2, base_url="http://mirror.test/pub/datasets/") == (
        "http://mirror.test/pub/datasets/as-relationships/serial-2/20240101.as-rel2.txt.bz2"
    )
    # organisation snapshots follow WHOIS dumps, so any calendar day is accepted for them
    assert source_url("as-org", "2024-01-15").endswith("/datasets/as-organizations/20240115.as-org2info.txt.gz")


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-01-15", r"monthly, dated the 1st \(did you mean 2024-01-01\?\)"),
        ("2024-13-01", "not a calendar date"),
        ("2024-0101", "YYYY-MM-DD or YYYYMMDD"),
        ("24-01-01", "YYYY-MM-DD or YYYYMMDD"),
        ("", "YYYY-MM-DD or YYYYMMDD"),
    ],
)
def test_bad_date_is_a_value_error_before_any_request(publisher, dest, date, message):
    with pytest.raises(ValueError, match=message):
        fetch("as-rel", date, dest, base_url=publisher.base_url)
    assert publisher.paths == [] and not dest.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "as-foo"}, "kind must be one of"),
        ({"serial": 3}, "serial must be 1 or 2"),
        ({"kind": "as-org", "serial": 2}, "serial applies only to kind 'as-rel'"),
        ({"sha256": "abc"}, "sha256 must be 64 hex digits"),
        ({"base_url": "ftp://mirror.test/datasets"}, "base_url must be an http"),
        ({"timeout": 0}, "timeout must be a positive number"),
    ],
)
def test_bad_arguments_name_themselves(dest, kwargs, message):
    args = {"kind": "as-rel", "date": "2024-01-01", "dest_dir": dest} | kwargs
    with pytest.raises(ValueError, match=message):
        fetch(**args)
    assert not dest.exists()


def test_fetch_many_rejects_non_requests_before_downloading(publisher, dest):
    with pytest.raises(TypeError, match=r"requests\[1\] must be a FetchRequest"):
        fetch_many([FetchRequest("as-rel", "2024-01-01"), ("as-rel", "2024-01-01")], dest, base_url=publisher.base_url)
    assert publisher.paths == []


def test_cli_fetch_downloads_then_skips_and_loads(publisher, dest, capsys):
    from sim.cli.data import main as data_cli

    kind, serial, relpath, data = FILES["serial-1"]
    publisher.put(relpath, data)
    argv = ["fetch", "--date", "2024-01-01", "--dest", str(dest), "--base-url", publisher.base_url]
    assert data_cli(argv) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith("downloaded") and out[-2].startswith("output: ") and out[-1].startswith("next:   ")
    assert "fragsim topology=caida topology.path=" in out[-1]
    name = "20240101.as-rel.txt.bz2"  # the download's progress: a log line (stderr is not a terminal here)
    assert f"fragsim-data: {name} " in captured.err and "MB (100%)" in captured.err and "elapsed" in captured.err
    assert data_cli(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("skipped")
    assert len(publisher.paths) == 1
    # what the fetcher wrote is what the loader reads
    assert data_cli(["info", "--topology", str(dest / "20240101.as-rel.txt.bz2"), "--json"]) == 0
    assert '"n_ases": 4' in capsys.readouterr().out


def test_cli_fetch_404_exits_nonzero_with_url(publisher, dest, capsys):
    from sim.cli.data import main as data_cli

    rc = data_cli(["fetch", "--date", "2024-02-01", "--dest", str(dest), "--base-url", publisher.base_url])
    assert rc == 1
    assert "404" in capsys.readouterr().out and _listing(dest) == []
