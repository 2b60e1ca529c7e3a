"""Section-2 quantities of any density: acceptance, learning curve, spread, posterior, B_n.

All functions validate their inputs once, broadcast ``n`` against ``eps0``, and work in
log space; they honour :class:`~badminima.theory.Memorization` (consistency probability
``(1 - r eps)^n``) because they only call a density's tilted hooks. Wherever they take a density they also
take its spec string (``learning_curve("beta:a=2,b=30", 100)``, see
:func:`~badminima.theory.parse_density_spec`), and every density has the same functions as
methods (``Beta(2, 30).learning_curve(100)``).
"""

from __future__ import annotations

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.theory._validate import check_unit_interval
from badminima.validation import check_sample_sizes
from badminima.theory.base import Density


def as_density(density, owner: str) -> Density:
    """``density`` itself, or the density of a spec string such as ``"beta:a=2,b=30"``.

    Raises :class:`InvalidParameterError` for anything else (or a malformed spec).
    """
    if isinstance(density, str):
        from badminima.theory.specs import parse_density_spec
        return parse_density_spec(density)
    if not isinstance(density, Density):
        raise InvalidParameterError(
            f"The 'density' parameter of {owner} must be a badminima.theory.Density or a spec "
            f"string such as 'beta:a=2,b=30'. Got {type(density).__name__} instead.")
    return density


def log_acceptance(density: Density | str, n):
    """``log Z_n``: log probability that a prior draw has zero training error on n samples.

    Notes
    -----
    ``Z_n = E_D[(1 - eps)^n]`` (docs/science.md §2): the acceptance rate of Guess & Check. For
    :class:`~badminima.theory.Memorization`, ``E_D[(1 - (1 - rho) eps)^n]``.
    """
    density = as_density(density, "log_acceptance")
    n = check_sample_sizes("n", n, "log_acceptance")
    # Z_0 = E_D[1] = 1 for every (normalized) density: exactly 0, not quadrature's 1e-15
    return np.where(n == 0, 0.0, density._log_z(n, 1.0))[()]


def learning_curve(density: Density | str, n):
    """``E_n``: mean true error of a random global minimum after n samples.

    Notes
    -----
    ``E_n = int eps Q_n(eps) d eps = 1 - Z_{n+1} / Z_n`` (docs/science.md §2), evaluated as the
    mean of Q_n directly (closed form or quadrature), which keeps full relative precision
    when ``E_n`` is tiny and ``1 - Z_{n+1}/Z_n`` would cancel.
    """
    density = as_density(density, "learning_curve")
    n = check_sample_sizes("n", n, "learning_curve")
    return density._mean_var(n, 1.0)[0][()]


def error_std(density: Density | str, n):
    """Standard deviation of the true error under Q_n (docs/science.md §2, "Spread").

    Notes
    -----
    ``Var_n = Z_{n+2}/Z_n - (Z_{n+1}/Z_n)^2`` in exact arithmetic; computed as the central
    second moment of Q_n so that it does not cancel, and in units of the mean (closed forms:
    in log space) so that the std of n = 1e300 (about 1e-300) does not underflow to 0.
    """
    density = as_density(density, "error_std")
    n = check_sample_sizes("n", n, "error_std")
    return density._mean_std(n, 1.0)[1][()]


def posterior(density: Density | str, n) -> Density:
    """Q_n as a density object (``logpdf``, ``cdf``, ``ppf``, ``sample``, ...); scalar ``n``.

    Notes
    -----
    ``Q_n(eps) = D(eps) (1 - eps)^n / Z_n`` (docs/science.md §2): the density of the true error
    among classifiers with zero training error, in the annealed approximation.
    """
    density = as_density(density, "posterior")
    n = check_sample_sizes("n", n, "posterior")
    if n.ndim != 0:
        raise InvalidParameterError(
            f"The 'n' parameter of posterior must be a single non-negative integer. Got shape {n.shape}.")
    return density._posterior(float(n), 1.0)


def bad_fraction(density: Density | str, eps0, n):
    """``B_n(eps0)``: the fraction of global minima whose true error exceeds ``eps0``.

    Notes
    -----
    ``B_n(eps0) = int_{eps0}^1 Q_n(eps) d eps`` (docs/science.md §2), computed as the upper tail
    of Q_n in log space (``1 - I_{eps0}(a, b + n)`` for Beta). Broadcasts ``eps0`` with ``n``.
    """
    return np.exp(log_bad_fraction(density, eps0, n, owner="bad_fraction"))


def log_bad_fraction(density: Density | str, eps0, n, owner: str = "log_bad_fraction"):
    """``log B_n(eps0)``, finite where ``B_n`` itself underflows (n = 1e6 and beyond).

    Notes
    -----
    The log upper tail of Q_n that :func:`bad_fraction` exponentiates (docs/science.md §2).
    """
    density = as_density(density, owner)
    eps0 = check_unit_interval("eps0", eps0, owner)
    n = check_sample_sizes("n", n, owner)
    eps0, n = np.broadcast_arrays(eps0, n)
    return density._log_cdf_sf(eps0, n, 1.0)[1][()]
