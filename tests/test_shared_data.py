"""Under CI=true a missing ../shared/data is a failure, never a skip."""

from __future__ import annotations

import pytest

from tests import shared_data


def test_missing_data_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="real data missing"):
        shared_data.require_shared(tmp_path / "absent.bz2")


def test_missing_data_skips_locally(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="real data missing"):
        shared_data.require_shared(tmp_path / "absent.bz2")


def test_present_data_passes(tmp_path):
    present = tmp_path / "here.txt"
    present.write_text("x")
    assert shared_data.require_shared(present) is None
