"""Text specifications of densities, as the CLI takes them: ``beta:a=2,b=30``.

Grammar: ``NAME[:KEY=VALUE[,KEY=VALUE...]]``, or ``empirical:PATH`` where PATH is a 1-D
``.npy`` array of errors (loaded with ``allow_pickle=False``) or a ``.txt``/``.csv`` file
with one error per line. Names: the keys of :data:`DENSITIES` (``beta``, ``shifted-beta``, ``power-law``,
``perceptron``, ``tail``, ``empirical``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.registry import Registry
from badminima.theory.base import Density
from badminima.theory.empirical import Empirical
from badminima.theory.families import Beta, PowerLaw, RareGoodTail, ShiftedBeta, SphericalPerceptron


@dataclass(frozen=True)
class DensityFamily:
    """A density family as a spec names it: its constructor and its parameter names.

    ``aliases``: alternative parameter name -> the constructor's name (``dim`` -> ``N``).
    """

    build: Callable[..., Density]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def parameter(self, key: str) -> str:
        """The constructor's name of the spec key ``key`` (an alias resolved)."""
        return self.aliases.get(key, key)


#: The one density registry: spec name -> family. ``empirical`` takes a file in a spec
#: (``empirical:PATH``) and its ``errors`` in code; ``rare-good-tail`` (the fitting model's
#: name) is an alias of ``tail``; ``perceptron`` takes ``N`` (``dim`` is accepted).
#: Guess & Check compares a run with ``empirical`` and ``perceptron`` of this registry
#: (:data:`badminima.sampling.guess_check_theory.DENSITIES`).
DENSITIES: Registry[DensityFamily] = Registry({
    "beta": DensityFamily(Beta, ("a", "b")),
    "shifted-beta": DensityFamily(ShiftedBeta, ("a", "b"), ("eps_min", "eps_max")),
    "power-law": DensityFamily(PowerLaw, ("k",), ("eps_max",)),
    "perceptron": DensityFamily(SphericalPerceptron, ("N",), aliases={"dim": "N"}),
    "tail": DensityFamily(RareGoodTail, ("eps_min", "c", "gamma")),
    "empirical": DensityFamily(Empirical, ("errors",), ("weights",)),
}, aliases={"rare-good-tail": "tail"})


def as_density(density, owner: str) -> Density:
    """``density`` itself, or the density of a spec string such as ``"beta:a=2,b=30"``.

    Raises :class:`InvalidParameterError` for anything else (or a malformed spec).
    """
    if isinstance(density, str):
        return parse_density_spec(density)
    if not isinstance(density, Density):
        raise InvalidParameterError(
            f"The 'density' parameter of {owner} must be a badminima.theory.Density or a spec "
            f"string such as 'beta:a=2,b=30'. Got {type(density).__name__} instead.")
    return density


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
    if DENSITIES.canonical(name) == "empirical":
        if not rest.strip():
            raise InvalidParameterError("density 'empirical' needs a file: empirical:PATH.")
        return _load_errors(rest.strip())
    try:
        family = DENSITIES.lookup(name, parameter="density")
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"Unknown density {name!r} in spec {spec!r}. {exc}") from None
    params: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        key = family.parameter(key.strip())
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


def spec_forms() -> tuple[str, ...]:
    """Every family's spec form, from the registry: ``"beta:a=A,b=B"``, ...,
    ``"empirical:PATH"`` (optional parameters in brackets)."""
    forms = []
    for name, family in DENSITIES.items():
        if name == "empirical":
            continue
        required = ",".join(f"{key}={key.upper()}" for key in family.required)
        optional = "".join(f"[,{key}={key.upper()}]" for key in family.optional)
        forms.append(f"{name}:{required}{optional}")
    return (*forms, "empirical:PATH")
