r"""A free-form true-error density recovered from a learning curve (docs/science.md section 3).

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

Cells (:func:`cell_edges`): ``grid_size`` log-spaced cells from ``0.3 min(mean_i)`` to
``eps_max`` plus ``floor_cells`` between half and all of the smallest measured mean.

The unknowns are the log cell weights :math:`\ln w_j` (so that ``D`` may span more than the
~700 decades a float64 holds: a curve falling from 0.8 to 0.4 over n = 50 ... 5000 needs
:math:`\ln D` to rise by ~1000 across the errors). They minimize

.. math::

    \sum_i \Big(\frac{E_{n_i}(w) - \bar e_i}{\sigma_i}\Big)^2
    + \lambda \sum_j \big((g - g_0)''_j\big)^2 + \text{gauge}\,(\ln \textstyle\sum_j w_j)^2,

with :math:`g` the log density per unit :math:`\ln\epsilon`, :math:`g_0` a data-driven
reference shape (the posterior mode follows the measured curve,
:math:`(\ln D)'(\epsilon) = n(\epsilon)/(1-\epsilon)` with :math:`n(\epsilon)` interpolated
log-log from the means and extrapolated as a power law), and the last term fixing the scale
that the ratio :math:`E_n` does not see. A second reference competes when the data flatten:
if ``a + b n^-c`` fitted to the means has a floor ``a > min(mean_i)/2`` (:func:`_floor_fit`),
:math:`n(\epsilon) = ((\epsilon - a)/b)^{-1/c}` diverges at ``a`` (D ~ 0 below it), a cell
edge is put at ``a``, and this reference is used if its cross-validation score is lower.
Levenberg-Marquardt uses the exact Jacobian
:math:`\partial E_n/\partial \ln w_j = \pi_{nj}(\mu_{nj} - E_n)` (:math:`\pi` the posterior
cell probabilities, :math:`\mu` the tilted cell means). :math:`\lambda` is chosen by
leave-one-size-out cross-validation over ``DEFAULT_LAMBDAS``, warm-started from the largest
value down; bootstrap refits are warm-started from the fit.

What the data determine: a learning curve measured at sizes :math:`n_i` constrains ``D``
only through the moments :math:`Z_{n_i}`, i.e. where the posteriors :math:`Q_{n_i}` put
their mass. ``extras["determined_eps_range"]`` runs from the 5% quantile of the fitted
:math:`Q_n` at the largest size to its 95% quantile at the smallest (``eps_floor`` is its
lower end: the lowest error the data show); outside it ``D`` is set by the smoothness penalty, not by the
data (its shape there has no bearing on the fitted curve). The effective number of
parameters is the trace of the linearized hat matrix on the active cells.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.special import logsumexp, softmax

from badminima.errors import FitError
from badminima.fitting.data import CurveData
from badminima.fitting.result import FitResult
from badminima.theory import PiecewiseUniform, learning_curve, posterior
from badminima.theory.piecewise import cell_moments

DEFAULT_LAMBDAS = tuple(10.0 ** k for k in range(-4, 5))
_GAUGE = 1e-3  # weight of (ln sum_j w_j)^2: fixes the scale that the ratio E_n does not see
_MAX_ITER = 300


def cell_edges(data: CurveData, eps_max: float = 1.0, grid_size: int = 48,
               floor_cells: int = 8) -> np.ndarray:
    """Cell edges adapted to the range of the measured errors (see the module docstring).

    ``grid_size`` log-spaced cells from ``0.3 min(mean_i)`` to ``eps_max``, plus
    ``floor_cells`` log-spaced edges between half and all of the smallest mean (where a
    floor shows), dropping any edge closer than a third of the grid's log step to the last.
    """
    means = data.means[data.means > 0]
    low = min(0.3 * float(means.min()) if means.size else 1e-3 * eps_max, 0.5 * eps_max)
    step = math.log(eps_max / low) / grid_size
    edges = np.geomspace(low, eps_max, grid_size + 1)
    if means.size and floor_cells > 0:
        top = min(float(means.min()), eps_max)
        edges = np.union1d(edges, np.geomspace(0.5 * top, top, floor_cells + 1))
    keep = [edges[0]]
    for e in edges[1:-1]:
        if math.log(e / keep[-1]) >= step / 3 and math.log(eps_max / e) >= step / 3:
            keep.append(e)
    return np.array(keep + [eps_max])


def _roughness_root(edges: np.ndarray, lam: float) -> np.ndarray:
    """``R`` with ``|R g|^2 = lam sum_j delta_j (g''_j)^2`` for ``g`` per cell centre.

    ``g''`` is the second divided difference at the cell centres in ``ln eps`` (spacing
    ``delta_j``, half the span of the three centres): ``int (d^2 g / d ln eps^2)^2``.
    """
    log_e = np.log(edges)
    x = 0.5 * (log_e[:-1] + log_e[1:])
    h_left, h_right = np.diff(x)[:-1], np.diff(x)[1:]
    span = h_left + h_right
    rows = np.arange(x.size - 2)
    second = np.zeros((x.size - 2, x.size))
    second[rows, rows] = 2.0 / (h_left * span)
    second[rows, rows + 1] = -2.0 / (h_left * h_right)
    second[rows, rows + 2] = 2.0 / (h_right * span)
    return np.sqrt(lam * 0.5 * span)[:, None] * second


class _Problem:
    """The cells, their log moments and tilted means at the data sizes, and the penalty.

    The unknowns are the log cell probabilities ``v_j = ln w_j``; the penalty acts on
    ``g_j = v_j - ln ln(e_{j+1}/e_j)``, the log density per unit ``ln eps``.
    """

    def __init__(self, edges: np.ndarray, data: CurveData, lam: float, moments=None,
                 reference: np.ndarray | None = None):
        self.edges, self.data, self.lam = edges, data, lam
        self.log_q, self.mu = moments if moments is not None else cell_moments(edges, data.sizes)
        self.reference = reference if reference is not None else _initial_log_weights(edges, data)
        self.root = _roughness_root(edges, lam)
        self.penalty = self.root.T @ self.root

    def curve(self, w: np.ndarray) -> np.ndarray:
        """``E_n(w)`` at the data sizes for cell probabilities ``w >= 0``."""
        with np.errstate(divide="ignore"):
            return _curve(self.log_q, self.mu, np.log(w))

    def objective_and_grad(self, v: np.ndarray) -> tuple[float, np.ndarray]:
        """Penalized chi2 and its exact gradient in ``v``.

        ``dE_n / dv_j = pi_nj (mu_nj - E_n)`` with ``pi_nj ∝ w_j z_nj`` the posterior
        cell probabilities (the linear structure of ``Z_n`` in ``w``).
        """
        pi = softmax(self.log_q + v, axis=1)
        mean = np.sum(pi * self.mu, axis=1)
        r = (mean - self.data.means) / self.data.sigmas
        g = v - self.reference
        pg = self.penalty @ g
        log_norm = logsumexp(v)
        f = r @ r + g @ pg + _GAUGE * log_norm ** 2
        grad = 2.0 * ((r / self.data.sigmas) @ (pi * (self.mu - mean[:, None]))) + 2.0 * pg \
            + 2.0 * _GAUGE * log_norm * softmax(v)
        return float(f), grad

    def jacobian(self, v: np.ndarray) -> np.ndarray:
        """``d residual_n / d v_j``."""
        pi = softmax(self.log_q + v, axis=1)
        mean = np.sum(pi * self.mu, axis=1)
        return pi * (self.mu - mean[:, None]) / self.data.sigmas[:, None]

    def stacked(self, v: np.ndarray) -> np.ndarray:
        """Residuals, penalty rows ``R g`` and the gauge row: the objective is their square."""
        r = (_curve(self.log_q, self.mu, v) - self.data.means) / self.data.sigmas
        return np.concatenate([r, self.root @ (v - self.reference),
                               [math.sqrt(_GAUGE) * logsumexp(v)]])

    def stacked_jacobian(self, v: np.ndarray) -> np.ndarray:
        return np.vstack([self.jacobian(v), self.root, math.sqrt(_GAUGE) * softmax(v)[None]])

    def solve(self, v0: np.ndarray) -> np.ndarray:
        """Minimize the penalized objective over ``v`` (Levenberg-Marquardt, exact Jacobian)."""
        res = optimize.least_squares(self.stacked, v0, jac=self.stacked_jacobian, method="lm",
                                     xtol=1e-10, ftol=1e-10, max_nfev=_MAX_ITER)
        return res.x - logsumexp(res.x)


def _penalty_matrix(edges: np.ndarray) -> np.ndarray:
    root = _roughness_root(edges, 1.0)
    return root.T @ root


def _curve(log_q: np.ndarray, mu: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``sum_j pi_nj mu_nj`` with ``pi_nj ∝ exp(v_j) z_nj`` (``v_j = -inf``: empty cell)."""
    return np.sum(softmax(log_q + v, axis=1) * mu, axis=1)


