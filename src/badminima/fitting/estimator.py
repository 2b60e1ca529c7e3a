"""``LearningCurveFit``: a scikit-learn-style estimator over every learning-curve model."""

from __future__ import annotations

import numpy as np

from badminima.errors import FitError
from badminima.fitting.data import curve_data
from badminima.fitting.models import MODEL_NAMES, get_model
from badminima.fitting.nonparametric import fit_nonparametric
from badminima.fitting.parametric import fit_parametric
from badminima.validation import check_choice, check_int, check_real

LOSSES = ("wls", "likelihood")


def _solve_parametric(name, data, settings):
    return fit_parametric(get_model(name), data, **settings)


def _solve_nonparametric(name, data, settings):
    if settings.pop("loss") != "wls":
        raise FitError("model 'nonparametric' supports only loss='wls'.")
    settings.pop("n_starts")
    return fit_nonparametric(data, **settings)


#: model name -> solver(name, data, settings) -> FitResult
SOLVERS = {name: _solve_parametric for name in MODEL_NAMES}
SOLVERS["nonparametric"] = _solve_nonparametric


class LearningCurveFit:
    """Fit a learning-curve model to per-run test errors.

    Parameters
    ----------
    model : str
        One of :data:`badminima.fitting.models.MODEL_NAMES`: density models
        ``shifted-beta``, ``memorization``, ``rare-good-tail``, ``nonparametric`` (their
        prediction is ``learning_curve(D, n)`` of :mod:`badminima.theory`), or the laws
        ``pow3``, ``pow4``, ``mmf4``, ``wbl4``, ``exp3``.
    loss : {"wls", "likelihood"}
        Weighted least squares on the per-size means, or the Gaussian likelihood of the
        runs with the model's own spread (density models; see
        :mod:`badminima.fitting.parametric`).
    n_starts : int
        Optimizer starts (the data-driven guess plus random points in the box).
    n_bootstrap : int
        Bootstrap replicates over runs for the standard errors (0: Jacobian).
    seed : int
        Seed of the random starts and of the bootstrap.
    eps_max : float
        Upper end of the error range of density models (chance level ``1 - 1/C``).

    Attributes
    ----------
    params_, stderr_ : dict
        Best-fit parameters and their standard errors, by name.
    bootstrap_params_ : ndarray, shape (B, k)
    chi2_, chi2_red_, aic_, bic_ : float
    n_params_ : float
    density_ : Density or None
        The fitted true-error density (``None`` for laws).
    result_ : FitResult
    data_ : CurveData

    Examples
    --------
    >>> fit = LearningCurveFit("pow3", n_bootstrap=0).fit([10, 10, 100, 100, 1000, 1000],
    ...                                                 [.5, .52, .2, .21, .1, .1])
    >>> sorted(fit.params_)
    ['a', 'b', 'c']
    """

    def __init__(self, model: str = "shifted-beta", loss: str = "wls", n_starts: int = 4,
                 n_bootstrap: int = 20, seed: int = 0, eps_max: float = 1.0):
        self.model = model
        self.loss = loss
        self.n_starts = n_starts
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.eps_max = eps_max

    def get_params(self) -> dict:
        return {"model": self.model, "loss": self.loss, "n_starts": self.n_starts,
                "n_bootstrap": self.n_bootstrap, "seed": self.seed, "eps_max": self.eps_max}

    def _settings(self) -> dict:
        owner = "LearningCurveFit"
        check_choice("model", self.model, owner, MODEL_NAMES)
        return {"loss": check_choice("loss", self.loss, owner, LOSSES),
                "n_starts": check_int("n_starts", self.n_starts, owner, 1),
                "n_bootstrap": check_int("n_bootstrap", self.n_bootstrap, owner, 0),
                "seed": check_int("seed", self.seed, owner, 0),
                "eps_max": check_real("eps_max", self.eps_max, owner, 0, 1, "right")}

    def fit(self, n, errors) -> "LearningCurveFit":
        """Fit to runs: ``n[r]`` training-set size and ``errors[r]`` test error of run ``r``."""
        settings = self._settings()
        data = curve_data(n, errors)
        if np.max(data.means) > settings["eps_max"] and self.model in _DENSITY_MODELS:
            raise FitError(f"mean test errors reach {np.max(data.means):g}, above "
                           f"eps_max={settings['eps_max']:g}.")
        result = SOLVERS[self.model](self.model, data, settings)
        self.data_, self.result_ = data, result
        self.params_ = dict(zip(result.param_names, map(float, result.theta)))
        self.stderr_ = dict(zip(result.param_names, map(float, result.stderr)))
        self.bootstrap_params_ = result.replicates
        self.chi2_, self.chi2_red_ = result.chi2, result.chi2_red
        self.aic_, self.bic_, self.n_params_ = result.aic, result.bic, result.n_params
        self.density_ = result.density
        return self

    def _check_fitted(self):
        if not hasattr(self, "result_"):
            raise FitError(f"this LearningCurveFit({self.model!r}) is not fitted yet; "
                           f"call fit(n, errors) first.")

    def predict(self, n) -> np.ndarray:
        """Mean test error at training-set sizes ``n`` under the fitted model."""
        self._check_fitted()
        return self.result_.predict(np.asarray(n, dtype=float))


_DENSITY_MODELS = ("shifted-beta", "memorization", "rare-good-tail", "nonparametric")
