"""A function set's prior as a transform of a standard Gaussian: ``theta = g(z)``, ``z ~ N(0, I)``.

Every prior of :mod:`badminima.classifiers.priors` except ``sphere`` draws each parameter
independently from a centred normal or a centred uniform law whose scale depends on the
layer's fan-in. Each is an elementwise image of a standard normal variable ``z``:

- N(0, s^2): :math:`\\theta = s z`, linear in ``z`` (the first-layer shortcut applies);
- U(-a, a): :math:`\\theta = a\\,(2\\Phi(z) - 1) = a\\,\\mathrm{erf}(z/\\sqrt2)`, not linear;

so the prior restricted to a version space is a standard Gaussian restricted to the
pre-image of that set, which elliptical slice sampling explores without a step size
(docs/science.md §4.6). ``sphere`` is accepted only for a perceptron (no hidden layer):
the labels of ``sign(<w, x>)`` do not change when ``w`` is rescaled, so it gives the same
classifiers as ``normal``.

A function set may define ``prior_laws(input_shape, n_outputs) -> {name: (kind, scale)}``
(e.g. :class:`badminima.classifiers.torch_module.TorchModuleSet`); otherwise the laws are
read from its ``prior`` name and the shapes of one drawn member: a parameter with two or
more axes per member is a weight of fan-in ``prod(shape[1:])``, a one-axis parameter is the
bias of the weight named like it in upper case (``b0`` -> ``W0``, ``c1`` -> ``C1``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from badminima.classifiers.priors import prior_scale
from badminima.errors import InvalidParameterError

__all__ = ["GaussianTransform", "gaussian_transform", "TRANSFORMABLE_PRIORS"]

#: Priors that are elementwise transforms of a standard Gaussian (``sphere`` only for perceptrons).
TRANSFORMABLE_PRIORS = ("normal", "he", "lecun", "uniform", "pytorch")
_SQRT_HALF = 1.0 / math.sqrt(2.0)


@dataclass(frozen=True)
class GaussianTransform:
    """Per-parameter laws ``name -> (kind, scale)`` and member shapes ``name -> shape``.

    ``kind`` is ``"normal"`` (``theta = scale z``) or ``"uniform"``
    (``theta = scale erf(z / sqrt 2)``, i.e. ``U(-scale, scale)``).
    """

    laws: dict
    shapes: dict

    def is_linear(self, name: str) -> bool:
        """Whether ``theta`` is proportional to ``z`` for parameter ``name``."""
        return self.laws[name][0] == "normal"

    def theta_of(self, name: str, z: torch.Tensor) -> torch.Tensor:
        kind, scale = self.laws[name]
        if kind == "normal":
            return z * scale
        return torch.special.erf(z * _SQRT_HALF) * scale

    def theta(self, z: dict) -> dict:
        """Parameters from the standard-normal coordinates ``z`` (same keys, same shapes)."""
        return {name: self.theta_of(name, value) for name, value in z.items()}

    def draw(self, P: int, generator: torch.Generator, device="cpu") -> dict:
        """``P`` members' coordinates ``z ~ N(0, I)`` (float32), in the order of :attr:`shapes`."""
        return {name: torch.randn((P, *shape), generator=generator, dtype=torch.float32).to(device)
                for name, shape in self.shapes.items()}

    @property
    def dimension(self) -> int:
        """Number of scalar parameters per member."""
        return int(sum(math.prod(shape) for shape in self.shapes.values()))


def gaussian_transform(function_set, input_shape, n_classes: int) -> GaussianTransform:
    """The :class:`GaussianTransform` of ``function_set``'s prior on inputs of ``input_shape``.

    Raises
    ------
    InvalidParameterError
        When the prior is not a transform of a Gaussian (``sphere`` with hidden layers) or the
        parameter layout cannot be read.
    """
    input_shape = tuple(int(s) for s in np.atleast_1d(input_shape))
    n_outputs = 1 if n_classes == 2 else n_classes
    member = function_set.sample(1, input_shape, n_classes, generator=0)
    shapes = {name: tuple(p.shape[1:]) for name, p in member.params.items()}
    if hasattr(function_set, "prior_laws"):
        laws = dict(function_set.prior_laws(input_shape, n_outputs))
        missing = sorted(set(shapes) - set(laws))
        if missing:
            raise InvalidParameterError(f"prior_laws of {function_set!r} gives no law for {missing}.")
        return GaussianTransform(laws, shapes)
    prior = getattr(function_set, "prior", None)
    if prior == "sphere" and not getattr(function_set, "widths", (0,)):
        prior = "normal"  # a perceptron's labels are scale-invariant
    if prior not in TRANSFORMABLE_PRIORS:
        raise InvalidParameterError(
            f"The 'prior' of {function_set!r} must be one of {TRANSFORMABLE_PRIORS} (or 'sphere' for a "
            f"perceptron) for version-space sampling. Got {prior!r} instead.")
    laws = {}
    for name, shape in shapes.items():
        if len(shape) >= 2:
            laws[name] = prior_scale(prior, math.prod(shape[1:]))
    for name, shape in shapes.items():
        if len(shape) < 2:
            weight = next((w for w in (name.upper(), "W" + name[1:]) if w in laws), None)
            if weight is None:
                raise InvalidParameterError(
                    f"Cannot tell the fan-in of parameter {name!r} of {function_set!r}: no weight "
                    f"{name.upper()!r} or {'W' + name[1:]!r}.")
            laws[name] = laws[weight]
    return GaussianTransform(laws, shapes)