def _floor_fit(data: CurveData):
    """``(a, b, c)`` of ``a + b n^-c`` fitted (weighted least squares) to the means, or None.

    ``a`` may exceed the smallest means (noise puts some of them below a floor; it is bounded
    by the largest mean only).
    Only a floor the data reach is returned: ``a > min(mean_i) / 2`` (the curve has flattened;
    a smaller ``a`` is a power law whose floor lies beyond the data, where the interpolated
    reference of :func:`_initial_log_weights` extrapolates better).
    """
    n, y, s = data.sizes, data.means, data.sigmas
    if n.size < 4 or np.any(y <= 0):
        return None
    top = float(y.max())

    def resid(p):
        a, log_b, c = p
        return (a + np.exp(log_b - c * np.log(n)) - y) / s

    best = None
    for frac in (0.5, 0.9, 0.98):
        for c0 in (0.5, 1.0):
            a0 = frac * float(y.min())
            b0 = max(float(y[0]) - a0, 1e-12) * n[0] ** c0
            try:
                res = optimize.least_squares(resid, [a0, math.log(b0), c0],
                                             bounds=([0.0, -np.inf, 1e-3], [top, np.inf, 5.0]))
            except ValueError:
                continue
            if best is None or res.cost < best.cost:
                best = res
    if best is None or not best.success:
        return None
    a, log_b, c = best.x
    if not 0.5 * float(y.min()) < a < top:
        return None
    return float(a), float(math.exp(log_b)), float(c)


