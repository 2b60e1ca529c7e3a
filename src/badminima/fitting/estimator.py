"""``LearningCurveFit``: a scikit-learn estimator over every learning-curve model."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from badminima.errors import FitError
from badminima.fitting.data import curve_data
from badminima.fitting.models import MODEL_NAMES, get_model
from badminima.fitting.predictive import (
    DEFAULT_LEVEL,
    PredictiveDistribution,
    log_scale,
    run_scatter,
    spread_of,
)
from badminima.fitting.prior import resolve_prior
from badminima.fitting.solvers import solve
from badminima.validation import Interval, Options, check_real


class _PriorRule:
    """The ``prior`` parameter: a learned-prior name, a prior object or ``"none"`` (:func:`resolve_prior`)."""

    def check(self, name: str, value, owner: str):
        return resolve_prior(value, owner)

LOSSES = ("wls", "likelihood")
_OWNER = "LearningCurveFit"


class LearningCurveFit(BaseEstimator):
    """Fit a learning-curve model to per-run test errors (a scikit-learn estimator).

    Parameters
    ----------
    model : str
        One of :data:`badminima.fitting.models.MODEL_NAMES`: ``auto`` (default: a combination
        of the others weighted by their extrapolation on the curve itself,
        :mod:`badminima.fitting.auto`), the density models ``shifted-beta``,
        ``memorization``, ``rare-good-tail``, ``nonparametric`` (their prediction is
        ``learning_curve(D, n)`` of :mod:`badminima.theory`), the laws ``pow3``, ``pow4``,
        ``mmf4``, ``wbl4``, ``exp3``, or the baseline ``last``.
    loss : {"wls", "likelihood"}
        Weighted least squares on the per-size means, or the Gaussian likelihood of the
        runs with the model's own spread (parametric density models; see
        :mod:`badminima.fitting.parametric`).
    n_starts : int
        Optimizer starts (the data-driven guess plus random points in the box).
    n_bootstrap : int
        Bootstrap replicates over runs for the standard errors (0: Jacobian).
    seed : int
        Seed of the random starts and of the bootstrap.
    eps_max : float
        Upper end of the error range of density models (chance level ``1 - 1/C``).
    prior : {"learned", "none"} or CurvePrior
        The prior over curve shapes (:mod:`badminima.fitting.prior`): ``"learned"`` (default)
        is the one learned from the development curves and shipped with the package, which
        makes each parametric fit a posterior mode with its Laplace covariance; ``"none"``
        fits the curve alone (least squares, as before the prior existed).

    Attributes
    ----------
    params_, stderr_ : dict
        Best-fit parameters and their standard errors, by name.
    bootstrap_params_ : ndarray, shape (B, k)
    chi2_, chi2_red_, aic_, bic_ : float
    n_params_ : float
    density_ : Density or None
        The fitted true-error density (``None`` for laws).
    spread_ : Spread
        The calibrated misfit terms of the predictive distribution
        (:mod:`badminima.fitting.predictive`).
    result_ : FitResult
    data_ : CurveData

    Examples
    --------
    >>> fit = LearningCurveFit("pow3", n_bootstrap=0).fit([10, 10, 100, 100, 1000, 1000],
    ...                                                 [.5, .52, .2, .21, .1, .1])
    >>> sorted(fit.params_)
    ['a', 'b', 'c']
    >>> low, high = fit.predict_interval([10000], level=0.8)
    >>> bool(low[0] < fit.predict([10000])[0] < high[0])
    True
    """

    #: The rule of each parameter (the shared rules of :mod:`badminima.validation`), declared
    #: once and applied in :meth:`fit` (the role of scikit-learn's ``_parameter_constraints``).
    _parameter_rules = {
        "model": Options(MODEL_NAMES),
        "loss": Options(LOSSES),
        "n_starts": Interval(int, 1),
        "n_bootstrap": Interval(int, 0),
        "seed": Interval(int, 0),
        "eps_max": Interval(float, 0, 1, "right"),
        "prior": _PriorRule(),
    }

    def __init__(self, model: str = "auto", loss: str = "wls", n_starts: int = 4,
                 n_bootstrap: int = 20, seed: int = 0, eps_max: float = 1.0,
                 prior="learned"):
        self.model = model
        self.loss = loss
        self.n_starts = n_starts
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.eps_max = eps_max
        self.prior = prior

    def _validated_params(self) -> dict:
        """Every parameter checked by its rule in :attr:`_parameter_rules`."""
        return {name: rule.check(name, getattr(self, name), _OWNER)
                for name, rule in self._parameter_rules.items()}

    def fit(self, n, errors) -> "LearningCurveFit":
        """Fit to runs: ``n[r]`` training-set size and ``errors[r]`` test error of run ``r``.

        Raises
        ------
        FitError
            Bad data (2-D input, NaN, sizes that are not positive integers, ...) or a model
            that cannot be fitted to them.
        """
        settings = self._validated_params()
        model = settings.pop("model")
        for name, value in (("n", n), ("errors", errors)):
            if np.ndim(value) > 1:
                raise FitError(f"{_OWNER}.fit: {name} must be 1-D (one entry per run); got an "
                               f"array of shape {np.shape(value)}.")
        data = curve_data(n, errors)
        spec = get_model(model)
        if np.max(data.means) > settings["eps_max"] and spec.is_density:
            raise FitError(f"mean test errors reach {np.max(data.means):g}, above "
                           f"eps_max={settings['eps_max']:g}.")
        result = solve(model, data, settings)
        self.data_, self.result_ = data, result
        self.params_ = dict(zip(result.param_names, map(float, result.theta)))
        self.stderr_ = dict(zip(result.param_names, map(float, result.stderr)))
        self.bootstrap_params_ = result.replicates
        self.chi2_, self.chi2_red_ = result.chi2, result.chi2_red
        self.aic_, self.bic_, self.n_params_ = result.aic, result.bic, result.n_params
        self.density_ = result.density
        curve_prior = settings["prior"]
        calibrated = None if curve_prior is None else curve_prior.spread(model)
        self.spread_ = calibrated or spread_of(model)
        return self

    def _check_fitted(self):
        if not hasattr(self, "result_"):
            raise FitError(f"this LearningCurveFit({self.model!r}) is not fitted yet; "
                           f"call fit(n, errors) first.")

    def predict(self, n) -> np.ndarray:
        """Mean test error at training-set sizes ``n`` under the fitted model."""
        self._check_fitted()
        return self.result_.predict(np.asarray(n, dtype=float))

    def predictive(self, n) -> PredictiveDistribution:
        """Distribution of the measured mean test error at sizes ``n``.

        A Student t in ``ln e`` around :meth:`predict`, whose scale adds the parameter
        uncertainty, the scatter between runs and the calibrated misfit that grows with the
        distance beyond the largest fitted size (:mod:`badminima.fitting.predictive`).
        """
        self._check_fitted()
        n = np.atleast_1d(np.asarray(n, dtype=float))
        scale = log_scale(self.result_.log_prediction_sd(n), n, float(self.data_.sizes[-1]),
                          run_scatter(self.data_), self.spread_)
        return PredictiveDistribution(self.predict(n), scale, self.spread_.df)

    def predict_interval(self, n, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
        """Central predictive interval of probability ``level`` for the mean error at ``n``."""
        level = check_real("level", level, f"{_OWNER}.predict_interval", 0, 1, "neither")
        return self.predictive(n).interval(level)
