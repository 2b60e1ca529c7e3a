r"""A free-form true-error density recovered from a learning curve (SCIENCE.md section 3).

The density is a set of masses :math:`w_j \ge 0` on a grid :math:`\epsilon_j`, uniform in
:math:`\ln\epsilon` from ``eps_lo`` to ``0.999 eps_max``. By section 2 its learning curve is
the ratio of consecutive moments,

.. math::

    Z_n = \sum_j w_j (1-\epsilon_j)^n, \qquad
    E_n = 1 - \frac{Z_{n+1}}{Z_n} = \frac{\sum_j w_j q_{nj}\epsilon_j}{\sum_j w_j q_{nj}},
    \qquad q_{nj} = (1-\epsilon_j)^n,

computed in log space over the support of ``w`` (``logsumexp``; nothing underflows).
Limitation: the fitted D is a set of atoms, so where the data sit far out in ``n`` (``n``
times the grid spacing in eps much above 1) the fitted curve is a staircase between atoms
and a sharp floor is resolved only to the grid spacing (8% of eps for 80 points); the
reported ``chi2_red`` shows when that matters.

The fit minimizes

.. math::

    \sum_i \Big(\frac{E_{n_i}(w) - \bar e_i}{\sigma_i}\Big)^2
    + \lambda J^5 \lVert L w\rVert^2 + \mu \big(\textstyle\sum_j w_j - 1\big)^2

over :math:`w \ge 0` (projected Levenberg-Marquardt, :meth:`_Problem.solve`), where :math:`L` takes second
differences along the grid (a roughness penalty on the density in :math:`\ln\epsilon`;
the :math:`J^5` makes :math:`\lambda` roughly grid independent) and the last term fixes
the normalization that the ratio :math:`E_n` does not see. :math:`\lambda` is chosen by
leave-one-size-out cross-validation over a log grid.

What the data determine: a learning curve measured at sizes :math:`n_i` constrains ``D``
only through the moments :math:`Z_{n_i}`, i.e. where the posteriors :math:`Q_{n_i}` put
their mass. ``extras["determined_eps_range"]`` is the union of the central 90% intervals
of the fitted :math:`Q_{n_i}`; outside it ``D`` is set by the smoothness penalty, not by the
data (its shape there has no bearing on the fitted curve). The effective number of
parameters is the trace of the linearized hat matrix on the active grid points.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from badminima.errors import FitError
from badminima.fitting.data import CurveData
from badminima.fitting.result import FitResult

DEFAULT_LAMBDAS = tuple(10.0 ** k for k in range(-8, 1, 2))
_MU = 1e4
_MAX_ITER = 200
_TOL = 1e-9
_EXP_CAP = 300.0  # cap on ln(q_nj / Z_n) below the current support (overflow guard)
_REACH = 2


class _Problem:
    """The grid, the log consistency weights ``n ln(1 - eps_j)`` and the penalty of a data set."""

    def __init__(self, grid: np.ndarray, data: CurveData, lam: float):
        self.grid, self.data, self.lam = grid, data, lam
        self.log_q = np.outer(data.sizes, np.log1p(-grid))
        size = grid.size
        lap = np.diff(np.eye(size), n=2, axis=0)
        self.root = np.sqrt(lam * size ** 5) * lap
        self.penalty = self.root.T @ self.root

    def residuals(self, w: np.ndarray) -> np.ndarray:
        """``(E_n(w) - mean_n) / sigma_n`` per size."""
        d = self.data
        return (curve_from_masses(self.grid, w, d.sizes) - d.means) / d.sigmas

    def objective(self, w: np.ndarray) -> float:
        r = self.residuals(w)
        return float(r @ r + w @ self.penalty @ w + _MU * (w.sum() - 1.0) ** 2)

    def jacobian(self, w: np.ndarray) -> np.ndarray:
        """``d residual_n / d w_j = q_nj (eps_j - E_n(w)) / (Z_n(w) sigma_n)``.

        ``q_nj / Z_n`` is formed in log space over the support of ``w`` and capped at
        ``exp(300)`` (an overflow guard; steps reach only ``_REACH`` points below the support).
        """
        d = self.data
        mean = curve_from_masses(self.grid, w, d.sizes)
        log_ratio = np.minimum(self.log_q - _log_z(self.log_q, w)[:, None], _EXP_CAP)
        return np.exp(log_ratio) * (self.grid[None, :] - mean[:, None]) / d.sigmas[:, None]

    def solve(self, w0: np.ndarray) -> np.ndarray:
        """Minimize the objective by a projected Levenberg-Marquardt method.

        The residuals are homogeneous of degree 0 in ``w`` (``G w = 0`` for their Jacobian
        ``G``), so the damped Gauss-Newton step at ``w_k`` is the nonnegative least-squares
        problem ``min_w |r_k + G w|^2 + |R w|^2 + mu (1'w - 1)^2 + d sum_j c_j (w_j - w_kj)^2``
        with ``R`` the penalty root and Marquardt's column scales ``c_j`` (the diagonal of
        the Gauss-Newton matrix); a step is kept when the true objective decreases, and the
        damping ``d`` shrinks after a success and grows after a failure.
        """
        size = w0.size
        w, f = w0, self.objective(w0)
        zeros = np.zeros(self.root.shape[0])
        norm_row = np.full((1, size), np.sqrt(_MU))
        jac = self.jacobian(w)
        damping = 1e-3
        for _ in range(_MAX_ITER):
            scale = np.sqrt(damping * (np.sum(jac ** 2, axis=0) + np.diag(self.penalty) + _MU))
            system = np.vstack([jac, self.root, norm_row, np.diag(scale)])
            rhs = np.concatenate([-self.residuals(w), zeros, [np.sqrt(_MU)], scale * w])
            w_new = _nnls_from(system, rhs, _lowest_allowed(w))
            f_new = self.objective(w_new) if np.any(w_new > 0) else np.inf
            if f_new < f:
                converged = f - f_new < _TOL * max(f, 1e-12)
                w, f, damping = w_new, f_new, damping / 3.0
                if converged:
                    break
                jac = self.jacobian(w)
            else:
                damping *= 5.0
                if damping > 1e30:
                    break
        return w


def _lowest_allowed(w: np.ndarray) -> int:
    """Support may grow downwards by ``_REACH`` grid points per step (linearization limit)."""
    return max(int(np.flatnonzero(w > 0)[0]) - _REACH, 0)


def _nnls_from(system: np.ndarray, rhs: np.ndarray, start: int) -> np.ndarray:
    """NNLS over the columns ``start:`` (the others stay 0)."""
    w = np.zeros(system.shape[1])
    w[start:], _ = optimize.nnls(system[:, start:], rhs, maxiter=50 * system.shape[1])
    return w


def _log_z(log_q: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``ln sum_j w_j exp(log_q_nj)`` per row, over the grid points with ``w_j > 0``."""
    pos = w > 0
    return logsumexp(log_q[:, pos] + np.log(w[pos]), axis=1)


