r"""A free-form true-error density recovered from a learning curve (SCIENCE.md section 3).

The density is piecewise constant on cells :math:`[e_j, e_{j+1})` with probabilities
:math:`w_j \ge 0` (:class:`~badminima.theory.PiecewiseUniform`). Every cell's moments are
closed form, so by section 2 the learning curve is exact and linear in ``w`` inside a ratio,

.. math::

    Z_n = \sum_j w_j z_{nj}, \qquad
    z_{nj} = \frac{(1-e_j)^{n+1} - (1-e_{j+1})^{n+1}}{(n+1)(e_{j+1}-e_j)}, \qquad
    E_n = \frac{\sum_j w_j z_{nj} \bar\epsilon_{nj}}{\sum_j w_j z_{nj}},

with :math:`\bar\epsilon_{nj}` the mean of cell ``j`` tilted by :math:`(1-\epsilon)^n`
(:func:`badminima.theory.piecewise.cell_moments`, in log space; nothing underflows for
``n`` up to 1e9). Unlike point masses, a cell has a continuous learning curve of its own, so
the fitted curve has no staircase at large ``n`` and a floor can sit anywhere in a cell.

Cells (:func:`cell_edges`): log-spaced from ``1/(10 n_max)`` (``Q_n`` at the largest
size resolves nothing below that) to ``eps_max``, ``grid_size`` cells, plus
``floor_cells`` log-spaced edges between half and all of the smallest measured mean, where
a floor must lie (an 80-cell log grid alone spaces edges 18% apart there).

The fit minimizes

.. math::

    \sum_i \Big(\frac{E_{n_i}(w) - \bar e_i}{\sigma_i}\Big)^2
    + \lambda X^5 \sum_j \delta_j (f''_j)^2 + \mu \big(\textstyle\sum_j w_j - 1\big)^2

over :math:`w \ge 0` (projected Levenberg-Marquardt, :meth:`_Problem.solve`), where
:math:`f_j = w_j / \ln(e_{j+1}/e_j)` is the density per unit :math:`\ln\epsilon`,
:math:`f''_j` its second divided difference at the cell centres (spacing
:math:`\delta_j`; a roughness penalty on the density in :math:`\ln\epsilon`), :math:`X` the
width of the grid in :math:`\ln\epsilon` (which makes :math:`\lambda` grid independent), and
the last term fixes the normalization that the ratio :math:`E_n` does not see.
:math:`\lambda` is chosen by leave-one-size-out cross-validation over a log grid.

What the data determine: a learning curve measured at sizes :math:`n_i` constrains ``D``
only through the moments :math:`Z_{n_i}`, i.e. where the posteriors :math:`Q_{n_i}` put
their mass. ``extras["determined_eps_range"]`` is the union of the central 90% intervals
of the fitted :math:`Q_{n_i}`; outside it ``D`` is set by the smoothness penalty, not by the
data (its shape there has no bearing on the fitted curve). The effective number of
parameters is the trace of the linearized hat matrix on the active cells.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from badminima.errors import FitError
from badminima.fitting.data import CurveData
from badminima.fitting.result import FitResult
from badminima.theory import PiecewiseUniform, learning_curve, posterior
from badminima.theory.piecewise import cell_moments

DEFAULT_LAMBDAS = tuple(10.0 ** k for k in range(-12, -3, 2))
_MU = 1e4
_MAX_ITER = 200
_TOL = 1e-9
_EXP_CAP = 150.0  # cap on ln(z_nj / Z_n) below the current support (its square stays finite)
_REACH = 2


def cell_edges(data: CurveData, eps_max: float = 1.0, grid_size: int = 80,
               resolution: float = 2.0) -> np.ndarray:
    """Cell edges adapted to the data (see the module docstring).

    Edges march up from ``eps_lo = min(1/(10 n_max), 1e-3 eps_max)`` to ``eps_max`` with
    the ratio of a ``grid_size``-cell log grid, except that between half the smallest and
    the largest measured mean a step never exceeds ``resolution * max(sigma_i, 1/n_i)``,
    interpolated (log-log) between the measured means ``(mean_i, sigma_i, n_i)``.
    """
    eps_lo = min(0.1 / float(data.sizes.max()), 1e-3 * eps_max)
    ratio = (eps_max / eps_lo) ** (1.0 / grid_size)
    keep = data.means > 0
    order = np.argsort(data.means[keep])
    means = np.log(data.means[keep][order])
    steps = np.log(resolution * np.maximum(data.sigmas, 1.0 / data.sizes)[keep][order])
    bottom, top = (0.5 * math.exp(means[0]), math.exp(means[-1])) if means.size else (1.0, 0.0)
    edges = [eps_lo]
    while edges[-1] < eps_max:
        x = edges[-1]
        step = x * (ratio - 1.0)
        if bottom <= x <= top:
            step = min(step, math.exp(np.interp(math.log(x), means, steps)))
        edges.append(eps_max if eps_max - x < 1.5 * step else x + step)
    return np.array(edges)


def _roughness_root(edges: np.ndarray, lam: float) -> np.ndarray:
    """``R`` with ``|R w|^2 = lam X^5 sum_j delta_j (f''_j)^2``, ``f = w / ln-width``."""
    log_e = np.log(edges)
    width = np.diff(log_e)
    x = 0.5 * (log_e[:-1] + log_e[1:])
    h_left, h_right = np.diff(x)[:-1], np.diff(x)[1:]
    span = h_left + h_right
    rows = np.arange(x.size - 2)
    second = np.zeros((x.size - 2, x.size))
    second[rows, rows] = 2.0 / (h_left * span)
    second[rows, rows + 1] = -2.0 / (h_left * h_right)
    second[rows, rows + 2] = 2.0 / (h_right * span)
    scale = np.sqrt(lam * (log_e[-1] - log_e[0]) ** 5 * 0.5 * span)
    return scale[:, None] * second / width[None, :]


class _Problem:
    """The cells, their log moments and tilted means at the data sizes, and the penalty."""

    def __init__(self, edges: np.ndarray, data: CurveData, lam: float):
        self.edges, self.data, self.lam = edges, data, lam
        self.log_q, self.mu = cell_moments(edges, data.sizes)
        self.root = _roughness_root(edges, lam)
        self.penalty = self.root.T @ self.root

    def curve(self, w: np.ndarray) -> np.ndarray:
        """``E_n(w)`` at the data sizes (the formula of the module docstring)."""
        return _curve(self.log_q, self.mu, w)

    def residuals(self, w: np.ndarray) -> np.ndarray:
        """``(E_n(w) - mean_n) / sigma_n`` per size."""
        return (self.curve(w) - self.data.means) / self.data.sigmas

    def objective(self, w: np.ndarray) -> float:
        r = self.residuals(w)
        return float(r @ r + w @ self.penalty @ w + _MU * (w.sum() - 1.0) ** 2)

    def jacobian(self, w: np.ndarray) -> np.ndarray:
        """``d residual_n / d w_j = z_nj (mu_nj - E_n(w)) / (Z_n(w) sigma_n)``.

        ``z_nj / Z_n`` is formed in log space over the support of ``w`` and capped at
        ``exp(150)`` (an overflow guard; steps reach only ``_REACH`` cells below the support).
        """
        mean = self.curve(w)
        log_ratio = np.minimum(self.log_q - _log_z(self.log_q, w)[:, None], _EXP_CAP)
        return np.exp(log_ratio) * (self.mu - mean[:, None]) / self.data.sigmas[:, None]

    def solve(self, w0: np.ndarray) -> np.ndarray:
        """Minimize the objective by a projected Levenberg-Marquardt method.

        The residuals are homogeneous of degree 0 in ``w`` (``G w = 0`` for their Jacobian
        ``G``), so the damped Gauss-Newton step at ``w_k`` is the nonnegative least-squares
        problem ``min_w |r_k + G w|^2 + |R w|^2 + mu (1'w - 1)^2 + d sum_j c_j (w_j - w_kj)^2``
        with ``R`` the penalty root and Marquardt's column scales ``c_j`` (the diagonal of
        the Gauss-Newton matrix); a step is kept when the true objective decreases, and the
        damping ``d`` shrinks after a success and grows after a failure. A relative decrease
        below ``_TOL`` stops the search only once ``d < 1`` (not on a heavily damped step).
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
                # a tiny decrease ends the search only near the Gauss-Newton step
                converged = f - f_new < _TOL * max(f, 1e-12) and damping < 1.0
                w, f, damping = w_new, f_new, damping / 3.0
                if converged:
                    break
                jac = self.jacobian(w)
            else:
                damping *= 5.0
                if damping > 1e30:
                    break
        return w


