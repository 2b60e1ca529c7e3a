"""Boundary checks shared by every layer, with messages in one style.

"The 'eps0' parameter of bad_fraction must be a float in (0, 1). Got 1.5 instead."

Scalar checks (:func:`check_real`, :func:`check_int`, :func:`check_choice`, ...), array checks
(:func:`check_sample_sizes`, :func:`check_unit_interval`), :func:`as_generator`, and
declared rules (:class:`Interval`, :class:`Options`, :class:`Each`, :class:`Device`, checked
by :func:`validate_fields`), with which a class states each parameter's domain once.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from badminima.errors import InvalidParameterError

_BRACKETS = {"both": "[]", "neither": "()", "left": "[)", "right": "(]"}


def _describe_interval(low: float | None, high: float | None, closed: str) -> str:
    left, right = _BRACKETS[closed]
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def _shown(value) -> str:
    """``repr`` of a value as the user wrote it: numpy scalars as plain numbers (``-0.1``,
    not ``np.float64(-0.1)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _inside(value: float, low: float | None, high: float | None, closed: str) -> bool:
    if math.isnan(value):
        return False
    if low is not None:
        if value < low or (value == low and closed in ("neither", "right")):
            return False
    if high is not None:
        if value > high or (value == high and closed in ("neither", "left")):
            return False
    return True


def check_real(name: str, value, owner: str, low: float | None = None,
               high: float | None = None, closed: str = "both") -> float:
    """Return ``value`` as a float after checking it lies in the interval.

    Raises :class:`InvalidParameterError` naming ``name``, ``owner``, the interval and the value.
    """
    interval = _describe_interval(low, high, closed)
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in {interval}. Got {_shown(value)} instead.")
    value = float(value)
    if not _inside(value, low, high, closed):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in {interval}. Got {_shown(value)} instead.")
    return value


def check_int(name: str, value, owner: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking ``low <= value <= high``."""
    interval = _describe_interval(low, high, "both")
    is_whole_float = isinstance(value, (float, np.floating)) and float(value).is_integer()
    if isinstance(value, bool) or not (isinstance(value, (Integral, np.integer)) or is_whole_float):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be an integer in {interval}. Got {_shown(value)} instead.")
    value = int(value)
    if not _inside(value, low, high, "both"):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be an integer in {interval}. Got {_shown(value)} instead.")
    return value


def check_sample_sizes(name: str, n, owner: str) -> np.ndarray:
    """Return ``n`` as an array of non-negative whole numbers (float64, so n up to 1e9+ is exact).

    Strings, non-numeric input and non-integer, negative, NaN or infinite entries raise
    :class:`InvalidParameterError`.
    """
    message = f"The {name!r} parameter of {owner} must hold non-negative integers. Got {{}} instead."
    if isinstance(n, (str, bytes)):
        raise InvalidParameterError(message.format(_shown(n)))
    try:
        arr = np.asarray(n, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(message.format(_shown(n))) from exc
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr))):
        bad = arr[~(np.isfinite(arr) & (arr >= 0) & (arr == np.floor(arr)))].ravel()[0]
        raise InvalidParameterError(message.format(_shown(bad)))
    return arr


def check_unit_interval(name: str, x, owner: str, closed: bool = False) -> np.ndarray:
    """Return ``x`` as a float array with every entry in (0, 1) (``closed``: [0, 1])."""
    interval = "[0, 1]" if closed else "(0, 1)"
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in {interval}. Got {x!r} instead.") from exc
    ok = (arr >= 0) & (arr <= 1) if closed else (arr > 0) & (arr < 1)
    if not np.all(ok):
        bad = arr[~ok].ravel()[0]
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in {interval}. Got {_shown(bad)} instead.")
    return arr


def as_generator(rng, owner: str, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from a Generator or an int seed (explicit randomness only)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise InvalidParameterError(
        f"The {name!r} parameter of {owner} must be a numpy Generator or an int seed. Got {rng!r} instead.")


def check_choice(name: str, value, owner: str | None, choices) -> str:
    """Return ``value`` after checking it is one of ``choices`` (``owner`` None: not named)."""
    try:
        found = value in choices  # a Registry also finds its aliases
    except TypeError:  # e.g. an unhashable value against a dict's keys
        found = False
    if not found:
        choices = tuple(choices)
        of_owner = "" if owner is None else f" of {owner}"
        raise InvalidParameterError(
            f"The {name!r} parameter{of_owner} must be one of {', '.join(map(repr, choices))}. "
            f"Got {_shown(value)} instead.")
    return value


def check_device_name(value, owner: str, name: str = "device") -> str:
    """Return ``value`` after checking it is ``auto``, ``cpu``, ``cuda`` or ``cuda:K``.

    Only the form is checked (no torch import): whether CUDA is present is decided when the
    device is resolved (:func:`badminima.classifiers.devices.resolve_device`).
    """
    ok = isinstance(value, str) and (value in ("auto", "cpu", "cuda") or (
        value.startswith("cuda:") and value[5:].isdigit()))
    if not ok:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be 'auto', 'cpu', 'cuda' or 'cuda:K'. "
            f"Got {value!r} instead.")
    return value


# ----------------------------------------------------------------- declared parameter rules
# Modelled on scikit-learn's ``_param_validation``: a class declares, once, a mapping
# ``parameter name -> rule`` (``rules``), and :func:`validate_fields` checks every field
# against it. A rule's choices come from the registry that defines them (``Options(METHODS)``),
# so a name is never typed twice.

@dataclass(frozen=True)
class Interval:
    """An int (``kind=int``) or float (``kind=float``) between ``low`` and ``high``.

    ``closed``: ``"both"``, ``"left"``, ``"right"`` or ``"neither"`` (floats; ints are
    always closed). ``None`` bounds are open ends.
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def check(self, name: str, value, owner: str):
        if self.kind is int:
            return check_int(name, value, owner, self.low, self.high)
        return check_real(name, value, owner, self.low, self.high, self.closed)


@dataclass(frozen=True)
class Options:
    """One of ``choices`` (any collection: a registry dict's keys are its names)."""

    choices: Collection

    def check(self, name: str, value, owner: str):
        return check_choice(name, value, owner, self.choices)


@dataclass(frozen=True)
class Each:
    """Every entry of a sequence obeys ``rule``; ``nonempty``: at least one entry."""

    rule: Interval | Options
    nonempty: bool = False

    def check(self, name: str, value, owner: str):
        if self.nonempty and not len(value):
            raise InvalidParameterError(f"The {name!r} parameter of {owner} must hold at least one entry.")
        return tuple(self.rule.check(name, v, owner) for v in value)


@dataclass(frozen=True)
class Device:
    """A device name: ``auto``, ``cpu``, ``cuda`` or ``cuda:K`` (:func:`check_device_name`)."""

    def check(self, name: str, value, owner: str):
        return check_device_name(value, owner, name)


def validate_fields(obj, owner: str, rules: Mapping | None = None) -> None:
    """Check every attribute of ``obj`` named in ``rules`` (default ``obj.rules``).

    ``None`` values are skipped (an optional field left at its default). The first violation
    raises :class:`InvalidParameterError` naming the parameter, ``owner`` and the rule.
    """
    for name, rule in (type(obj).rules if rules is None else rules).items():
        value = getattr(obj, name)
        if value is not None:
            rule.check(name, value, owner)
