"""The exponential bound on bad global minima and the sample sizes it implies (docs/science.md §2).

One-line wrappers of the :class:`~badminima.theory.Density` methods of the same name (where
the formula, the eps1 search of :mod:`badminima.theory._eps1` and the Notes live) that also
take a density's spec string.
"""

from __future__ import annotations

from badminima.theory.base import Density, SampleSize
from badminima.theory.specs import as_density

__all__ = ["SampleSize", "bad_fraction_bound", "log_bad_fraction_bound", "sample_size"]


def bad_fraction_bound(density: Density | str, eps0, n):
    """``(bound, eps1)``: the exponential bound on ``B_n(eps0)``: see :meth:`~badminima.theory.Density.bad_fraction_bound`."""
    return as_density(density, "bad_fraction_bound").bad_fraction_bound(eps0, n)


def log_bad_fraction_bound(density: Density | str, eps0, n):
    """``(log_bound, eps1)``, uncapped: see :meth:`~badminima.theory.Density.log_bad_fraction_bound`."""
    return as_density(density, "log_bad_fraction_bound").log_bad_fraction_bound(eps0, n)


def sample_size(density: Density | str, eps0: float, delta: float) -> SampleSize:
    """Smallest n with ``B_n(eps0) <= delta``, exact and from the bound: see :meth:`~badminima.theory.Density.sample_size`."""
    return as_density(density, "sample_size").sample_size(eps0, delta)
