"""The package's layers import one way: cli → runner / analysis / dashboard / experiments → model → kernels (reach,
routes) → data."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.shared_data import ROOT

# a module may import from its own layer and from layers of a lower rank, never from a higher one
RANK = {
    "sim.arrays": 0,  # array helpers shared by every layer
    "sim.memory": 0,  # memory budgets, checked by every layer that allocates
    "sim.backend": 0,  # numpy or compiled kernels, chosen by every kernel family
    "sim.data": 0,
    "sim.reach": 1,
    "sim.routes": 1,  # a kernel beside reach: it may use reach's plan helpers, never the model
    "sim.model": 2,
    "sim.runner": 3,
    "sim.analysis": 3,
    "sim.dashboard": 4,
    "sim.experiments": 4,
    "sim.cli": 5,
}


def _layer(module: str) -> str | None:
    for name in sorted(RANK, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def _modules() -> dict[Path, str]:
    out = {
        p: "sim." + ".".join(p.relative_to(ROOT / "sim").with_suffix("").parts) for p in (ROOT / "sim").rglob("*.py")
    }
    out.update({p: f"sim.experiments.{p.stem}" for p in (ROOT / "experiments").glob("*.py")})
    return out


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_every_import_goes_down_the_layers():
    upward = []
    for path, module in _modules().items():
        mine = _layer(module)
        if mine is None:  # sim/__init__.py re-exports lazily, by name
            continue
        for name in _imports(path):
            theirs = _layer(name)
            if theirs is not None and RANK[theirs] > RANK[mine]:
                upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_kernel_and_the_data_know_nothing_of_mesa_hydra_or_matplotlib():
    heavy = ("mesa", "hydra", "omegaconf", "matplotlib", "solara")
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, module in _modules().items()
        if _layer(module) in ("sim.data", "sim.reach", "sim.routes", "sim.arrays", "sim.memory")
        for name in _imports(path)
        if name.split(".")[0] in heavy
    ]
    assert not found, "\n".join(found)


def test_the_model_knows_nothing_of_hydra():
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, module in _modules().items()
        if _layer(module) == "sim.model"
        for name in _imports(path)
        if name.split(".")[0] in ("hydra", "omegaconf")
    ]
    assert not found, "\n".join(found)
