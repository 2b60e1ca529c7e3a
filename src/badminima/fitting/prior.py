r"""A prior over learning-curve shapes, learned from many measured curves (empirical Bayes).

A curve-local fit knows nothing about what learning curves look like: on the first three or
four sizes of a curve a four-parameter law is not determined, and a three-parameter one is
determined badly. The prior says what the population of development curves looks like
(docs/science.md section 3.6): for each parametric model (laws and parametric densities) a
multivariate normal over its **optimizer coordinates** :math:`u` (the parameters, with the
scale parameters as logarithms; :class:`badminima.fitting.parametric._Transform`),

.. math::

    u \sim \mathcal N(\mu, \Sigma),

plus a relative **misfit** :math:`m` of the model's shape (how far a curve's points lie from
the best curve of that model, in relative terms).

Learning (:func:`learn_parameter_prior`): empirical Bayes by **moment matching** on per-curve
estimates. Every development curve is fitted without a prior on *all* its sizes; the prior's
mean and covariance are the winsorized (5%-95% per coordinate) mean and covariance of those
estimates, the covariance shrunk towards its diagonal (weight :data:`SHRINKAGE`) and floored
(:data:`MIN_SD` per coordinate); :math:`m` is the median relative RMS residual of those fits.
Moment matching rather than maximizing the marginal likelihood: on whole curves (6-30 sizes,
several seeds each) the per-curve estimates are precise compared with the spread between
curves, so their moments estimate the population directly; the estimation noise they carry
only widens :math:`\Sigma` (a conservative error), and it needs no nested optimization over
hundreds of curves with non-Gaussian misfits. Winsorizing and shrinkage keep a few
parameters stuck at a bound from dominating.

Posterior (:mod:`badminima.fitting.parametric`): the maximum a posteriori fit of

.. math::

    \sum_i \frac{(E(n_i; u) - \bar e_i)^2}{\sigma_i^2 + (m \bar e_i)^2}
    + (u - \mu)^T \Sigma^{-1} (u - \mu),

i.e. least squares with the whitened prior :math:`L^{-1}(u - \mu)` (:math:`\Sigma = L L^T`)
as extra residuals, and the Laplace covariance :math:`(J^T J)^{-1}` of those augmented
residuals as the posterior covariance. A curve with many precise sizes is dominated by its
data; a short one is pulled towards the population. With the prior, a model may be fitted
to fewer sizes than it has parameters.

The learned prior ships with the package (``data/curve_prior.json``, rebuilt by
``benchmarks/learn_curve_prior.py`` from the even OpenML ids of the Learning Curve Database
and this project's curves; the odd ids were never read). ``prior="none"`` turns it off.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import linalg

from badminima.errors import DataError, InvalidParameterError
from badminima.fitting.predictive import Spread

#: Weight of the diagonal in the shrunk covariance.
SHRINKAGE = 0.2
#: Smallest prior standard deviation of a coordinate.
MIN_SD = 0.05
#: Fewest per-curve estimates from which a model's prior is learned.
MIN_CURVES = 5
#: The names ``prior=`` accepts besides a :class:`CurvePrior`.
PRIOR_NAMES = ("learned", "none")
#: Version of the file format.
FORMAT = 1


@dataclass(frozen=True)
class ParameterPrior:
    """The population distribution of one model's optimizer coordinates.

    Attributes
    ----------
    mean : ndarray, shape (k,)
    cov : ndarray, shape (k, k)
    misfit : float
        Relative shape misfit :math:`m` added to each size's noise in the posterior fit.
    n_curves : int
        Number of per-curve estimates it was learned from.
    """

    mean: np.ndarray
    cov: np.ndarray
    misfit: float
    n_curves: int = 0

    def __post_init__(self):
        mean = np.asarray(self.mean, dtype=float).ravel()
        cov = np.asarray(self.cov, dtype=float)
        if cov.shape != (mean.size, mean.size) or not np.all(np.isfinite(cov)) \
                or not np.all(np.isfinite(mean)):
            raise DataError(f"a curve prior needs a finite mean of k entries and a k x k "
                            f"covariance; got shapes {mean.shape} and {cov.shape}.")
        try:
            chol = linalg.cholesky(cov, lower=True)
        except linalg.LinAlgError:
            raise DataError("a curve prior's covariance is not positive definite.") from None
        if not (math.isfinite(self.misfit) and self.misfit >= 0):
            raise DataError(f"a curve prior's misfit must be >= 0; got {self.misfit!r}.")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)
        object.__setattr__(self, "_chol", chol)

    @property
    def k(self) -> int:
        return self.mean.size

    def whiten(self, u) -> np.ndarray:
        """:math:`L^{-1}(u - \\mu)`: the prior's residuals (their squares sum to the penalty)."""
        return linalg.solve_triangular(self._chol, np.asarray(u, float) - self.mean, lower=True)

    def scaled(self, factor: float) -> "ParameterPrior":
        """The same prior with its covariance multiplied by ``factor`` (wider for > 1)."""
        return ParameterPrior(self.mean, self.cov * factor, self.misfit, self.n_curves)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "cov": self.cov.tolist(),
                "misfit": float(self.misfit), "n_curves": int(self.n_curves)}


