"""The best ``eps1`` of the exponential bound on ``B_n(eps0)`` (docs/science.md §2).

Private to the theory layer: :meth:`badminima.theory.Density.log_bad_fraction_bound`
validates its inputs and calls :func:`best_log_bound`. Everything here is a function of a
density's public ``logcdf`` and its support, so this module imports no density.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

_GRID_S = np.linspace(-48.0, 14.0, 63)
_REFINE = np.linspace(-1.0, 1.0, 9)
_REFINE_STAGES = 3

#: Matrix entries per block of the (eps0, n) x candidates search.
_CANDIDATE_BLOCK = 2_000_000


def _log_bound(logcdf, eps0, eps1, n, rate, log_sf0, log_cdf1=None):
    """log of ``((1 - r eps0)/(1 - r eps1))^n P(eps > eps0) / P(eps <= eps1)``.

    ``log_cdf1``: ``log P_D(eps <= eps1)`` when already known (computed otherwise).
    """
    if log_cdf1 is None:
        log_cdf1 = logcdf(eps1)
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = n * (np.log1p(-rate * eps0) - np.log1p(-rate * eps1))
        decay = np.where(n == 0, 0.0, decay)
        out = decay + log_sf0 - log_cdf1
    return np.where(np.isnan(out) | (eps1 >= eps0), np.inf, out)


def _best_on_candidates(logcdf, eps0, n, rate, log_sf0, candidates):
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
    log_cdf1 = logcdf(candidates)
    rows = max(1, _CANDIDATE_BLOCK // candidates.size)
    for start in range(0, eps0.size, rows):
        sl = slice(start, start + rows)
        block = _log_bound(logcdf, eps0[sl, None], candidates[None, :], n[sl, None], rate,
                           log_sf0[sl, None], log_cdf1[None, :])
        i = np.argmin(block, axis=1)
        log_b[sl] = block[np.arange(i.size), i]
        eps1[sl] = candidates[i]
    return log_b.reshape(shape), eps1.reshape(shape)


def _best_continuous(logcdf, lo, eps0, n, rate, log_sf0):
    """Grid search over ``eps1 = lo + (eps0 - lo) sigmoid(s)``, refined around the best node."""
    s = np.broadcast_to(_GRID_S, eps0.shape + _GRID_S.shape)
    best_s, best_log = None, None
    for _ in range(_REFINE_STAGES + 1):
        eps1 = lo + (eps0[..., None] - lo) * expit(s)
        log_b = _log_bound(logcdf, eps0[..., None], eps1, n[..., None], rate, log_sf0[..., None])
        i = np.argmin(log_b, axis=-1)[..., None]
        best_log = np.take_along_axis(log_b, i, -1)[..., 0]
        best_s = np.take_along_axis(s, i, -1)[..., 0]
        step = (s[..., 1] - s[..., 0]) if s.shape[-1] > 1 else np.ones(eps0.shape)
        s = best_s[..., None] + step[..., None] * _REFINE
    return best_log, lo + (eps0 - lo) * expit(best_s)


def best_log_bound(logcdf, lo: float, eps0, n, rate: float, log_sf0, candidates):
    """``(log_bound, eps1)``: the smallest log bound over ``eps1 < eps0`` and its argmin.

    Parameters
    ----------
    logcdf : callable
        ``eps -> log P_D(eps' <= eps)`` of the prior density D.
    lo : float
        Lower end of D's support.
    eps0, n, log_sf0 : numpy.ndarray
        Broadcast float arrays: thresholds, sample sizes and ``log P_D(eps > eps0)``.
    rate : float
        Consistency rate ``r`` of ``(1 - r eps)^n`` (1: separable).
    candidates : array_like or None
        The finite set of eps1 to search exhaustively (the atoms of an empirical D), or
        ``None`` for a refined grid search. eps1 is NaN where the log bound is not finite.
    """
    if candidates is not None:
        log_b, eps1 = _best_on_candidates(logcdf, eps0, n, rate, log_sf0, np.asarray(candidates))
    else:
        log_b, eps1 = _best_continuous(logcdf, lo, eps0, n, rate, log_sf0)
    return log_b, np.where(np.isfinite(log_b), eps1, np.nan)
