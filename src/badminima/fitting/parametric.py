r"""Fitting a parametric model (density or law) to a learning curve.

Weighted least squares (``loss="wls"``)
    minimize :math:`\chi^2(\theta) = \sum_i ((E(n_i;\theta) - \bar e_i)/\sigma_i)^2` over the
    per-size means :math:`\bar e_i` with their standard errors :math:`\sigma_i`, within the
    model's box constraints, with ``scipy.optimize.least_squares`` (trust-region reflective)
    from several starts: the data-driven guess and ``n_starts - 1`` points drawn uniformly in
    the box (log-uniformly for scale parameters). The best start wins.
Likelihood (``loss="likelihood"``, density models only)
    each run's test error is Gaussian with the model's mean :math:`E_n` and the model's own
    spread :math:`\mathrm{sd}_n` of the true error of a random global minimum (docs/science.md
    section 2, ``Var_n``): :math:`-\ln L = \sum_r (e_r - E_{n_r})^2 / (2\,\mathrm{sd}_{n_r}^2)
    + \ln \mathrm{sd}_{n_r} + \tfrac12 \ln 2\pi`. It refines the WLS optimum with L-BFGS-B.
    It ignores the test-set noise, so it suits test sets much larger than ``1/sd_n^2``.
Uncertainties
    bootstrap over runs: ``n_bootstrap`` replicates resample the runs within each size
    (fixed seed) and refit from the best fit; ``stderr`` is the replicates' standard
    deviation. Without replicate runs (one run per size) or with ``n_bootstrap=0`` the
    asymptotic covariance :math:`s^2 (J^T J)^{-1}` of the least-squares Jacobian is used
    (``s^2`` = reduced chi2 with relative weights, else 1). The same covariance gives the
    parameter part of the predictive distribution, the delta-method standard deviation of
    :math:`\ln E(n)` (:mod:`badminima.fitting.predictive`).
"""

from __future__ import annotations

import dataclasses
import logging
import math

import numpy as np
from scipy import optimize

from badminima.errors import BadminimaError, FitError
from badminima.fitting.data import CurveData
from badminima.fitting.models import ModelSpec
from badminima.fitting.result import FitResult

logger = logging.getLogger(__name__)

_BAD = 1e6  # residual assigned where a model cannot be evaluated
_TINY_VAR = 1e-12


