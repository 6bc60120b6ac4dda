"""The README's promises: two quick-start commands, the test command CI runs, links that lead somewhere, and the
Python example of the documentation (moved there from the README) works."""

from __future__ import annotations

import re

import pytest

from tests.shared_data import AS_COUNTRY, AS_REL_2016, ROOT, STATE_OWNED, require_shared

README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_and_ci_runs_the_readme_test_command():
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    install, test_command = (part.strip() for part in block[1].split("&&", 1))
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci and install in ci


def test_readme_links_lead_to_files_of_the_repository():
    targets = re.findall(r"\]\(([^)#]+)\)", README)
    local = [t for t in targets if "://" not in t]
    assert "docs/dashboard.png" in local and "docs/getting-started.md" in local
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


@pytest.mark.integration
@pytest.mark.real_data
def test_python_api_example_runs(monkeypatch):
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    page = (ROOT / "docs" / "getting-started.md").read_text()
    code = re.search(r"## Python API\n.*?```python\n(.*?)```", page, re.S).group(1)
    monkeypatch.setenv("FRAGSIM_DATA", str(AS_REL_2016.parents[1]))
    scope: dict = {}
    exec(compile(code, "docs/getting-started.md", "exec"), scope)
    assert scope["r"].n_pairs() == 3_083_229_408
    assert scope["cut"].n_pairs() < scope["r"].n_pairs()
    assert 0 < scope["s"].reach_frac_stderr() < 0.01
