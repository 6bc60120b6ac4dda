"""The registry of coordination mechanisms by name, filled by discovering the modules of this package.

A new mechanism is one module here (a class registered with :func:`register`) plus one
``configs/mechanism/NAME.yaml``; nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping

from sim.model.mechanisms.base import CoordinationMechanism

_REGISTRY: dict[str, type[CoordinationMechanism]] = {}
_NOT_PLUGINS = {"base", "registry"}
_discovered = False


def register(name: str) -> Callable[[type[CoordinationMechanism]], type[CoordinationMechanism]]:
    """Class decorator: register a :class:`CoordinationMechanism` subclass under ``name`` (e.g. ``"m5"``).

    Raises
    ------
    ValueError
        If ``name`` is not a lower-case identifier or is taken.
    TypeError
        If the class is not a :class:`CoordinationMechanism`.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"name: a mechanism name is a lower-case identifier, got {name!r}")

    def decorate(cls: type[CoordinationMechanism]) -> type[CoordinationMechanism]:
        if not (isinstance(cls, type) and issubclass(cls, CoordinationMechanism)):
            raise TypeError(f"{cls!r} is not a CoordinationMechanism subclass")
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"name: mechanism {name!r} is already registered ({_REGISTRY[name].__qualname__})")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def unregister(name: str) -> None:
    """Remove a mechanism from the registry (a test's own mechanism, once the test is done)."""
    _discover()
    if _REGISTRY.pop(name, None) is None:
        raise ValueError(f"name: no mechanism {name!r} is registered")


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _NOT_PLUGINS and not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")


def mechanism_names() -> list[str]:
    """The registered mechanisms' names, sorted."""
    _discover()
    return sorted(_REGISTRY)


def mechanism_class(name: str) -> type[CoordinationMechanism]:
    """The mechanism registered as ``name``; ``ValueError`` naming ``mechanisms`` if there is none."""
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"mechanisms must be among {mechanism_names()}, got {name!r}") from None


def instantiate(names) -> list[CoordinationMechanism]:
    """One fresh instance of each named mechanism, in the order their hooks are called."""
    classes = [mechanism_class(n) for n in names]
    return [cls() for cls in sorted(classes, key=lambda c: (c.order, c.name))]


class Labels(Mapping):
    """Read-only view ``name -> label`` of the registered mechanisms (a :class:`~sim.model.config.Mechanism`
    member works as a key: it is its name)."""

    def __getitem__(self, name: str) -> str:
        _discover()
        return _REGISTRY[name].label

    def __iter__(self) -> Iterator[str]:
        return iter(mechanism_names())

    def __len__(self) -> int:
        return len(mechanism_names())