def curve_from_masses(grid, w, n) -> np.ndarray:
    """``E_n`` of the grid density ``w`` at sizes ``n`` (the formula of the module docstring)."""
    grid, w = np.asarray(grid, float), np.asarray(w, float)
    pos = w > 0
    log_p = np.outer(np.atleast_1d(np.asarray(n, float)), np.log1p(-grid[pos])) + np.log(w[pos])
    p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    return (p @ grid[pos]) / p.sum(axis=1)


def _chi2(grid, w, data: CurveData) -> float:
    r = (curve_from_masses(grid, w, data.sizes) - data.means) / data.sigmas
    return float(r @ r)


def _cross_validate(grid, data: CurveData, lambdas, w0) -> np.ndarray:
    """Mean held-out chi2 per lambda, leaving out one size at a time."""
    scores = np.zeros(len(lambdas))
    for k, lam in enumerate(lambdas):
        for i in range(data.sizes.size):
            keep = np.arange(data.sizes.size) != i
            train = data.select(keep)
            w = _Problem(grid, train, lam).solve(w0)
            pred = curve_from_masses(grid, w, data.sizes[i:i + 1])[0]
            scores[k] += ((pred - data.means[i]) / data.sigmas[i]) ** 2
    return scores / data.sizes.size


def _quantile(grid, mass, p) -> float:
    cdf = np.cumsum(mass) / mass.sum()
    return float(grid[min(np.searchsorted(cdf, p), grid.size - 1)])


