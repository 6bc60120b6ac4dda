"""Small hand-written input files, and console scripts found beside the interpreter that runs the tests."""

from __future__ import annotations

import os
import sysconfig

import pytest


@pytest.fixture(scope="session", autouse=True)
def interpreter_scripts_first_on_path():
    """Put this interpreter's scripts folder first on PATH, as an activated virtual environment does, so that the
    commands tests start (``fragsim``, ``fragsim-report``, ...) are this checkout's even when pytest runs as
    ``venv/bin/python -m pytest`` without activating the environment."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), old])
    yield
    os.environ["PATH"] = old


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
