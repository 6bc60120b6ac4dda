"""Pages generated at build time (mkdocs-gen-files), so that they follow the code instead of copying it.

- ``reference/``: the Python API, one page per package of ``sim`` (its modules rendered by mkdocstrings from their
  docstrings), found by walking the installed package: a new module, such as a mechanism or regulation plugin,
  appears without editing the docs. ``reference/SUMMARY.md`` is the section's navigation (mkdocs-literate-nav).
- ``cli.md``: every console script of ``pyproject.toml`` and its subcommands, with the ``--help`` each prints.
- ``results/``: the reference figures and tables of ``results/``, mirrored into the site (not into the repository)
  so the experiments page can show them.

A command that fails, or a module that cannot be found, stops the build.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
# packages walked for the API reference; sim.experiments lives in experiments/ (a package-dir mapping), so an
# editable install does not list it under sim.__path__ and it is walked on its own
ROOT_PACKAGES = ("sim", "sim.experiments")
# the console scripts' modules are documented by what they print (cli.md), not as an API
CLI_PACKAGE = "sim.cli"
PACKAGE_TITLES = {
    "sim.data": "Data: topology, loaders, synthetic Internet",
    "sim.reach": "Reachability kernel",
    "sim.routes": "Routes kernel",
    "sim.model": "Model: states, operators, metrics",
    "sim.model.mechanisms": "Coordination mechanisms",
    "sim.model.regulations": "Regulations",
    "sim.runner": "Runner: configuration and run folders",
    "sim.analysis": "Analysis: run tables and figures",
    "sim.dashboard": "Dashboard",
    "sim.experiments": "Experiments",
}


def walk_modules() -> dict[str, list[str]]:
    """Map every public package below ``sim`` to its public plain modules, in name order."""
    packages: dict[str, list[str]] = {}
    for root in ROOT_PACKAGES:
        package = importlib.import_module(root)
        packages.setdefault(root, [])
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            if any(part.startswith("_") for part in info.name.split(".")) or info.name.startswith(CLI_PACKAGE):
                continue
            if info.ispkg:
                packages.setdefault(info.name, [])
            else:
                packages.setdefault(info.name.rpartition(".")[0], []).append(info.name)
    return {name: sorted(mods) for name, mods in sorted(packages.items())}


def defining_module(name: str, modules: list[str]) -> str:
    """The module that defines (not imports) a public name of ``sim``."""
    obj = getattr(importlib.import_module("sim"), name)
    if isinstance(obj, ModuleType):  # a callable package (sim.routes): the function of the same name it wraps
        obj = getattr(obj, name)
    module = getattr(obj, "__module__", None)
    if module and module.startswith("sim."):
        return module
    for mod in modules:  # constants have no __module__: find the module assigning the name at top level
        tree = ast.parse(Path(importlib.import_module(mod).__file__).read_text())
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return mod
    raise LookupError(f"sim.{name}: no module of sim defines it")


def source_identifier(module: str) -> str:
    """The dotted path of a module's source file under the repository root, which mkdocstrings loads.

    It is the import name, except for ``sim.experiments``: the folder ``experiments/`` (a package-dir mapping),
    which the documentation loader cannot find under ``sim/`` and loads as ``experiments``.
    """
    source = Path(importlib.import_module(module).__file__).resolve().relative_to(ROOT).with_suffix("")
    return ".".join(source.parts).removesuffix(".__init__")


def render(module: str, **options: str) -> str:
    """The mkdocstrings block of a module, headed with its import name."""
    identifier = source_identifier(module)
    if identifier != module:
        options = {"heading": f'"{module}"', "toc_label": f'"{module}"', **options}
    lines = [f"\n::: {identifier}"] + (["    options:"] if options else [])
    lines += [f"      {key}: {value}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def write_reference(packages: dict[str, list[str]]) -> None:
    """One page per package, an index of the names ``import sim`` exports, and the section's navigation."""
    nav = mkdocs_gen_files.Nav()
    nav["Overview"] = "index.md"
    pages = {}
    for package, modules in packages.items():
        if package == "sim":  # its docstring and public names are the index page
            continue
        pages[package] = package.removeprefix("sim.").replace(".", "/") + ".md"
        nav[PACKAGE_TITLES.get(package, package)] = pages[package]
        with mkdocs_gen_files.open(f"reference/{pages[package]}", "w") as fh:
            fh.write(f"# `{package}`\n" + render(package, members="false", show_root_heading="false"))
            fh.writelines(render(mod) for mod in modules)
    write_index(pages, [m for mods in packages.values() for m in mods], packages.get("sim", []))
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as fh:
        fh.writelines(nav.build_literate_nav())


def write_index(pages: dict[str, str], modules: list[str], top_level: list[str]) -> None:
    """The reference's first page: the package docstring, the names ``import sim`` exports, the packages, and the
    modules directly in ``sim``."""
    sim = importlib.import_module("sim")
    rows = []
    for name in sim.__all__:
        if not name.startswith("__"):
            mod = defining_module(name, modules)
            rows.append(f"| [`sim.{name}`][{mod}.{name}] | `{mod}` |")
    with mkdocs_gen_files.open("reference/index.md", "w") as fh:
        fh.write("# Python API\n" + render("sim", members="false", show_root_heading="false"))
        fh.write("\n## Names exported by `import sim`\n\n| name | defined in |\n| --- | --- |\n")
        fh.write("\n".join(rows) + "\n\n## Packages\n\n")
        fh.writelines(f"- [`{pkg}`]({page}): {PACKAGE_TITLES.get(pkg, '')}\n" for pkg, page in pages.items())
        if top_level:
            fh.write("\n## Modules directly in `sim`\n")
            fh.writelines(render(mod) for mod in top_level)


def help_text(command: list[str]) -> str:
    """What ``COMMAND --help`` prints; an error when it fails."""
    env = dict(os.environ, COLUMNS="100")
    done = subprocess.run(command + ["--help"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} --help exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout.rstrip()


def write_cli() -> None:
    """The CLI reference: each console script's help and, for argparse subcommands, each subcommand's."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    bin_dir = str(Path(sys.executable).parent)
    with mkdocs_gen_files.open("cli.md", "w") as fh:
        fh.write(
            "# Command-line reference\n\nGenerated when the site is built: what each installed command prints "
            "for `--help`. The commands and what they are for are described on the other pages.\n"
        )
        for name, target in scripts.items():
            exe = shutil.which(name, path=bin_dir) or shutil.which(name)
            if exe is None:
                raise FileNotFoundError(f"console script {name} ({target}) is not installed: pip install -e .")
            text = help_text([exe])
            fh.write(f"\n## `{name}`\n\nEntry point: `{target}`.\n\n```text\n{text}\n```\n")
            usage = re.match(r"usage: \S+ .*?\{([\w,-]+)\} \.\.\.", text, re.S)
            for sub in usage.group(1).split(",") if usage else []:
                fh.write(f"\n### `{name} {sub}`\n\n```text\n{help_text([exe, sub])}\n```\n")


def mirror_results() -> None:
    """Copy the reference figures (PNG) and tables (CSV) of ``results/`` into the built site."""
    for path in sorted((ROOT / "results").glob("*/*")):
        if path.suffix in (".png", ".csv") and path.parent.name != "synthetic":
            with mkdocs_gen_files.open(f"results/{path.parent.name}/{path.name}", "wb") as fh:
                fh.write(path.read_bytes())


write_reference(walk_modules())
write_cli()
mirror_results()