def _floor_log_weights(edges: np.ndarray, data: CurveData, floor) -> np.ndarray:
    """As :func:`_initial_log_weights` with ``n(eps) = ((eps - a)/b)^(-1/c)`` from the
    floored power law ``a + b n^-c`` (diverging at the floor ``a``; clipped to
    ``[1, 1e3 n_max]``, so below ``a`` the density falls at the steepest rate).
    """
    a, b, c = floor
    centres = np.sqrt(edges[:-1] * edges[1:])
    n_cap = 1e3 * data.sizes.max()
    with np.errstate(divide="ignore", invalid="ignore"):
        log_n = np.where(centres > a, -np.log(np.maximum(centres - a, 1e-300) / b) / c, np.inf)
    slope = np.exp(np.clip(log_n, 0.0, np.log(n_cap))) / (1.0 - centres)
    log_d = np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(centres))])
    v = log_d + np.log(np.diff(edges))
    return v - logsumexp(v)


def _with_edge(edges: np.ndarray, e: float) -> np.ndarray:
    """``edges`` with ``e`` inserted, dropping inner edges closer than a third of a cell."""
    if not edges[0] < e < edges[-1]:
        return edges
    step = np.diff(np.log(edges)).min() / 3
    inner = edges[1:-1]
    inner = inner[np.abs(np.log(inner / e)) >= step]
    return np.concatenate([[edges[0]], np.sort(np.append(inner, e)), [edges[-1]]])


def _initial_log_weights(edges: np.ndarray, data: CurveData) -> np.ndarray:
    """Log weights whose posterior mode follows the data: ``(ln D)'(eps) = n(eps)/(1-eps)``.

    ``n(eps)`` interpolates the running minimum of the measured means against ``n_i`` in
    log-log (first size of each value; linear extrapolation with the least-squares slopes of
    the three end points, ``n`` kept in ``[1, 1e3 n_max]``).
    """
    means = np.minimum.accumulate(data.means)  # a learning curve never rises
    first = np.concatenate([[True], np.diff(means) < 0]) & (means > 0)
    x, y = np.log(means[first][::-1]), np.log(data.sizes[first][::-1])
    centres = np.sqrt(edges[:-1] * edges[1:])
    t = np.log(centres)
    if x.size >= 3:
        log_n = np.interp(t, x, y)
        lo_slope, hi_slope = np.polyfit(x[:3], y[:3], 1)[0], np.polyfit(x[-3:], y[-3:], 1)[0]
        log_n = np.where(t < x[0], y[0] + lo_slope * (t - x[0]), log_n)
        log_n = np.where(t > x[-1], y[-1] + hi_slope * (t - x[-1]), log_n)
    else:
        log_n = np.full_like(t, np.log(np.median(data.sizes)))
    slope = np.exp(np.clip(log_n, 0.0, np.log(1e3 * data.sizes.max()))) / (1.0 - centres)
    log_d = np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(centres))])
    v = log_d + np.log(np.diff(edges))
    return v - logsumexp(v)


def _cross_validate(edges, data: CurveData, lambdas, v0, reference=None):
    """Mean held-out chi2 per lambda (leave one size out), and the full fits per lambda.

    Lambdas are visited from the largest down, each fit warm-started from the previous one.
    ``reference``: the shape ``g0`` (default: :func:`_initial_log_weights` of each subset).
    """
    log_q, mu = cell_moments(edges, data.sizes)
    order = np.argsort(lambdas)[::-1]
    scores, fits = np.zeros(len(lambdas)), [None] * len(lambdas)
    v = v0
    for k in order:
        v = fits[k] = _Problem(edges, data, lambdas[k], (log_q, mu), reference).solve(v)
        for i in range(data.sizes.size):
            keep = np.arange(data.sizes.size) != i
            sub = data.select(keep)
            vi = _Problem(edges, sub, lambdas[k], (log_q[keep], mu[keep]), reference).solve(v)
            pred = _curve(log_q[i:i + 1], mu[i:i + 1], vi)[0]
            scores[k] += ((pred - data.means[i]) / data.sigmas[i]) ** 2
    return scores / data.sizes.size, fits