def _posterior_masses(grid, w, sizes) -> np.ndarray:
    """Rows ``w_j q_nj / Z_n``: the fitted Q_n on the grid, one row per size."""
    log_q = np.outer(sizes, np.log1p(-grid))
    pos = w > 0
    out = np.zeros(log_q.shape)
    log_p = log_q[:, pos] + np.log(w[pos])
    out[:, pos] = np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))
    return out


def _determined_range(grid, w, sizes) -> tuple[float, float]:
    post = _posterior_masses(grid, w, sizes)
    lows = [_quantile(grid, row, 0.05) for row in post]
    highs = [_quantile(grid, row, 0.95) for row in post]
    return min(lows), max(highs)


def _effective_params(problem: _Problem, w: np.ndarray) -> float:
    """Trace of the linearized hat matrix on the active grid points (in [1, sizes])."""
    active = w > 1e-8 * w.max()
    jac = problem.jacobian(w)[:, active]
    ones = np.ones(active.sum())
    hess = jac.T @ jac + problem.penalty[np.ix_(active, active)] + _MU * np.outer(ones, ones)
    hat = jac @ np.linalg.pinv(hess, hermitian=True) @ jac.T
    return float(np.clip(np.trace(hat), 1.0, problem.data.sizes.size))


def _summary(grid, w, lam) -> np.ndarray:
    return np.array([lam, _quantile(grid, w, 0.01), _quantile(grid, w, 0.5)])


def fit_nonparametric(data: CurveData, *, n_bootstrap: int = 20, seed: int = 0,
                      eps_max: float = 1.0, grid_size: int = 80,
                      lambdas=DEFAULT_LAMBDAS) -> FitResult:
    """Recover a grid density from the learning curve; see the module docstring.

    The reported parameters are ``lambda`` (chosen by cross-validation), ``eps_floor`` (the
    1% quantile of the fitted D) and ``eps_median``; their standard errors come from refits
    on bootstrap replicates of the runs at the chosen ``lambda``.

    Raises
    ------
    FitError
        Fewer than three distinct sizes (cross-validation needs two to fit, one to test).
    """
    if data.sizes.size < 3:
        raise FitError(f"model 'nonparametric' needs at least 3 distinct n for its "
                       f"cross-validation; the data have {data.sizes.size}.")
    positive = data.means[data.means > 0]
    eps_lo = min(1e-4, 0.1 * positive.min()) if positive.size else 1e-6
    grid = np.geomspace(eps_lo, 0.999 * eps_max, grid_size)
    w0 = np.full(grid_size, 1.0 / grid_size)
    scores = _cross_validate(grid, data, lambdas, w0)
    lam = float(lambdas[int(np.argmin(scores))])
    problem = _Problem(grid, data, lam)
    w = _normalized(problem.solve(w0))
    rng = np.random.default_rng(seed)
    masses = [_normalized(_Problem(grid, data.resample(rng), lam).solve(w))
              for _ in range(n_bootstrap if np.any(data.counts > 1) else 0)]
    reps = np.array([_summary(grid, m, lam) for m in masses]).reshape(-1, 3)
    stderr = reps.std(axis=0, ddof=1) if len(reps) > 1 else np.full(3, math.nan)
    density = _grid_density(grid, w)

    def predictor(theta, n, _density=density):
        return _learning_curve(_density, n)

    def replicate_predictor(b, n, _grid=grid, _masses=masses):
        return _learning_curve(_grid_density(_grid, _masses[b]), n)

    extras = {"grid": grid, "masses": w, "cv_lambdas": np.asarray(lambdas, float),
              "cv_scores": scores, "determined_eps_range": _determined_range(grid, w, data.sizes)}
    return FitResult(param_names=("lambda", "eps_floor", "eps_median"),
                     theta=_summary(grid, w, lam), stderr=stderr, replicates=reps,
                     chi2=_chi2(grid, w, data), n_points=int(data.sizes.size),
                     n_params=_effective_params(problem, w), predictor=predictor,
                     density=density, relative_weights=data.relative_weights, extras=extras,
                     replicate_predictor=replicate_predictor)


def _normalized(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _learning_curve(density, n):
    from badminima.theory import learning_curve
    return np.asarray(learning_curve(density, np.asarray(n, dtype=float)), dtype=float)


def _grid_density(grid, w):
    """The fitted D as a theory-layer Empirical density (weights on the grid points)."""
    from badminima.theory import Empirical
    return Empirical(grid, weights=w)
