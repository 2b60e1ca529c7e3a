r"""A piecewise-constant true-error density: weights on cells (docs/science.md §3, free-form D).

Every moment of a uniform cell is closed form, so the section-2 quantities of a mixture of
cells are exact sums that are linear in the weights; this is what the nonparametric fit of
:mod:`badminima.fitting.nonparametric` needs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from badminima.errors import InvalidParameterError
from badminima.theory.base import Density

# |G_k| of the Gregory series 1/log(1+x) = 1/x + sum_k G_k x^(k-1), k = 1..10.
_GREGORY = np.array([1 / 2, 1 / 12, 1 / 24, 19 / 720, 3 / 160, 863 / 60480, 275 / 24192,
                     33953 / 3628800, 8183 / 1036800, 3250433 / 479001600])
_PHI_SERIES_BELOW = 0.05
_PSI_SERIES_BELOW = 0.1
#: Gauss-Legendre nodes of the within-cell variance (exact to rounding, see _cell_var_t).
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
_GL_RATE = 40.0
_ELL_MAX = -np.log(1e-16)


def _phi(u):
    """``1/u + 1/log(1 - u)`` on [0, 1] (1/2 at 0, 1 at 1), without cancellation."""
    small = u < _PHI_SERIES_BELOW
    us = np.where(small, u, 0.0)
    series = np.polynomial.polynomial.polyval(us, _GREGORY)
    ud = np.where(small, 0.5, u)
    with np.errstate(divide="ignore"):
        direct = 1.0 / ud + 1.0 / np.log1p(-ud)
    return np.where(small, series, direct)


def _psi(lam):
    """``1/lam - 1/expm1(lam)`` on [0, inf] (1/2 at 0, 0 at inf), without cancellation."""
    small = lam < _PSI_SERIES_BELOW
    x = np.where(small, lam, 0.0)
    x2 = x * x
    series = 0.5 - x / 12 + x * x2 * (1 / 720 - x2 * (1 / 30240 - x2 / 1209600))
    xd = np.where(small, 1.0, lam)
    with np.errstate(over="ignore"):
        direct = 1.0 / xd - 1.0 / np.expm1(xd)
    return np.where(small, series, direct)


def _cell_rates(edges, r):
    """Per cell: ``log(1 - r a)``, the unit rate ``u = r h / (1 - r a)`` and ``ell = -log(1-u)``."""
    lo, width = edges[:-1], np.diff(edges)
    log_c = np.log1p(-r * lo)
    u = np.minimum(r * width / (1.0 - r * lo), 1.0)
    with np.errstate(divide="ignore"):
        ell = -np.log1p(-u)
    return log_c, u, ell


def _log_unit_integral(u, k, ell):
    """``log int_0^1 (1 - u t)^(k-1) dt = log[(1 - (1-u)^k) / (u k)]`` (0 at u = 0)."""
    lam = k * ell
    pos = u > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log(-np.expm1(-lam)) - np.log(np.where(pos, u, 1.0)) - np.log(k)
    return np.where(pos, value, 0.0)


def cell_moments(edges, n, r: float = 1.0):
    r"""Log moments and tilted means of the uniform cells ``[e_j, e_{j+1}]``.

    Parameters
    ----------
    edges : ndarray, shape (J + 1,)
        Increasing cell edges in [0, 1].
    n : ndarray
        Non-negative exponents (float).
    r : float
        Consistency rate in [0, 1] (1: separable).

    Returns
    -------
    log_z, mean : ndarray, shape ``n.shape + (J,)``
        ``log z_nj = log (1/h_j) int_{e_j}^{e_{j+1}} (1 - r eps)^n d eps`` and the mean of
        eps under the cell tilted by ``(1 - r eps)^n``.

    Notes
    -----
    With ``h = e_{j+1} - e_j``, ``u = r h / (1 - r e_j)``, ``k = n + 1`` and
    ``lambda = -k log(1 - u)``,

    .. math::

        z_{nj} = (1 - r e_j)^n \frac{1 - e^{-\lambda}}{u k}, \qquad
        \bar\epsilon_{nj} = e_j + h\,\frac{\phi(u) + k \psi(\lambda)}{k + 1},

    with :math:`\phi(u) = 1/u + 1/\log(1-u)` and :math:`\psi(\lambda) = 1/\lambda -
    1/(e^\lambda - 1)`, both positive (series near 0), so nothing cancels; at ``r = 1``
    :math:`z_{nj} = [(1-e_j)^{n+1} - (1-e_{j+1})^{n+1}] / ((n+1) h)`.
    """
    edges = np.asarray(edges, dtype=float)
    n = np.asarray(n, dtype=float)[..., None]
    log_c, u, ell = _cell_rates(edges, r)
    k = n + 1.0
    lam = k * ell
    log_z = np.where(n == 0, 0.0, n * log_c) + _log_unit_integral(u, k, ell)
    mean_t = (_phi(u) + k * _psi(lam)) / (k + 1.0)
    return log_z, edges[:-1] + np.diff(edges) * mean_t


def _cell_var_t(u, ell, k):
    """Variance of ``t`` under ``(1 - u t)^(k-1)`` on [0, 1].

    With ``t = -expm1(-ell s) / u`` the tilted cell is exactly ``s ~ exp(-k ell s)`` on
    [0, 1]; 64-point Gauss-Legendre on ``[0, min(1, 40 / (k ell))]`` (the rest carries
    ``e^-40`` of the mass) and a two-pass central moment give it to rounding.
    """
    ell = np.minimum(ell, _ELL_MAX)  # u = 1 (a cell ending at 1/r) as u = 1 - 1e-16
    lam = k * ell
    top = np.where(lam > _GL_RATE, _GL_RATE / np.where(lam > 0, lam, 1.0), 1.0)[..., None]
    s = 0.5 * top * (_GL_NODES + 1.0)
    with np.errstate(invalid="ignore"):
        log_w = -lam[..., None] * s
        w = np.exp(log_w - log_w.max(axis=-1, keepdims=True)) * _GL_WEIGHTS
        pos = (u > 0)[..., None]
        t = np.where(pos, -np.expm1(-ell[..., None] * s) / np.where(pos, u[..., None], 1.0), s)
    w = w / w.sum(axis=-1, keepdims=True)
    mean = np.sum(w * t, axis=-1, keepdims=True)
    return np.sum(w * (t - mean) ** 2, axis=-1)


class PiecewiseUniform(Density):
    r"""``D = sum_j w_j Uniform(e_j, e_{j+1})``: a histogram density on cells.

    Parameters
    ----------
    edges : array_like, shape (J + 1,)
        Strictly increasing cell edges in [0, 1], ``J >= 1``.
    weights : array_like, shape (J,)
        Non-negative cell probabilities (normalized here; zeros allowed).

    Notes
    -----
    .. math::

        D(\epsilon) = \frac{w_j}{e_{j+1} - e_j}, \quad e_j \le \epsilon < e_{j+1}, \qquad
        Z_n = \sum_j w_j\,\frac{(1-e_j)^{n+1} - (1-e_{j+1})^{n+1}}{(n+1)(e_{j+1}-e_j)}.

    Everything is closed form per cell (:func:`cell_moments`), in log space, for ``n`` up to
    1e9 and beyond: ``log Z_n`` is a ``logsumexp`` over cells, ``E_n`` the posterior-weighted
    mean of the tilted cell means, the cdf of ``Q_n`` a sum of whole and partial cells.
    Only the within-cell variance (``error_std``) uses fixed Gauss-Legendre quadrature.
    ``posterior`` is again piecewise, each cell tilted by ``(1 - r eps)^n``; tilting that
    posterior once more at a different rate has no closed form and raises.
    """

    def __init__(self, edges, weights):
        owner = "PiecewiseUniform"
        try:
            edges = np.asarray(edges, dtype=float).ravel()
            weights = np.asarray(weights, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"The 'edges' and 'weights' parameters of {owner} must be arrays of floats.") from exc
        if edges.size < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0) \
                or edges[0] < 0 or edges[-1] > 1:
            raise InvalidParameterError(
                f"The 'edges' parameter of {owner} must hold at least 2 strictly increasing "
                f"floats in [0, 1]. Got {edges.tolist()!r} instead.")
        if weights.size != edges.size - 1:
            raise InvalidParameterError(
                f"The 'weights' parameter of {owner} must have one entry per cell "
                f"({edges.size - 1}). Got {weights.size} instead.")
        if not np.all(np.isfinite(weights) & (weights >= 0)) or weights.sum() <= 0:
            raise InvalidParameterError(
                f"The 'weights' parameter of {owner} must hold finite non-negative numbers "
                f"with a positive sum. Got {weights.tolist()!r} instead.")
        super().__init__(edges[0], edges[-1])
        self.edges = edges
        self.weights = weights / weights.sum()
        with np.errstate(divide="ignore"):
            self._log_w = np.log(self.weights)
        self._tilt_n, self._tilt_r, self._tilt_log_z = 0.0, 1.0, 0.0

    @classmethod
    def from_log_weights(cls, edges, log_weights) -> "PiecewiseUniform":
        """The density with cell probabilities ``exp(log_weights)`` (normalized), kept in log space.

        A learning curve that falls slowly over decades of ``n`` needs cell probabilities
        spanning far more than the ~700 decades of ``e`` a float64 holds (``ln D`` rises by
        about ``int n(eps)/(1-eps) d eps``, ~1000 on CIFAR-10); every formula works on
        ``ln w``, which stays exact here (``weights`` holds the linear values, tiny ones 0),
        also in the :meth:`posterior`.
        """
        log_weights = np.asarray(log_weights, dtype=float)
        log_weights = log_weights - logsumexp(log_weights)
        density = cls(edges, np.exp(log_weights - log_weights.max()))
        density._log_w = log_weights
        return density

    # ------------------------------------------------------------------ helpers
    def _exponent(self, n, r):
        """Total exponent and rate of ``(1 - r eps)^n`` times this density's own tilt."""
        n = np.asarray(n, dtype=float)
        if self._tilt_n == 0.0:
            return n, r
        if r == self._tilt_r or np.all(n == 0):
            return n + self._tilt_n, self._tilt_r
        raise InvalidParameterError(
            f"This PiecewiseUniform posterior is tilted at rate {self._tilt_r:g}; tilting it at "
            f"rate {r:g} has no closed form.")

    def _terms(self, n, r):
        """``log w_j + log z_nj`` (cells with w_j = 0 give -inf) and the tilted cell means."""
        total, rate = self._exponent(n, r)
        log_z, mean = cell_moments(self.edges, total, rate)
        return self._log_w + log_z, mean

    # ------------------------------------------------------------------ eps-level hooks
    def _log_z(self, n, r):
        terms, _ = self._terms(n, r)
        return logsumexp(terms, axis=-1) - self._tilt_log_z

    def _mean_var(self, n, r):
        terms, mean = self._terms(n, r)
        pi = np.exp(terms - logsumexp(terms, axis=-1, keepdims=True))
        total = np.sum(pi * mean, axis=-1)
        n_tot, rate = self._exponent(n, r)
        _, u, ell = _cell_rates(self.edges, rate)
        var_t = _cell_var_t(np.broadcast_to(u, mean.shape), np.broadcast_to(ell, mean.shape),
                            np.asarray(n_tot, dtype=float)[..., None] + 1.0 + 0 * mean)
        width = np.diff(self.edges)
        var = np.sum(pi * (width * width * var_t + (mean - total[..., None]) ** 2), axis=-1)
        return total, var

    def _log_cdf_sf(self, eps, n, r):
        eps, n = np.broadcast_arrays(np.asarray(eps, dtype=float), np.asarray(n, dtype=float))
        shape = eps.shape
        eps, n = eps.ravel(), n.ravel()
        n_tot, rate = self._exponent(n, r)
        terms, _ = self._terms(n, r)
        cells = self.weights.size
        j = np.clip(np.searchsorted(self.edges, eps, side="right") - 1, 0, cells - 1)
        lo, width = self.edges[j], np.diff(self.edges)[j]
        t0 = np.clip((eps - lo) / width, 0.0, 1.0)
        below = self._partial(lo, width * t0, n_tot, rate) + self._log_w[j]
        above = self._partial(lo + width * t0, width * (1.0 - t0), n_tot, rate) + self._log_w[j]
        with np.errstate(divide="ignore"):
            below += np.log(t0)
            above += np.log1p(-t0)
        index = np.arange(cells)
        low_terms = np.where(index < j[:, None], terms, -np.inf)
        high_terms = np.where(index > j[:, None], terms, -np.inf)
        log_cdf = logsumexp(np.column_stack([low_terms, below]), axis=1)
        log_sf = logsumexp(np.column_stack([high_terms, above]), axis=1)
        total = logsumexp(terms, axis=1)
        return (log_cdf - total).reshape(shape), (log_sf - total).reshape(shape)

    @staticmethod
    def _partial(lo, width, n, r):
        """``log (1/width) int_lo^{lo+width} (1 - r eps)^n`` for one interval per entry."""
        safe = np.where(width > 0, width, 1.0)
        log_c = np.log1p(-r * lo)
        u = np.minimum(r * safe / (1.0 - r * lo), 1.0)
        with np.errstate(divide="ignore"):
            ell = -np.log1p(-u)
        k = n + 1.0
        return np.where(n == 0, 0.0, n * log_c) + _log_unit_integral(u, k, ell)

    def _posterior(self, n, r):
        n_tot, rate = self._exponent(np.asarray(float(n)), r)
        post = PiecewiseUniform(self.edges, self.weights)
        post._log_w = self._log_w  # exact log weights (from_log_weights) carry over
        post._tilt_n, post._tilt_r = float(n_tot), float(rate)
        post._tilt_log_z = float(logsumexp(post._terms(np.asarray(0.0), rate)[0]))
        return post

    def _logpdf(self, eps):
        cells = self.weights.size
        j = np.clip(np.searchsorted(self.edges, eps, side="right") - 1, 0, cells - 1)
        tilt = 0.0
        if self._tilt_n > 0:
            tilt = self._tilt_n * np.log1p(-self._tilt_r * eps) - self._tilt_log_z
        return self._log_w[j] - np.log(np.diff(self.edges)[j]) + tilt

    def _ppf(self, q):
        if self._tilt_n > 0:
            return super()._ppf(q)
        cum = np.concatenate([[0.0], np.cumsum(self.weights)])
        cum[-1] = 1.0
        j = np.clip(np.searchsorted(cum[1:], q, side="left"), 0, self.weights.size - 1)
        mass = np.where(self.weights[j] > 0, self.weights[j], 1.0)
        t = np.clip((q - cum[j]) / mass, 0.0, 1.0)
        return self.edges[j] + np.diff(self.edges)[j] * t

    def _sample(self, size, rng):
        terms, _ = self._terms(np.asarray(0.0), self._tilt_r)
        p = np.exp(terms - logsumexp(terms))
        j = rng.choice(self.weights.size, size=size, p=p / p.sum())
        uniform = rng.random(size)
        if self._tilt_n == 0:
            return self.edges[j] + np.diff(self.edges)[j] * uniform
        _, u, ell = _cell_rates(self.edges, self._tilt_r)
        k = self._tilt_n + 1.0
        u, lam = u[j], k * ell[j]
        # invert the tilted cell cdf [1 - (1 - u t)^k] / [1 - (1 - u)^k]
        ut = -np.expm1(np.log1p(uniform * np.expm1(-lam)) / k)
        t = np.where(u > 0, ut / np.where(u > 0, u, 1.0), uniform)
        return self.edges[j] + np.diff(self.edges)[j] * np.clip(t, 0.0, 1.0)

    def __repr__(self) -> str:
        return (f"PiecewiseUniform({self.weights.size} cells on [{self._lo:g}, {self._hi:g}]"
                + (f", tilted n={self._tilt_n:g}, r={self._tilt_r:g})" if self._tilt_n else ")"))
