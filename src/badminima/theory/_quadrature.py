"""Vectorized log-space quadrature on sub-intervals of [0, 1].

The one numerical kernel behind every density without a closed form: it computes

.. math::

    \\log I = \\log \\int_A^B f(t)\\, (1 - r t)^n \\, dt

for arrays of ``A``, ``B`` and ``n`` at once, with ``f`` given as a log density, without
ever forming ``(1 - r t)^n`` (docs/science.md §2, "Numerics").

Method
------
1. Logistic map ``t = A + (B - A) sigma(s)``, ``s`` in R. Mass that concentrates at an end
   point on any scale (``t ~ 1/n`` with ``n = 1e9``) becomes a bump of width O(1) in ``s``,
   and power singularities at the ends become exponential decays. ``log t`` and
   ``log(1 - t)`` are formed from ``log sigma(+-s)`` where the end point is 0 or 1, so they
   keep full relative precision however close ``t`` is to the end.
2. The peak ``s*`` of the log integrand ``G(s)`` is bracketed on a coarse asinh-spaced grid
   and the bracket is shrunk eightfold per stage until the grid resolves the bump; its
   curvature gives a width ``alpha``.
3. Trapezoid rule in ``v`` with ``s = s* + alpha sinh(v)``: near the peak the nodes are
   spaced ``alpha h``, far away geometrically, so exponential and double-exponential tails are
   both integrated to double precision with about a hundred nodes (sinh-transformed
   trapezoid rule, exponentially convergent for analytic integrands).

The integrand is assumed unimodal in ``s`` (true for log-concave densities such as every
family of this package); multimodal densities belong in a :class:`~badminima.theory.Mixture`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_expit, logsumexp

#: Half-width of the logistic variable range: sigma(-S_MAX) ~ 1e-320.
S_MAX = 736.0
_COARSE_U = np.linspace(-np.arcsinh(S_MAX / 20.0), np.arcsinh(S_MAX / 20.0), 97)
_COARSE_S = 20.0 * np.sinh(_COARSE_U)
_REFINE = np.linspace(-1.0, 1.0, 17)
_MAX_STAGES = 14
_H = 0.1


def _unit_point(s, A, B):
    """Return ``t, log t, log(1-t)`` and the log Jacobian ``log dt/ds`` at ``s``."""
    ls, lms = log_expit(s), log_expit(-s)
    width = B - A
    with np.errstate(divide="ignore", invalid="ignore"):
        t = A + width * np.exp(ls)
        log_t = np.where(A == 0.0, np.log(width) + ls, np.log(t))
        log1m_t = np.where(B == 1.0, np.log1p(-A) + lms, np.log1p(-t))
        log_jac = np.log(width) + ls + lms
    return t, log_t, log1m_t, log_jac


def _log_integrand(log_f, s, A, B, n, r):
    t, log_t, log1m_t, log_jac = _unit_point(s, A, B)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_c = log1m_t if r == 1.0 else np.log1p(-r * t)
        g = log_f(t, log_t, log1m_t) + np.where(n == 0.0, 0.0, n * log_c) + log_jac
    g = np.where(np.isnan(g) | (np.abs(s) > S_MAX), -np.inf, g)
    return g, t


def _locate_peak(log_f, A, B, n, r):
    """Peak ``s*`` and width ``alpha`` of the log integrand, per row (inputs are columns)."""
    rows = A.shape[0]
    s = np.broadcast_to(_COARSE_S, (rows, _COARSE_S.size))
    g, _ = _log_integrand(log_f, s, A, B, n, r)
    peak, alpha = np.zeros(rows), np.ones(rows)
    todo = np.arange(rows)
    for _ in range(_MAX_STAGES):
        k = np.arange(todo.size)
        i = np.clip(np.argmax(g, axis=1), 1, s.shape[1] - 2)
        left, mid, right = s[k, i - 1], s[k, i], s[k, i + 1]
        g_l, g_m, g_r = g[k, i - 1], g[k, i], g[k, i + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            curv = 2.0 * ((g_m - g_l) / (mid - left) - (g_r - g_m) / (right - mid)) / (right - left)
            width = np.where(curv > 0, 1.0 / np.sqrt(curv), np.inf)
        step = np.maximum(mid - left, right - mid)
        done = ~np.isfinite(g_m) | (np.isfinite(width) & (step < 0.5 * width)) | (step < 1e-9)
        peak[todo] = np.where(np.isfinite(g_m), mid, 0.0)
        alpha[todo] = np.where(np.isfinite(width), width, np.maximum(step, 1e-9))
        keep = ~done
        if not keep.any():
            break
        todo = todo[keep]
        centre = 0.5 * (right + left)[keep]
        half = 0.5 * (right - left)[keep]
        s = centre[:, None] + half[:, None] * _REFINE
        g, _ = _log_integrand(log_f, s, A[todo], B[todo], n[todo], r)
    return peak, np.clip(alpha, 1e-9, 50.0)


def log_integral(log_f, A, B, n, r=1.0, moments=False):
    """Log of ``int_A^B exp(log_f(t)) (1 - r t)^n dt``, vectorized over ``A, B, n``.

    Parameters
    ----------
    log_f : callable
        ``log_f(t, log_t, log1m_t)`` returning the log density at ``t`` in [0, 1]
        (the three arrays are the same point; the logs are accurate near 0 and 1).
    A, B : array_like
        Integration limits with ``0 <= A <= B <= 1``; ``A == B`` gives ``-inf``.
    n : array_like
        Non-negative exponents (floats; any size up to 1e12 and beyond).
    r : float
        Rate in [0, 1] of the consistency factor ``1 - r t``.
    moments : bool
        Also return the mean and standard deviation of ``t`` under the normalized integrand.

    Returns
    -------
    log_i : ndarray
        The log integrals, broadcast shape of the inputs.
    mean, std : ndarray
        Only with ``moments=True``. The second moment is summed in log space, so a standard
        deviation of 1e-300 (whose variance underflows) keeps full relative precision.
    """
    A, B, n = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (A, B, n)))
    shape = A.shape
    A, B, n = (x.reshape(-1, 1) for x in (A, B, n))
    empty = (B <= A).ravel()
    A, B = np.where(B <= A, 0.0, A), np.where(B <= A, 1.0, B)
    log_i = np.full(A.shape[0], -np.inf)
    mean = np.full(A.shape[0], np.nan)
    std = np.full(A.shape[0], np.nan)
    if A.shape[0]:
        peak, alpha = _locate_peak(log_f, A, B, n, r)
        v_max = float(np.max(np.arcsinh(2.0 * S_MAX / alpha)))
        v = np.arange(-v_max, v_max + _H / 2, _H)
        s = peak[:, None] + alpha[:, None] * np.sinh(v)
        g, t = _log_integrand(log_f, s, A, B, n, r)
        g = g + np.log(alpha[:, None] * np.cosh(v)) + np.log(_H)
        log_i = logsumexp(g, axis=1)
        if moments:
            with np.errstate(invalid="ignore", divide="ignore"):
                log_p = g - log_i[:, None]
                mean = np.sum(np.exp(log_p) * t, axis=1)
                # the second moment in log space: a std of 1e-300 has a variance of 1e-600
                log_var = logsumexp(log_p + 2.0 * np.log(np.abs(t - mean[:, None])), axis=1)
                std = np.exp(0.5 * log_var)
        log_i = np.where(empty, -np.inf, log_i)
    if moments:
        return log_i.reshape(shape), mean.reshape(shape), std.reshape(shape)
    return log_i.reshape(shape)


def cdf_table(log_f, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``s`` of the logistic variable and the cdf of the unit density ``f`` at them.

    The nodes are those of the quadrature above (``s = s* + alpha sinh(v)``, ``v`` spaced
    ``step``), so the table resolves the density's bump at any scale; the cdf is the
    cumulative trapezoid rule, normalized to 1, with flat stretches dropped (strictly
    increasing, ready for inverse-transform sampling with ``np.interp``).
    """
    one = np.ones((1, 1))
    peak, alpha = _locate_peak(log_f, 0 * one, one, 0 * one, 1.0)
    v_max = float(np.arcsinh(2 * S_MAX / alpha[0]))
    v = np.arange(-v_max, v_max, step)
    s = peak[0] + alpha[0] * np.sinh(v)
    g, _ = _log_integrand(log_f, s, np.array(0.0), np.array(1.0), np.array(0.0), 1.0)
    w = np.exp(g - np.max(g)) * alpha[0] * np.cosh(v)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]))])
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    return s[keep], cdf[keep] / cdf[-1]

