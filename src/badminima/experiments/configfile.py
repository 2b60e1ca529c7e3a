"""TOML experiment configs as frozen dataclasses, validated on load.

An experiment config is a frozen dataclass; its TOML tables are nested dataclasses. Loading
checks every key against the dataclass fields and their annotations, so an unknown key, a
missing key or a wrong type is reported with the key's full name and the expected type::

    config.toml: [model] key 'widths' must be a list of int, got str ('512')

Supported annotations: ``int``, ``float`` (an int is accepted), ``str``, ``bool``,
``tuple[T, ...]`` (a TOML array), ``Literal[...]``, ``X | None`` (key may be omitted when the
field has a default), ``dict[str, T]`` and nested dataclasses. Fields with defaults are optional.
A dataclass may validate values further in ``__post_init__`` by raising
:class:`~badminima.errors.BadminimaError`; the message is prefixed with the file and table.
A class attribute ``moved_keys`` (``{old key: what replaced it}``) turns a key of an earlier
schema into an error that says what to write instead.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

from badminima.errors import BadminimaError, ConfigError
from badminima.experiments.keys import run_key
from badminima.experiments.packaged_configs import resolve_config

T = TypeVar("T")

_TYPE_NAMES = {int: "int", float: "float", str: "str", bool: "bool"}


def read_toml(path_or_name: str | Path) -> tuple[Path, dict[str, Any]]:
    """The resolved path and parsed content of a config file or packaged config name."""
    path = resolve_config(path_or_name)
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_toml_config(path: str | Path, cls: type[T]) -> T:
    """Read the TOML file at ``path`` (or the packaged config of that name) and build ``cls``."""
    path, data = read_toml(path)
    return config_from_dict(data, cls, where=str(path))


def config_from_dict(data: dict[str, Any], cls: type[T], where: str = "config", table: str = "") -> T:
    """Build the dataclass ``cls`` from a mapping, validating keys and types."""
    label = f"{where}: [{table}]" if table else f"{where}:"
    if not isinstance(data, dict):
        raise ConfigError(f"{label} expected a table, got {_type_name(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    moved = getattr(cls, "moved_keys", {})
    for key in unknown:
        if key in moved:
            raise ConfigError(f"{label} key {key!r} is no longer read: {moved[key]} (docs/configs.md)")
    if unknown:
        raise ConfigError(f"{label} unknown key {unknown[0]!r}; allowed keys: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{label} missing required key {name!r} ({_describe(hints[name])})")
            continue
        sub_table = f"{table}.{name}" if table else name
        kwargs[name] = _convert(data[name], hints[name], where, table, name, sub_table)
    try:
        return cls(**kwargs)
    except BadminimaError as exc:
        raise ConfigError(f"{label} {exc}") from exc


def _convert(value, annotation, where, table, key, sub_table):
    if dataclasses.is_dataclass(annotation):
        return config_from_dict(value, annotation, where, sub_table)
    nested = [a for a in typing.get_args(annotation) if dataclasses.is_dataclass(a)]
    if isinstance(value, dict) and len(nested) == 1:  # an optional table: `Table | None`
        return config_from_dict(value, nested[0], where, sub_table)
    if _accepts(value, annotation):
        return _normalize(value, annotation)
    label = f"{where}: [{table}]" if table else f"{where}:"
    raise ConfigError(f"{label} key {key!r} must be {_describe(annotation)}, "
                      f"got {_type_name(value)} ({value!r})")


def _accepts(value, annotation) -> bool:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return True
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation in (str, bool):
        return isinstance(value, annotation)
    if annotation is type(None):
        return value is None
    if origin is Literal:
        return value in args
    if origin in (Union, types.UnionType):
        return any(_accepts(value, arg) for arg in args)
    if origin in (tuple, list):
        if not isinstance(value, list):
            return False
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return len(value) == len(args) and all(map(_accepts, value, args))
        return all(_accepts(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _accepts(k, args[0]) and _accepts(v, args[1]) for k, v in value.items())
    if dataclasses.is_dataclass(annotation):
        return isinstance(value, dict)
    raise TypeError(f"unsupported config annotation {annotation!r}")


def _normalize(value, annotation):
    """Arrays become tuples (frozen dataclasses stay hashable); ints become floats for float."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is float:
        return float(value)
    if origin in (Union, types.UnionType):
        for arg in args:
            if _accepts(value, arg):
                return _normalize(value, arg)
    if origin in (tuple, list):
        item_types = [args[0]] * len(value) if (len(args) == 2 and args[1] is Ellipsis) or origin is list else args
        return tuple(_normalize(v, t) for v, t in zip(value, item_types))
    if origin is dict:
        return {k: _normalize(v, args[1]) for k, v in value.items()}
    return value


def _describe(annotation) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _TYPE_NAMES:
        return f"a {_TYPE_NAMES[annotation]}" if annotation is not int else "an int"
    if origin is Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin in (tuple, list):
        return f"a list of {_describe(args[0]).split(' ', 1)[-1]}"
    if origin is dict:
        return f"a table of {_describe(args[1]).split(' ', 1)[-1]}"
    if dataclasses.is_dataclass(annotation):
        return "a table"
    return str(annotation)


def _type_name(value) -> str:
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def config_to_dict(config) -> dict[str, Any]:
    """The config as plain JSON/TOML-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def config_hash(config) -> str:
    """A short, stable SHA-256 of the config's content (key order does not matter)."""
    return run_key(config_to_dict(config), versions=False)
