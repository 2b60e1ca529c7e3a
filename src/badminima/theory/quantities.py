"""Section-2 quantities of any density: acceptance, learning curve, spread, posterior, B_n.

Each function is a one-line wrapper of the :class:`~badminima.theory.Density` method of the
same name (where the formula, the validation and the Notes live) that also takes a density's
spec string: ``learning_curve("beta:a=2,b=30", 100)`` is
``parse_density_spec("beta:a=2,b=30").learning_curve(100)`` (see
:func:`~badminima.theory.parse_density_spec`). They honour
:class:`~badminima.theory.Memorization` (consistency probability ``(1 - r eps)^n``).
"""

from __future__ import annotations

from badminima.theory.base import Density
from badminima.theory.specs import as_density

__all__ = ["as_density", "log_acceptance", "learning_curve", "error_std", "posterior",
           "bad_fraction", "log_bad_fraction"]


def log_acceptance(density: Density | str, n):
    """``log Z_n``, ``Z_n = E_D[(1 - eps)^n]``: see :meth:`~badminima.theory.Density.log_acceptance`."""
    return as_density(density, "log_acceptance").log_acceptance(n)


def learning_curve(density: Density | str, n):
    """``E_n``, the mean true error of a random global minimum: see :meth:`~badminima.theory.Density.learning_curve`."""
    return as_density(density, "learning_curve").learning_curve(n)


def error_std(density: Density | str, n):
    """Standard deviation of the true error under Q_n: see :meth:`~badminima.theory.Density.error_std`."""
    return as_density(density, "error_std").error_std(n)


def posterior(density: Density | str, n) -> Density:
    """Q_n as a density object (scalar ``n``): see :meth:`~badminima.theory.Density.posterior`."""
    return as_density(density, "posterior").posterior(n)


def bad_fraction(density: Density | str, eps0, n):
    """``B_n(eps0)``, the fraction of global minima with error above eps0: see :meth:`~badminima.theory.Density.bad_fraction`."""
    return as_density(density, "bad_fraction").bad_fraction(eps0, n)


def log_bad_fraction(density: Density | str, eps0, n):
    """``log B_n(eps0)``, finite where B_n underflows: see :meth:`~badminima.theory.Density.log_bad_fraction`."""
    return as_density(density, "log_bad_fraction").log_bad_fraction(eps0, n)
