"""Text specifications of densities, as the CLI takes them: ``beta:a=2,b=30``.

Grammar: ``NAME[:KEY=VALUE[,KEY=VALUE...]]``, or ``empirical:PATH`` where PATH is a 1-D
``.npy`` array of errors (loaded with ``allow_pickle=False``) or a ``.txt``/``.csv`` file
with one error per line. Names: ``beta``, ``shifted-beta``, ``power-law``, ``perceptron``,
``tail``, ``empirical``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.theory.base import Density
from badminima.theory.empirical import Empirical
from badminima.theory.families import Beta, PowerLaw, RareGoodTail, ShiftedBeta, SphericalPerceptron


@dataclass(frozen=True)
class _Family:
    build: Callable[..., Density]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


_REGISTRY: dict[str, _Family] = {
    "beta": _Family(Beta, ("a", "b")),
    "shifted-beta": _Family(ShiftedBeta, ("a", "b"), ("eps_min", "eps_max")),
    "power-law": _Family(PowerLaw, ("k",), ("eps_max",)),
    "perceptron": _Family(SphericalPerceptron, ("N",)),
    "tail": _Family(RareGoodTail, ("eps_min", "c", "gamma")),
}


def _load_errors(path_text: str) -> Empirical:
    path = Path(path_text)
    if not path.is_file():
        raise InvalidParameterError(f"empirical density: file {path_text!r} does not exist.")
    try:
        if path.suffix == ".npy":
            errors = np.load(path, allow_pickle=False)
        elif path.suffix in (".txt", ".csv"):
            errors = np.loadtxt(path, dtype=float, delimiter="," if path.suffix == ".csv" else None,
                                ndmin=1)
        else:
            raise InvalidParameterError(
                f"empirical density: file {path_text!r} must end in .npy, .txt or .csv.")
    except (ValueError, OSError) as exc:
        raise InvalidParameterError(f"empirical density: cannot read {path_text!r}: {exc}") from exc
    errors = np.asarray(errors)
    if errors.ndim != 1:
        raise InvalidParameterError(
            f"empirical density: {path_text!r} must hold a 1-D array of errors. Got shape {errors.shape}.")
    return Empirical(errors)


def _parse_float(name: str, key: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidParameterError(
            f"density {name!r}: parameter {key!r} must be a number. Got {text!r} instead.") from None


def parse_density_spec(spec: str) -> Density:
    """Build a :class:`Density` from a text spec such as ``perceptron:N=10``.

    Raises
    ------
    InvalidParameterError
        Unknown family name, unknown, repeated or missing parameter, a non-numeric value or a
        value out of range; the message names it.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidParameterError(f"A density spec must be a non-empty string. Got {spec!r} instead.")
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name == "empirical":
        if not rest.strip():
            raise InvalidParameterError("density 'empirical' needs a file: empirical:PATH.")
        return _load_errors(rest.strip())
    family = _REGISTRY.get(name)
    if family is None:
        known = ", ".join(sorted([*_REGISTRY, "empirical"]))
        raise InvalidParameterError(f"Unknown density {name!r} in spec {spec!r}; known: {known}.")
    params: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq:
            raise InvalidParameterError(f"density {name!r}: expected KEY=VALUE, got {item!r}.")
        if key not in family.required + family.optional:
            allowed = ", ".join(family.required + family.optional)
            raise InvalidParameterError(f"density {name!r}: unknown parameter {key!r} (allowed: {allowed}).")
        if key in params:
            raise InvalidParameterError(f"density {name!r}: parameter {key!r} given twice.")
        params[key] = _parse_float(name, key, value.strip())
    missing = [key for key in family.required if key not in params]
    if missing:
        raise InvalidParameterError(f"density {name!r}: missing parameter {missing[0]!r} "
                                    f"(required: {', '.join(family.required)}).")
    return family.build(**params)


def density_names() -> tuple[str, ...]:
    """The family names a spec may start with."""
    return tuple(sorted([*_REGISTRY, "empirical"]))


def spec_forms() -> tuple[str, ...]:
    """Every family's spec form, from the registry: ``"beta:a=A,b=B"``, ...,
    ``"empirical:PATH"`` (optional parameters in brackets)."""
    forms = []
    for name, family in _REGISTRY.items():
        required = ",".join(f"{key}={key.upper()}" for key in family.required)
        optional = "".join(f"[,{key}={key.upper()}]" for key in family.optional)
        forms.append(f"{name}:{required}{optional}")
    return (*forms, "empirical:PATH")
