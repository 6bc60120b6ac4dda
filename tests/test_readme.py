"""The README's promises: two quick-start commands, the test command CI runs, and a Python example that works."""

from __future__ import annotations

import re

import pytest

from tests.shared_data import AS_COUNTRY, AS_REL_2016, ROOT, STATE_OWNED, require_shared

README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_and_ci_runs_the_readme_test_command():
    block = re.search(r"## Quick start\n.*?```bash\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    install_test = block[1]
    test_command = install_test.split("&&", 1)[1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci and "pip install -e '.[test]'" in ci


@pytest.mark.integration
@pytest.mark.real_data
def test_python_api_example_runs():
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    code = re.search(r"## Python API\n\n```python\n(.*?)```", README, re.S).group(1)
    code = code.replace("../shared/data", str(AS_REL_2016.parents[1]))
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["r"].n_pairs() == 3_083_229_408
    assert scope["cut"].n_pairs() < scope["r"].n_pairs()
    assert 0 < scope["s"].reach_frac_stderr() < 0.01