class _Transform:
    """Natural parameters <-> optimizer coordinates (log for scale parameters)."""

    def __init__(self, spec: ModelSpec, eps_max: float):
        self.log = np.array(spec.log_scale)
        low, high = spec.box(eps_max)
        self.low_u, self.high_u = self.to_u(low), self.to_u(high)

    def to_u(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return np.where(self.log, np.log(np.where(self.log, theta, 1.0)), theta)

    def to_theta(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        return np.where(self.log, np.exp(np.where(self.log, u, 0.0)), u)

    def clip(self, u) -> np.ndarray:
        span = self.high_u - self.low_u
        return np.clip(u, self.low_u + 1e-9 * span, self.high_u - 1e-9 * span)

    def random(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low_u, self.high_u)


def _safe_predict(spec: ModelSpec, theta, n, eps_max: float) -> np.ndarray:
    try:
        pred = spec.predict(theta, n, eps_max)
    except (BadminimaError, ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
        return np.full(np.shape(n), np.nan)
    return pred


def _residuals(u, spec, tf, data: CurveData, eps_max, prior=None) -> np.ndarray:
    """Weighted residuals of the data, then (with a prior) the whitened prior's."""
    pred = _safe_predict(spec, tf.to_theta(u), data.sizes, eps_max)
    with np.errstate(all="ignore"):
        r = (pred - data.means) / data.sigmas
    r = np.where(np.isfinite(r), r, _BAD)
    return r if prior is None else np.concatenate([r, prior.whiten(u)])


def _least_squares(spec, tf, data, eps_max, u0, prior=None) -> optimize.OptimizeResult:
    return optimize.least_squares(_residuals, tf.clip(u0), args=(spec, tf, data, eps_max, prior),
                                  bounds=(tf.low_u, tf.high_u), method="trf", x_scale="jac",
                                  max_nfev=100 * (len(u0) + 1))


def _best_wls(spec, tf, data, eps_max, starts, prior=None) -> optimize.OptimizeResult:
    best = None
    for u0 in starts:
        res = _least_squares(spec, tf, data, eps_max, u0, prior)
        if best is None or res.cost < best.cost:
            best = res
    if best is None or not np.all(np.abs(best.fun) < _BAD):
        raise FitError(f"model {spec.name!r} could not be evaluated on these data "
                       f"from any of {len(starts)} starts.")
    return best


def _neg_log_likelihood(u, spec, tf, data: CurveData, eps_max, prior=None) -> float:
    theta = tf.to_theta(u)
    try:
        mean = spec.predict(theta, data.sizes, eps_max)
        sd = spec.predict_std(theta, data.sizes, eps_max)
    except (BadminimaError, ValueError, ZeroDivisionError, FloatingPointError):
        return _BAD * data.n.size
    idx = np.searchsorted(data.sizes, data.n)
    var = sd[idx] ** 2 + _TINY_VAR
    with np.errstate(all="ignore"):
        nll = np.sum(0.5 * (data.errors - mean[idx]) ** 2 / var + 0.5 * np.log(2 * np.pi * var))
    if prior is not None:
        nll += 0.5 * float(np.sum(prior.whiten(u) ** 2))
    return float(nll) if np.isfinite(nll) else _BAD * data.n.size


def _refine_likelihood(spec, tf, data, eps_max, u0, prior=None) -> optimize.OptimizeResult:
    return optimize.minimize(_neg_log_likelihood, tf.clip(u0),
                             args=(spec, tf, data, eps_max, prior),
                             method="L-BFGS-B", bounds=list(zip(tf.low_u, tf.high_u)))


def _optimum(spec, tf, data, eps_max, loss, starts, prior=None):
    """Best parameters in optimizer coordinates, the WLS result, and the NLL if any."""
    wls = _best_wls(spec, tf, data, eps_max, starts, prior)
    if loss != "likelihood":
        return wls.x, wls, None
    lik = _refine_likelihood(spec, tf, data, eps_max, wls.x, prior)
    return lik.x, wls, float(lik.fun)


def _coords_covariance(spec, tf, data, eps_max, u, relative, prior=None) -> np.ndarray:
    """Asymptotic covariance ``s^2 (J^T J)^+`` of the optimizer coordinates ``u`` (with a
    prior: the Laplace covariance of the posterior, ``J`` including the prior's residuals)."""
    jac = optimize.approx_fprime(u, _residuals, 1e-6, spec, tf, data, eps_max, prior)
    chi2 = float(np.sum(_residuals(u, spec, tf, data, eps_max) ** 2))
    dof = data.sizes.size - u.size
    scale = chi2 / dof if (relative and dof > 0) else 1.0
    return np.linalg.pinv(jac.T @ jac) * scale


def _jacobian_stderr(tf, u, cov_u) -> np.ndarray:
    dtheta = np.where(tf.log, tf.to_theta(u), 1.0)
    return np.sqrt(np.clip(np.diag(cov_u), 0, None)) * dtheta


def _log_sd_function(spec, tf, eps_max, u, cov_u):
    """``n -> sd of ln E(n)`` by the delta method: ``sqrt(g^T cov_u g)``, ``g = d ln E / du``."""
    def log_sd(n):
        n = np.atleast_1d(np.asarray(n, dtype=float))
        base = np.log(_safe_predict(spec, tf.to_theta(u), n, eps_max))
        grad = np.empty((u.size, n.size))
        for k in range(u.size):
            step = 1e-6 * max(1.0, abs(u[k]))
            shifted = u.copy()
            shifted[k] += step
            with np.errstate(all="ignore"):
                grad[k] = (np.log(_safe_predict(spec, tf.to_theta(shifted), n, eps_max))
                           - base) / step
        var = np.einsum("kn,kl,ln->n", grad, cov_u, grad)
        return np.sqrt(np.clip(np.where(np.isfinite(var), var, 0.0), 0.0, None))
    return log_sd


def _bootstrap(spec, tf, data, eps_max, loss, u_best, n_bootstrap, rng,
               prior=None) -> np.ndarray:
    reps = []
    for _ in range(n_bootstrap):
        sample = data.resample(rng)
        if prior is not None:
            sample = _with_misfit(sample, prior)
        try:
            u, _, _ = _optimum(spec, tf, sample, eps_max, loss, [u_best], prior)
        except FitError:
            continue
        reps.append(tf.to_theta(u))
    if len(reps) < n_bootstrap:
        logger.info("%s: %d of %d bootstrap refits failed", spec.name,
                    n_bootstrap - len(reps), n_bootstrap)
    return np.array(reps).reshape(-1, spec.n_params)


def _with_misfit(data: CurveData, prior) -> CurveData:
    """The data with the prior's relative shape misfit added to each size's noise.

    With relative weights (no replicate spread: the noise scale is unknown) the misfit alone
    sets the scale, so that data and prior are weighed on one absolute scale.
    """
    misfit = prior.misfit * data.means
    if data.relative_weights:
        sigmas = np.maximum(misfit, 1e-3 * data.means + 1e-12)
    else:
        sigmas = np.sqrt(data.sigmas ** 2 + misfit ** 2)
    return dataclasses.replace(data, sigmas=sigmas, relative_weights=False)


def fit_parametric(spec: ModelSpec, data: CurveData, *, loss: str = "wls", n_starts: int = 4,
                   n_bootstrap: int = 20, seed: int = 0, eps_max: float = 1.0,
                   prior=None) -> FitResult:
    """Fit ``spec`` to ``data``; see the module docstring for the method.

    ``prior`` (a :class:`~badminima.fitting.prior.ParameterPrior` of ``spec``, or ``None``)
    turns the fit into the posterior mode with the Laplace covariance
    (:mod:`badminima.fitting.prior`); a model may then have more parameters than the data
    have sizes.

    Raises
    ------
    FitError
        Fewer distinct sizes than parameters (without a prior), a likelihood fit of a law,
        or a model that cannot be evaluated anywhere on the data.
    """
    if spec.tail and data.sizes.size > spec.tail:
        data = data.select(np.arange(data.sizes.size) >= data.sizes.size - spec.tail)
    if prior is None and data.sizes.size < spec.n_params:
        raise FitError(f"model {spec.name!r} has {spec.n_params} parameters but the data have "
                       f"only {data.sizes.size} distinct n.")
    if loss == "likelihood" and spec.kind != "density":
        raise FitError(f"loss='likelihood' needs a density model: {spec.name!r} is a law that "
                       f"predicts only the mean error, not its spread.")
    rng = np.random.default_rng(seed)
    tf = _Transform(spec, eps_max)
    starts = [tf.to_u(np.clip(spec.initial(data), *spec.box(eps_max)))]
    if prior is not None:
        starts.append(prior.mean)
    starts += [tf.random(rng) for _ in range(max(n_starts, 1) - len(starts))]
    weighted = data if prior is None else _with_misfit(data, prior)
    u, wls, nll = _optimum(spec, tf, weighted, eps_max, loss, starts, prior)
    chi2 = float(np.sum(_residuals(u, spec, tf, data, eps_max) ** 2))
    replicates_possible = bool(np.any(data.counts > 1)) and not data.relative_weights
    if n_bootstrap > 0 and replicates_possible:
        reps = _bootstrap(spec, tf, data, eps_max, loss, u, n_bootstrap, rng, prior)
        stderr = reps.std(axis=0, ddof=1) if len(reps) > 1 else np.full(spec.n_params, math.nan)
    if prior is None:
        cov_u = _coords_covariance(spec, tf, data, eps_max, u, data.relative_weights)
    else:
        cov_u = _coords_covariance(spec, tf, weighted, eps_max, u, False, prior)
    if not (n_bootstrap > 0 and replicates_possible):
        reps = np.empty((0, spec.n_params))
        stderr = _jacobian_stderr(tf, u, cov_u)
    theta = tf.to_theta(u)

    def predictor(th, n, _spec=spec, _eps_max=eps_max):
        return _spec.predict(th, n, _eps_max)

    extras = {} if prior is None else {"prior": f"learned from {prior.n_curves} curves",
                                       "prior_penalty": float(np.sum(prior.whiten(u) ** 2))}
    return FitResult(param_names=spec.params, theta=theta, stderr=stderr, replicates=reps,
                     chi2=chi2, n_points=int(data.n.size if nll is not None else data.sizes.size),
                     n_params=spec.n_params, predictor=predictor,
                     density=spec.density(theta, eps_max), neg_log_likelihood=nll,
                     relative_weights=data.relative_weights, extras=extras,
                     log_sd=_log_sd_function(spec, tf, eps_max, u, cov_u))
