"""The exponential bound on bad global minima and the sample sizes it implies (docs/science.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from badminima.theory._validate import check_unit_interval
from badminima.search import smallest_n
from badminima.validation import check_sample_sizes
from badminima.theory.base import Density
from badminima.theory.quantities import as_density, bad_fraction

_GRID_S = np.linspace(-48.0, 14.0, 63)
_REFINE = np.linspace(-1.0, 1.0, 9)
_REFINE_STAGES = 3


#: Matrix entries per block of the (eps0, n) x candidates search.
_CANDIDATE_BLOCK = 2_000_000


def _log_bound(density, eps0, eps1, n, rate, log_sf0, log_cdf1=None):
    """log of ``((1 - r eps0)/(1 - r eps1))^n P(eps > eps0) / P(eps <= eps1)``.

    ``log_cdf1``: ``log P_D(eps <= eps1)`` when already known (computed otherwise).
    """
    if log_cdf1 is None:
        log_cdf1 = density._log_cdf_sf(eps1, 0.0, 1.0)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = n * (np.log1p(-rate * eps0) - np.log1p(-rate * eps1))
        decay = np.where(n == 0, 0.0, decay)
        out = decay + log_sf0 - log_cdf1
    return np.where(np.isnan(out) | (eps1 >= eps0), np.inf, out)


def _best_on_candidates(density, eps0, n, rate, log_sf0, candidates):
    """Exhaustive search over ``candidates``: O(C log C) once, then O(C) per (eps0, n).

    ``P_D(eps <= eps1)`` depends on neither eps0 nor n, so it is evaluated once per
    candidate; candidates at or above every eps0 are dropped (their bound is ``inf``). The
    (eps0, n) pairs are searched in blocks of at most ``_CANDIDATE_BLOCK`` matrix entries.
    """
    shape = eps0.shape
    eps0, n, log_sf0 = eps0.ravel(), n.ravel(), log_sf0.ravel()
    log_b, eps1 = np.full(eps0.size, np.inf), np.full(eps0.size, np.nan)
    candidates = candidates.ravel()
    if eps0.size:
        candidates = candidates[candidates < eps0.max()]
    if candidates.size == 0:
        return log_b.reshape(shape), eps1.reshape(shape)
    log_cdf1 = density._log_cdf_sf(candidates, 0.0, 1.0)[0]
    rows = max(1, _CANDIDATE_BLOCK // candidates.size)
    for start in range(0, eps0.size, rows):
        sl = slice(start, start + rows)
        block = _log_bound(density, eps0[sl, None], candidates[None, :], n[sl, None], rate,
                           log_sf0[sl, None], log_cdf1[None, :])
        i = np.argmin(block, axis=1)
        log_b[sl] = block[np.arange(i.size), i]
        eps1[sl] = candidates[i]
    return log_b.reshape(shape), eps1.reshape(shape)


def _best_continuous(density, eps0, n, rate, log_sf0):
    """Grid search over ``eps1 = lo + (eps0 - lo) sigmoid(s)``, refined around the best node."""
    lo = density.support[0]
    s = np.broadcast_to(_GRID_S, eps0.shape + _GRID_S.shape)
    best_s, best_log = None, None
    for _ in range(_REFINE_STAGES + 1):
        eps1 = lo + (eps0[..., None] - lo) * expit(s)
        log_b = _log_bound(density, eps0[..., None], eps1, n[..., None], rate, log_sf0[..., None])
        i = np.argmin(log_b, axis=-1)[..., None]
        best_log = np.take_along_axis(log_b, i, -1)[..., 0]
        best_s = np.take_along_axis(s, i, -1)[..., 0]
        step = (s[..., 1] - s[..., 0]) if s.shape[-1] > 1 else np.ones(eps0.shape)
        s = best_s[..., None] + step[..., None] * _REFINE
    return best_log, lo + (eps0 - lo) * expit(best_s)


def bad_fraction_bound(density: Density | str, eps0, n):
    """The exponential bound on ``B_n(eps0)`` with the best ``eps1``; returns ``(bound, eps1)``.

    See :func:`log_bad_fraction_bound` for the formula; the bound is capped at 1.
    """
    log_b, eps1 = log_bad_fraction_bound(density, eps0, n, owner="bad_fraction_bound")
    return np.exp(np.minimum(log_b, 0.0))[()], eps1


def log_bad_fraction_bound(density: Density | str, eps0, n, owner: str = "log_bad_fraction_bound"):
    """Log of the exponential bound on ``B_n(eps0)`` with the best ``eps1``: ``(log_bound, eps1)``.

    Not capped at 0 (a positive value says by how much the bound is vacuous) and finite
    where the bound itself underflows.

    Notes
    -----
    For every ``eps1 < eps0`` (docs/science.md §2),

    .. math::

        B_n(\\epsilon_0) \\le \\left(\\frac{1 - \\epsilon_0}{1 - \\epsilon_1}\\right)^n
        \\frac{P_D(\\epsilon > \\epsilon_0)}{P_D(\\epsilon \\le \\epsilon_1)},

    because ``(1 - eps)^n <= (1 - eps0)^n`` above eps0 and ``>= (1 - eps1)^n`` below eps1.
    The same argument with ``(1 - r eps)^n`` covers :class:`Memorization`. The best eps1 is
    found on the atoms for empirical densities (the bound is smallest there) and by a refined
    grid search otherwise; any eps1 gives a valid bound. When D puts no mass at or below any
    eps1 < eps0 the log bound is ``inf`` (eps1 is then NaN).
    """
    density = as_density(density, owner)
    eps0 = check_unit_interval("eps0", eps0, owner)
    n = check_sample_sizes("n", n, owner)
    eps0, n = (np.array(x, dtype=float) for x in np.broadcast_arrays(eps0, n))
    rate = density._consistency_rate
    log_sf0 = density._log_cdf_sf(eps0, 0.0, 1.0)[1]
    candidates = density._eps1_candidates(eps0)
    if candidates is not None:
        log_b, eps1 = _best_on_candidates(density, eps0, n, rate, log_sf0, np.asarray(candidates))
    else:
        log_b, eps1 = _best_continuous(density, eps0, n, rate, log_sf0)
    eps1 = np.where(np.isfinite(log_b), eps1, np.nan)
    return log_b[()], eps1[()]


@dataclass(frozen=True)
class SampleSize:
    """Smallest n with ``B_n(eps0) <= delta``: from the exact B_n and from the bound.

    ``None`` where no finite n reaches delta (D has no mass at or below eps0).
    """

    exact: int | None
    from_bound: int | None


def sample_size(density: Density | str, eps0: float, delta: float) -> SampleSize:
    """Smallest training-set size with at most a fraction ``delta`` of bad global minima.

    Notes
    -----
    ``B_n(eps0)`` and its bound are non-increasing in n (reweighting by the decreasing
    ``(1 - eps)`` moves Q_n to smaller errors), so a doubling search followed by a batched
    bisection (:func:`badminima.search.smallest_n`) finds the smallest n for each
    (docs/science.md §2, last item). n is searched up to ``2**62``.
    """
    density = as_density(density, "sample_size")
    eps0 = float(check_unit_interval("eps0", eps0, "sample_size"))
    delta = float(check_unit_interval("delta", delta, "sample_size"))
    exact = smallest_n(lambda n: bad_fraction(density, eps0, n), delta)
    from_bound = smallest_n(lambda n: bad_fraction_bound(density, eps0, n)[0], delta)
    return SampleSize(exact=exact, from_bound=from_bound)
