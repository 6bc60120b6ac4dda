"""Memory budgets (sim.memory): the budget a request is held to, and the one error for a request over it."""

from __future__ import annotations

import pytest

from sim.memory import (
    DEFAULT_MEMORY_BUDGET,
    ENV_VAR,
    MemoryBudgetError,
    check_budget,
    kernel_budget,
    memory_budget,
    parse_bytes,
)


@pytest.mark.parametrize(
    "text, n_bytes",
    [("8GiB", 8 << 30), ("8G", 8 << 30), ("512MiB", 512 << 20), ("1.5g", 3 << 29), ("100", 100), (" 2 kB ", 2048)],
)
def test_budget_sizes_parse(text, n_bytes):
    assert parse_bytes(text) == n_bytes


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0", "8 GB more", "nan"])
def test_bad_budget_size_names_the_variable(text):
    with pytest.raises(ValueError, match=ENV_VAR):
        parse_bytes(text)


def test_the_variable_sets_the_budget_and_the_kernels_take_at_most_4_gib(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1GiB")
    assert memory_budget() == kernel_budget() == 1 << 30
    monkeypatch.setenv(ENV_VAR, "64GiB")
    assert memory_budget() == 64 << 30 and kernel_budget() == DEFAULT_MEMORY_BUDGET


def test_without_the_variable_the_budget_is_what_the_machine_has(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert 0 < memory_budget() < 1 << 50  # measured (MemAvailable, cgroup, ulimit -v), never unbounded
    assert kernel_budget() <= DEFAULT_MEMORY_BUDGET


def test_over_budget_is_both_a_memory_error_and_a_value_error_with_estimate_and_budget(monkeypatch):
    with pytest.raises(MemoryBudgetError) as err:
        check_budget("a request", 3 << 30, 1 << 30, "ask for less")
    assert isinstance(err.value, MemoryError) and isinstance(err.value, ValueError)
    assert str(err.value) == (
        "a request needs about 3.00 GiB, over the memory budget of 1.00 GiB (memory_budget): ask for less"
    )
    monkeypatch.setenv(ENV_VAR, "2GiB")
    with pytest.raises(MemoryBudgetError, match=rf"budget of 2.00 GiB \(\${ENV_VAR}\)"):
        check_budget("another", 3 << 30)
    check_budget("a small one", 1 << 30)  # within: nothing happens
