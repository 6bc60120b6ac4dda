"""Small hand-written input files."""

from __future__ import annotations

import pytest


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text, compress=None|'bz2'|'gz') -> Path"""
    import bz2
    import gzip

    def _write(name: str, text: str, compress: str | None = None):
        path = tmp_path / name
        data = text.encode()
        if compress == "bz2":
            data = bz2.compress(data)
        elif compress == "gz":
            data = gzip.compress(data)
        path.write_bytes(data)
        return path

    return _write
