"""What a solver returns: fitted parameters, their bootstrap replicates and fit scores."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class FitResult:
    """The outcome of fitting one model to one learning curve.

    Attributes
    ----------
    param_names : tuple of str
    theta : ndarray
        Best-fit parameters (natural units).
    stderr : ndarray
        Their standard errors (bootstrap over runs, or the Jacobian when there are no
        replicate runs; see :mod:`badminima.fitting.parametric`).
    replicates : ndarray, shape (B, k)
        Parameters refitted on bootstrap replicates (empty when none were made).
    chi2 : float
        ``sum_i ((E(n_i) - mean_i) / sigma_i)^2`` over the sizes.
    n_points : int
        Number of data points the scores count (sizes for WLS, runs for the likelihood).
    n_params : float
        Number of fitted parameters (effective degrees of freedom for the free-form fit).
    neg_log_likelihood : float or None
        Set by the likelihood loss.
    relative_weights : bool
        The data had no replicate spread (see :func:`badminima.fitting.data.summarize`).
    predictor : callable
        ``predictor(theta, n) -> E(n)``.
    density : object or None
        The fitted true-error density (density models).
    extras : dict
        Model-specific diagnostics (e.g. the eps window the data determine).
    replicate_predictor : callable or None
        ``replicate_predictor(b, n)``: the curve of bootstrap refit ``b`` (free-form fits).
    log_sd : callable or None
        ``log_sd(n)``: the parameter uncertainty of ``ln E(n)`` (delta method; 0 when None),
        the ``s_theta(n)`` of :mod:`badminima.fitting.predictive`.
    """

    param_names: tuple[str, ...]
    theta: np.ndarray
    stderr: np.ndarray
    replicates: np.ndarray
    chi2: float
    n_points: int
    n_params: float
    predictor: Callable
    density: object = None
    neg_log_likelihood: float | None = None
    relative_weights: bool = False
    extras: dict = field(default_factory=dict)
    replicate_predictor: Callable | None = None
    log_sd: Callable | None = None

    @property
    def dof(self) -> float:
        return self.n_points - self.n_params

    @property
    def chi2_red(self) -> float:
        """chi2 per degree of freedom (NaN when there are no degrees of freedom left)."""
        return self.chi2 / self.dof if self.dof > 0 else math.nan

    def _minus2_log_l(self) -> float:
        if self.neg_log_likelihood is not None:
            return 2.0 * self.neg_log_likelihood
        if self.relative_weights:
            # unknown noise scale profiled out: N log(RSS / N) (Burnham & Anderson 2002)
            return self.n_points * math.log(max(self.chi2, 1e-300) / self.n_points)
        return self.chi2

    @property
    def aic(self) -> float:
        r"""Akaike information criterion :math:`-2 \ln L + 2k` (Gaussian errors)."""
        return self._minus2_log_l() + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        r"""Bayesian information criterion :math:`-2 \ln L + k \ln N`."""
        return self._minus2_log_l() + self.n_params * math.log(self.n_points)

    def predict(self, n, theta=None) -> np.ndarray:
        return self.predictor(self.theta if theta is None else theta, n)

    def log_prediction_sd(self, n) -> np.ndarray:
        """Standard deviation of ``ln E(n)`` from the parameter uncertainty (0 when unknown)."""
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if self.log_sd is None:
            return np.zeros(n.shape)
        sd = np.asarray(self.log_sd(n), dtype=float)
        return np.where(np.isfinite(sd), sd, 0.0)

    def replicate_curve(self, b: int, n) -> np.ndarray:
        """Prediction of bootstrap refit ``b`` at sizes ``n``."""
        n = np.atleast_1d(np.asarray(n, dtype=float))
        if self.replicate_predictor is not None:
            return self.replicate_predictor(b, n)
        return self.predictor(self.replicates[b], n)

    def replicate_curves(self, n) -> np.ndarray:
        """Predictions of every bootstrap refit at sizes ``n``, shape ``(B, len(n))``."""
        n = np.atleast_1d(np.asarray(n, dtype=float))
        return np.array([self.replicate_curve(b, n)
                         for b in range(len(self.replicates))]).reshape(-1, n.size)
