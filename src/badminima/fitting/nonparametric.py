r"""A free-form true-error density recovered from a learning curve (SCIENCE.md section 3).

The density is a set of masses :math:`w_j \ge 0` on a grid :math:`\epsilon_j`, uniform in
:math:`\ln\epsilon` from ``eps_lo`` to ``0.999 eps_max``. By section 2 its learning curve is
the ratio of consecutive moments,

.. math::

    Z_n = \sum_j w_j (1-\epsilon_j)^n, \qquad
    E_n = 1 - \frac{Z_{n+1}}{Z_n} = \frac{\sum_j w_j q_{nj}\epsilon_j}{\sum_j w_j q_{nj}},
    \qquad q_{nj} = e^{n\ln(1-\epsilon_j) - \max_k n\ln(1-\epsilon_k)},

computed in log space (the :math:`q_{nj}` are rescaled per ``n`` so they never underflow
all together). The fit minimizes

.. math::

    \sum_i \Big(\frac{E_{n_i}(w) - \bar e_i}{\sigma_i}\Big)^2
    + \lambda J^5 \lVert L w\rVert^2 + \mu \big(\textstyle\sum_j w_j - 1\big)^2

over :math:`w \ge 0` (L-BFGS-B with the analytic gradient), where :math:`L` takes second
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

from badminima.errors import FitError
from badminima.fitting.data import CurveData
from badminima.fitting.result import FitResult

DEFAULT_LAMBDAS = tuple(10.0 ** k for k in range(-10, 1))
_MU = 1e4


class _Problem:
    """The grid, the rescaled consistency weights q_nj and the penalty of one data set."""

    def __init__(self, grid: np.ndarray, data: CurveData, lam: float):
        self.grid, self.data, self.lam = grid, data, lam
        self.q = _consistency(grid, data.sizes)
        size = grid.size
        lap = np.diff(np.eye(size), n=2, axis=0)
        self.penalty = lam * size ** 5 * (lap.T @ lap)

    def objective(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        q, d = self.q, self.data
        z = np.maximum(q @ w, 1e-300)
        mean = (q @ (w * self.grid)) / z
        r = (mean - d.means) / d.sigmas
        jac = q * (self.grid[None, :] - mean[:, None]) / (z * d.sigmas)[:, None]
        pw = self.penalty @ w
        total = w.sum() - 1.0
        value = float(r @ r + w @ pw + _MU * total ** 2)
        grad = 2.0 * (jac.T @ r) + 2.0 * pw + 2.0 * _MU * total
        return value, grad

    def solve(self, w0: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            res = optimize.minimize(self.objective, w0, jac=True, method="L-BFGS-B",
                                    bounds=[(0.0, None)] * w0.size,
                                    options={"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-9})
        return res.x


def _consistency(grid: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    log_q = np.outer(sizes, np.log1p(-grid))
    return np.exp(log_q - log_q.max(axis=1, keepdims=True))


def curve_from_masses(grid, w, n) -> np.ndarray:
    """``E_n`` of the grid density ``w`` at sizes ``n`` (the formula of the module docstring)."""
    q = _consistency(np.asarray(grid, float), np.atleast_1d(np.asarray(n, float)))
    with np.errstate(all="ignore"):
        return (q @ (w * grid)) / np.maximum(q @ w, 1e-300)


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


def _determined_range(grid, w, sizes) -> tuple[float, float]:
    post = _consistency(grid, sizes) * w[None, :]
    lows = [_quantile(grid, row, 0.05) for row in post]
    highs = [_quantile(grid, row, 0.95) for row in post]
    return min(lows), max(highs)


def _effective_params(problem: _Problem, w: np.ndarray) -> float:
    active = w > 1e-8 * w.max()
    q, d, grid = problem.q[:, active], problem.data, problem.grid[active]
    z = q @ w[active]
    mean = (q @ (w[active] * grid)) / z
    jac = q * (grid[None, :] - mean[:, None]) / (z * d.sigmas)[:, None]
    ones = np.ones(active.sum())
    hess = jac.T @ jac + problem.penalty[np.ix_(active, active)] + _MU * np.outer(ones, ones)
    hat = jac @ np.linalg.lstsq(hess, jac.T, rcond=None)[0]
    return float(np.clip(np.trace(hat), 1.0, d.sizes.size))


def _summary(grid, w, lam) -> np.ndarray:
    return np.array([lam, _quantile(grid, w, 0.01), _quantile(grid, w, 0.5)])


def fit_nonparametric(data: CurveData, *, n_bootstrap: int = 20, seed: int = 0,
                      eps_max: float = 1.0, grid_size: int = 120,
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

    def predictor(theta, n, _grid=grid, _w=w):
        return curve_from_masses(_grid, _w, n)

    def replicate_predictor(b, n, _grid=grid, _masses=masses):
        return curve_from_masses(_grid, _masses[b], n)

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


def _grid_density(grid, w):
    """The fitted D as a theory-layer Empirical density (weights on the grid points)."""
    from badminima.theory import Empirical
    return Empirical(grid, weights=w)
