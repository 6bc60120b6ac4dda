"""The command line's overrides checked against the run schema before Hydra composes them.

Hydra accepts a key it cannot place in three ways: ``scenario.stesp=3`` is refused with advice to add it with
``+`` (which the schema then refuses), ``+key=``/``++key=`` add it, and ``~scenario`` removes a config group so
that the run silently takes the schema's defaults instead of a scenario. Each is one message here, naming the key:
an unknown key (with the closest known keys), a key that cannot be removed, an override Hydra cannot read.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable

from sim.runner.groups import config_groups, group_options
from sim.runner.schema import ConfigError, RunConfig

#: first parts of override keys that are not run keys: Hydra's own settings, the experiment group (overrides only)
NOT_RUN_KEYS = ("hydra", "experiment")
GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def _unwrap(hint):
    """The type inside ``X | None``; a container's element type comes from :func:`_element`."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return hint


def _fields(cls) -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    return {f.name: _unwrap(hints[f.name]) for f in dataclasses.fields(cls)}


def _place(key: str) -> tuple[str, str | None, object]:
    """Where the dotted ``key`` lands in the run schema (:class:`RunConfig`): ``("field", None)`` on a field of
    one of its dataclasses, ``("entry", None)`` inside a mapping or list (``scenario.blocs.EU``, ``analysis.x``,
    ``scenario.imposed.0``: any name is a place there, but an item of a typed list has its type's fields,
    ``scenario.imposed.0.stpe`` is unknown), ``("unknown", message)`` elsewhere; the third item is the type
    the schema gives the place."""
    cls, done, parts = RunConfig, [], key.split(".")
    while parts:
        if not dataclasses.is_dataclass(cls):
            return "entry", None, cls
        part = parts.pop(0)
        fields = _fields(cls)
        if part not in fields:
            where = ".".join(done)
            close = difflib.get_close_matches(part, fields, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr('.'.join([*done, c])) for c in close)}?)" if close else ""
            owner = repr(where) if where else "the run configuration"
            message = f"unknown key {key!r}: {owner} has no key {part!r}{hint}; `fragsim --cfg job` lists every key"
            return "unknown", message, None
        done.append(part)
        cls = fields[part]
        origin = typing.get_origin(cls)
        if origin in (list, tuple) and parts:
            done.append(parts.pop(0))  # an index: Hydra says whether it is one and in range
            cls = typing.get_args(cls)[0]
            if not parts:
                return "entry", None, cls
        elif origin is not None and parts:
            return "entry", None, None
    return "field", None, cls


def unknown_key(key: str) -> str | None:
    """Why the dotted ``key`` is not a key of the run configuration, or None when it is (see :func:`_place`)."""
    return _place(key)[1]


def _is_run_key(key: str) -> bool:
    return "/" not in key and "@" not in key and key.split(".", 1)[0] not in NOT_RUN_KEYS


def check_overrides(parsed: Iterable) -> None:
    """Refuse the overrides (Hydra's parsed ``Override`` objects) that would place a value outside the schema
    or remove a key every run needs.

    Raises
    ------
    ConfigError
        ``unknown key 'scenario.stesp': 'scenario' has no key 'stesp' (did you mean 'scenario.steps'?)`` for any
        of ``key=``, ``+key=``, ``++key=``, ``~key``; ``'scenario' cannot be removed (~scenario)`` for the deletion
        of a run key or config group (an entry of a mapping or list, ``~scenario.blocs.EU``, may be removed).
    """
    groups = config_groups()
    for o in parsed:
        key = o.key_or_group
        if key in groups and key != "hydra":
            _check_group_choice(o, key)
        if not _is_run_key(key):
            continue
        place, problem, kind = _place(key)
        if problem:
            raise ConfigError(problem)
        # OmegaConf reads any integer as a boolean (2 is true) and "yes"/"on" too: only true and false are one
        value = None if o.is_delete() or o.is_sweep_override() else o.value()
        if kind is bool and value is not None and not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}")
        # a text key given 1.10 or true would hold "1.1" or "True": the text typed must not change silently
        if kind is str and isinstance(value, (float, bool)):
            raise ConfigError(
                f"{key} is text, but {o.input_line.split('=', 1)[1]!r} reads as {type(value).__name__} {value!r}: "
                f"quote it to keep the text ({key}='...')"
            )
        if o.is_delete() and place == "field":
            raise ConfigError(
                f"{key!r} cannot be removed (~{key}): every run has it; set it instead ({key}=...); "
                "`fragsim --help` lists the options"
            )


def _check_group_choice(o, group: str) -> None:
    """An option of a config group must be one of its files: Hydra would look for any other name as a file (a
    300-character name fails with "file name too long", ``../x`` reads a file outside the configuration)."""
    if o.is_delete():
        return  # check_overrides refuses the removal of a run group; an experiment may be removed
    value = o.value()
    values = value.list if hasattr(value, "list") else [value]
    options = group_options(group)
    for v in values:
        if v is None and group == "experiment":
            continue
        if not (isinstance(v, str) and v in options):
            shown = v if isinstance(v, str) and v.isprintable() else repr(v)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ConfigError(f"{group}={shown}: no such {group}; the options are {', '.join(options)}")


def parse_error(exc: Exception) -> str:
    """Hydra's grammar error for an override it cannot read (an ``OverrideParseException``), as one line with
    the way out."""
    override = getattr(exc, "override", None)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    reason = "" if first.startswith("LexerNoViableAltException") else f" ({first})"
    return (
        f"cannot read the override {override!r}{reason}: write KEY=VALUE, and quote a value with spaces, "
        f"non-ASCII or other special characters (KEY='...'); see {GRAMMAR}"
    )