def _curve(log_q: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_j pi_nj mu_nj`` with ``pi_nj ∝ w_j z_nj`` over the cells with ``w_j > 0``."""
    pos = w > 0
    log_p = log_q[:, pos] + np.log(w[pos])
    p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    return np.sum(p * mu[:, pos], axis=1) / p.sum(axis=1)


def _lowest_allowed(w: np.ndarray) -> int:
    """Support may grow downwards by ``_REACH`` cells per step (linearization limit)."""
    return max(int(np.flatnonzero(w > 0)[0]) - _REACH, 0)


def _nnls_from(system: np.ndarray, rhs: np.ndarray, start: int) -> np.ndarray:
    """NNLS over the columns ``start:`` (the others stay 0)."""
    w = np.zeros(system.shape[1])
    w[start:], _ = optimize.nnls(system[:, start:], rhs, maxiter=50 * system.shape[1])
    return w


def _log_z(log_q: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``ln sum_j w_j exp(log_q_nj)`` per row, over the cells with ``w_j > 0``."""
    pos = w > 0
    return logsumexp(log_q[:, pos] + np.log(w[pos]), axis=1)


def _cross_validate(edges, data: CurveData, lambdas, w0) -> np.ndarray:
    """Mean held-out chi2 per lambda, leaving out one size at a time."""
    log_q, mu = cell_moments(edges, data.sizes)
    scores = np.zeros(len(lambdas))
    for k, lam in enumerate(lambdas):
        for i in range(data.sizes.size):
            keep = np.arange(data.sizes.size) != i
            w = _Problem(edges, data.select(keep), lam).solve(w0)
            pred = _curve(log_q[i:i + 1], mu[i:i + 1], w)[0]
            scores[k] += ((pred - data.means[i]) / data.sigmas[i]) ** 2
    return scores / data.sizes.size


def _determined_range(density: PiecewiseUniform, sizes) -> tuple[float, float]:
    """Union of the central 90% intervals of the fitted ``Q_n`` at the data sizes."""
    bounds = np.array([posterior(density, n).ppf([0.05, 0.95]) for n in sizes])
    return float(bounds[:, 0].min()), float(bounds[:, 1].max())


def _effective_params(problem: _Problem, w: np.ndarray) -> float:
    """Trace of the linearized hat matrix on the active cells (in [1, sizes])."""
    active = w > 1e-8 * w.max()
    jac = problem.jacobian(w)[:, active]
    ones = np.ones(active.sum())
    hess = jac.T @ jac + problem.penalty[np.ix_(active, active)] + _MU * np.outer(ones, ones)
    hat = jac @ np.linalg.pinv(hess, hermitian=True) @ jac.T
    return float(np.clip(np.trace(hat), 1.0, problem.data.sizes.size))


def _summary(density: PiecewiseUniform, lam) -> np.ndarray:
    return np.array([lam, float(density.ppf(0.01)), float(density.ppf(0.5))])


def fit_nonparametric(data: CurveData, *, n_bootstrap: int = 20, seed: int = 0,
                      eps_max: float = 1.0, grid_size: int = 80, resolution: float = 2.0,
                      lambdas=DEFAULT_LAMBDAS) -> FitResult:
    """Recover a piecewise-constant density from the learning curve; see the module docstring.

    The reported parameters are ``lambda`` (chosen by cross-validation), ``eps_floor`` (the
    1% quantile of the fitted D) and ``eps_median``; their standard errors come from refits
    on bootstrap replicates of the runs at the chosen ``lambda``. The prediction is
    ``learning_curve(density, n)`` of the fitted :class:`~badminima.theory.PiecewiseUniform`.

    Raises
    ------
    FitError
        Fewer than three distinct sizes (cross-validation needs two to fit, one to test).
    """
    if data.sizes.size < 3:
        raise FitError(f"model 'nonparametric' needs at least 3 distinct n for its "
                       f"cross-validation; the data have {data.sizes.size}.")
    edges = cell_edges(data, eps_max, grid_size, resolution)
    w0 = _normalized(np.diff(np.log(edges)))
    scores = _cross_validate(edges, data, lambdas, w0)
    lam = float(lambdas[int(np.argmin(scores))])
    problem = _Problem(edges, data, lam)
    w = _normalized(problem.solve(w0))
    density = PiecewiseUniform(edges, w)
    rng = np.random.default_rng(seed)
    replicas = [PiecewiseUniform(edges, _normalized(
        _Problem(edges, data.resample(rng), lam).solve(w)))
        for _ in range(n_bootstrap if np.any(data.counts > 1) else 0)]
    reps = np.array([_summary(d, lam) for d in replicas]).reshape(-1, 3)
    stderr = reps.std(axis=0, ddof=1) if len(reps) > 1 else np.full(3, math.nan)
    residuals = (_learning_curve(density, data.sizes) - data.means) / data.sigmas

    def predictor(theta, n, _density=density):
        return _learning_curve(_density, n)

    def replicate_predictor(b, n, _replicas=replicas):
        return _learning_curve(_replicas[b], n)

    extras = {"edges": edges, "weights": w, "cv_lambdas": np.asarray(lambdas, float),
              "cv_scores": scores, "determined_eps_range": _determined_range(density, data.sizes)}
    return FitResult(param_names=("lambda", "eps_floor", "eps_median"),
                     theta=_summary(density, lam), stderr=stderr, replicates=reps,
                     chi2=float(residuals @ residuals), n_points=int(data.sizes.size),
                     n_params=_effective_params(problem, w), predictor=predictor,
                     density=density, relative_weights=data.relative_weights, extras=extras,
                     replicate_predictor=replicate_predictor)


def _normalized(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _learning_curve(density, n):
    return np.asarray(learning_curve(density, np.asarray(n, dtype=float)), dtype=float)
