"""A griffe extension for the API reference: the few reStructuredText habits of fragsim's docstrings, as Markdown.

The docstrings are read in terminals (``help()``) as much as on the site, so they keep their Sphinx-style roles
(``:class:`~sim.reach.plan.SourceLayout```) and literal-block markers (``rule::``); mkdocstrings renders Markdown,
where both would show as typed. Here a role naming a ``sim`` object becomes a cross-reference (a broken one fails
the strict build; a name re-exported by ``import sim`` points at its definition), any other role becomes inline
code, and a paragraph-ending ``::`` becomes ``:`` (the indented block after it is already a Markdown code block).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")
LITERAL_MARKER = re.compile(r"::\n(?=\s*\n)")


def _defined_at(target: str) -> str:
    """Where a name of ``sim`` is defined: ``sim.load_topology`` is re-exported from ``sim.data.load``."""
    _, _, name = target.partition(".")
    if "." in name:
        return target
    module = getattr(getattr(importlib.import_module("sim"), name, None), "__module__", None)
    return f"{module}.{name}" if module and module.startswith("sim.") else target


def _role(match: re.Match) -> str:
    short, target = match.group(1) == "~", match.group(2).strip()
    label = target.rsplit(".", 1)[-1] if short else target
    if target.startswith("sim."):
        return f"[`{label}`][{_defined_at(target)}]"
    return f"`{label}`"


def to_markdown(text: str) -> str:
    """The docstring with its reST roles and literal-block markers rewritten for Markdown."""
    return LITERAL_MARKER.sub(":\n", ROLE.sub(_role, text))


class RestToMarkdown(griffe.Extension):
    """Rewrite every docstring as it is loaded, before mkdocstrings parses its numpy sections."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