def _determined_range(density: PiecewiseUniform, sizes) -> tuple[float, float]:
    """From the 5% quantile of ``Q_{n_max}`` to the 95% quantile of ``Q_{n_min}``."""
    low = float(posterior(density, float(np.max(sizes))).ppf(0.05))
    high = float(posterior(density, float(np.min(sizes))).ppf(0.95))
    return low, high


def _effective_params(problem: _Problem, v: np.ndarray) -> float:
    """Trace of the linearized hat matrix in the log weights (in [1, sizes])."""
    jac = problem.jacobian(v)
    p = softmax(v)
    hess = jac.T @ jac + problem.penalty + _GAUGE * np.outer(p, p)
    hat = jac @ np.linalg.pinv(hess, hermitian=True) @ jac.T
    return float(np.clip(np.trace(hat), 1.0, problem.data.sizes.size))


def _summary(density: PiecewiseUniform, lam, sizes) -> np.ndarray:
    return np.array([lam, _determined_range(density, sizes)[0], float(density.ppf(0.5))])


def fit_nonparametric(data: CurveData, *, n_bootstrap: int = 20, seed: int = 0,
                      eps_max: float = 1.0, grid_size: int = 48, floor_cells: int = 8,
                      lambdas=DEFAULT_LAMBDAS) -> FitResult:
    """Recover a piecewise-constant density from the learning curve; see the module docstring.

    The reported parameters are ``lambda`` (chosen by cross-validation), ``eps_floor`` (the
    5% quantile of the fitted posterior ``Q_n`` at the largest measured ``n``: the lowest
    error at which the data still determine D) and ``eps_median`` (the median of the
    fitted D, usually near chance); their standard errors come from refits on bootstrap
    replicates of the runs at the chosen ``lambda``, warm-started from the fit. The
    prediction is ``learning_curve(density, n)`` of the fitted
    :class:`~badminima.theory.PiecewiseUniform`.

    Raises
    ------
    FitError
        Fewer than three distinct sizes (cross-validation needs two to fit, one to test).
    """
    if data.sizes.size < 3:
        raise FitError(f"model 'nonparametric' needs at least 3 distinct n for its "
                       f"cross-validation; the data have {data.sizes.size}.")
    lambdas = np.asarray(lambdas, dtype=float)
    edges = cell_edges(data, eps_max, grid_size, floor_cells)
    scores, fits = _cross_validate(edges, data, lambdas, _initial_log_weights(edges, data))
    reference, floor = None, _floor_fit(data)
    if floor is not None:
        f_edges = _with_edge(edges, floor[0])
        f_ref = _floor_log_weights(f_edges, data, floor)
        f_scores, f_fits = _cross_validate(f_edges, data, lambdas, f_ref, f_ref)
        if f_scores.min() < scores.min():
            edges, scores, fits, reference = f_edges, f_scores, f_fits, f_ref
    best = int(np.argmin(scores))
    lam, v = float(lambdas[best]), fits[best]
    problem = _Problem(edges, data, lam, reference=reference)
    density = PiecewiseUniform.from_log_weights(edges, v)
    rng = np.random.default_rng(seed)
    replicas = [PiecewiseUniform.from_log_weights(
                    edges, _Problem(edges, data.resample(rng), lam, reference=reference).solve(v))
                for _ in range(n_bootstrap if np.any(data.counts > 1) else 0)]
    reps = np.array([_summary(d, lam, data.sizes) for d in replicas]).reshape(-1, 3)
    stderr = reps.std(axis=0, ddof=1) if len(reps) > 1 else np.full(3, math.nan)
    residuals = (_learning_curve(density, data.sizes) - data.means) / data.sigmas

    def predictor(theta, n, _density=density):
        return _learning_curve(_density, n)

    def replicate_predictor(b, n, _replicas=replicas):
        return _learning_curve(_replicas[b], n)

    extras = {"edges": edges, "weights": density.weights, "log_weights": v,
              "cv_lambdas": lambdas, "cv_scores": scores,
              "determined_eps_range": _determined_range(density, data.sizes)}
    return FitResult(param_names=("lambda", "eps_floor", "eps_median"),
                     theta=_summary(density, lam, data.sizes), stderr=stderr, replicates=reps,
                     chi2=float(residuals @ residuals), n_points=int(data.sizes.size),
                     n_params=_effective_params(problem, v), predictor=predictor,
                     density=density, relative_weights=data.relative_weights, extras=extras,
                     replicate_predictor=replicate_predictor)


def _learning_curve(density, n):
    return np.asarray(learning_curve(density, np.asarray(n, dtype=float)), dtype=float)