@dataclass(frozen=True)
class CurvePrior:
    """Priors of several models, by model name (:func:`load_prior`, :func:`learn_curve_prior`).

    Attributes
    ----------
    models : dict of str -> ParameterPrior
    source : str
        What it was learned from.
    extras : dict
        Anything else the file holds (e.g. the settings of the learning script).
    spreads : dict of str -> Spread
        Misfit terms of the predictive distribution of fits *with* this prior
        (:mod:`badminima.fitting.predictive`), calibrated by the cross-validated benchmark;
        a model not listed uses :data:`~badminima.fitting.predictive.SPREADS`.
    """

    models: dict
    source: str = ""
    extras: dict = field(default_factory=dict)
    spreads: dict = field(default_factory=dict)

    def get(self, model: str) -> ParameterPrior | None:
        """The prior of ``model``, or ``None`` when it has none (it is then fitted without)."""
        return self.models.get(model)

    def spread(self, model: str) -> Spread | None:
        """The calibrated spread of ``model`` fitted with this prior (``None``: not calibrated)."""
        return self.spreads.get(model)

    def with_spreads(self, spreads: dict) -> "CurvePrior":
        return CurvePrior(self.models, self.source, self.extras, dict(spreads))

    def to_dict(self) -> dict:
        return {"format": FORMAT, "source": self.source, "extras": self.extras,
                "models": {name: p.to_dict() for name, p in sorted(self.models.items())},
                "spreads": {name: [s.kappa0, s.kappa, s.df]
                            for name, s in sorted(self.spreads.items())}}

    @classmethod
    def from_dict(cls, obj: dict) -> "CurvePrior":
        if not isinstance(obj, dict) or obj.get("format") != FORMAT or \
                not isinstance(obj.get("models"), dict):
            raise DataError(f"not a curve prior of format {FORMAT} (expected keys format, "
                            f"models).")
        models = {}
        for name, p in obj["models"].items():
            try:
                models[name] = ParameterPrior(np.array(p["mean"], float), np.array(p["cov"], float),
                                              float(p["misfit"]), int(p.get("n_curves", 0)))
            except (KeyError, TypeError, ValueError) as exc:
                raise DataError(f"curve prior of model {name!r} is malformed ({exc}).") from None
        try:
            spreads = {name: Spread(*map(float, v)) for name, v in obj.get("spreads", {}).items()}
        except (TypeError, ValueError) as exc:
            raise DataError(f"curve prior spreads are malformed ({exc}).") from None
        return cls(models, str(obj.get("source", "")), dict(obj.get("extras", {})), spreads)

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path


def load_prior(path=None) -> CurvePrior:
    """The prior in the JSON file ``path``; by default the learned one shipped with the package."""
    if path is None:
        return _shipped_prior()
    try:
        text = Path(path).read_text()
        return CurvePrior.from_dict(json.loads(text))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read a curve prior ({exc}).") from None


@lru_cache(maxsize=1)
def _shipped_prior() -> CurvePrior:
    text = resources.files("badminima.fitting").joinpath("data/curve_prior.json").read_text()
    return CurvePrior.from_dict(json.loads(text))


def resolve_prior(value, owner: str = "LearningCurveFit") -> CurvePrior | None:
    """``"learned"`` -> the shipped prior, ``"none"`` -> ``None``, a :class:`CurvePrior` as is.

    Raises
    ------
    InvalidParameterError
        Any other value.
    """
    if isinstance(value, CurvePrior):
        return value
    if isinstance(value, str) and value in PRIOR_NAMES:
        return _shipped_prior() if value == "learned" else None
    raise InvalidParameterError(
        f"The 'prior' parameter of {owner} must be one of {', '.join(map(repr, PRIOR_NAMES))} "
        f"or a CurvePrior. Got {value!r} instead.")


def learn_parameter_prior(estimates, misfits=None, shrinkage: float = SHRINKAGE,
                          min_sd: float = MIN_SD) -> ParameterPrior:
    """Moment-matching prior from per-curve estimates ``(m, k)`` of the optimizer coordinates.

    Winsorized mean and covariance (5%-95% per coordinate), covariance shrunk towards its
    diagonal by ``shrinkage`` and with each standard deviation at least ``min_sd``; the misfit
    is the median of ``misfits`` (0 when not given). See the module docstring.

    Raises
    ------
    InvalidParameterError
        Fewer than :data:`MIN_CURVES` finite estimates.
    """
    u = np.asarray(estimates, dtype=float)
    u = u[np.all(np.isfinite(u), axis=1)] if u.ndim == 2 else u.reshape(0, 1)
    if u.shape[0] < MIN_CURVES:
        raise InvalidParameterError(f"a curve prior needs at least {MIN_CURVES} curves' "
                                    f"estimates; got {u.shape[0]}.")
    low, high = np.percentile(u, [5, 95], axis=0)
    w = np.clip(u, low, high)
    mean = w.mean(axis=0)
    cov = np.atleast_2d(np.cov(w, rowvar=False))
    sd = np.maximum(np.sqrt(np.clip(np.diag(cov), 0, None)), min_sd)
    corr = cov / np.outer(np.sqrt(np.maximum(np.diag(cov), 1e-300)),
                          np.sqrt(np.maximum(np.diag(cov), 1e-300)))
    corr = (1 - shrinkage) * np.clip(corr, -1, 1) + shrinkage * np.eye(mean.size)
    cov = corr * np.outer(sd, sd)
    misfit = float(np.median(misfits)) if misfits is not None and len(misfits) else 0.0
    return ParameterPrior(mean, cov, misfit, int(u.shape[0]))


def learn_curve_prior(estimates: dict, misfits: dict | None = None, source: str = "",
                      extras: dict | None = None) -> CurvePrior:
    """:func:`learn_parameter_prior` for every model in ``estimates`` (name -> ``(m, k)``);
    models with too few estimates are left out."""
    misfits = misfits or {}
    models = {}
    for name, values in estimates.items():
        try:
            models[name] = learn_parameter_prior(values, misfits.get(name))
        except InvalidParameterError:
            continue
    return CurvePrior(models, source, dict(extras or {}))
