r"""Predictive distributions of a fitted learning curve: where the measured mean at ``n`` will lie.

A point curve :math:`\hat E(n)` says nothing about how far a measured mean test error
:math:`\bar e(n)` may land from it, and in extrapolation (``n`` above the largest fitted size
:math:`n_{fit}`) the misfit of the model's shape dominates the noise of the runs. The
predictive distribution of every model (docs/science.md section 3) is a Student t in
:math:`\ln \bar e`:

.. math::

    \ln \bar e(n) = \ln \hat E(n) + \tau(n)\, T_\nu, \qquad
    \tau(n)^2 = s_\theta(n)^2 + s_{run}^2 + \kappa_0^2
                + \big(\kappa \ln^+ (n / n_{fit})\big)^2,

with

* :math:`s_\theta(n)` the parameter uncertainty of :math:`\ln \hat E(n)` (delta method: the
  gradient of the prediction in the optimizer coordinates with the least-squares covariance,
  :attr:`FitResult.log_sd <badminima.fitting.result.FitResult.log_sd>`);
* :math:`s_{run}` the scatter between runs: the relative standard error of the mean at the
  largest fitted size (what one more measured mean would scatter by);
* :math:`\kappa_0` (misfit inside the fitted range), :math:`\kappa` (growth of the shape misfit
  per e-fold of extrapolation) and the degrees of freedom :math:`\nu` (heavy tails: a model now
  and then misses by far) are **calibrated per model** on the development curves of
  ``benchmarks/bench_extrapolation.py`` (even OpenML ids of the Learning Curve Database and
  this project's curves; the odd ids were never looked at), so that the 80% and 95%
  intervals cover about 80% and 95% of held-out means. :data:`SPREADS` holds the values.

The interval of level ``L`` is the central one, :math:`\exp(\ln\hat E \pm \tau\, t_{\nu,(1+L)/2})`,
clipped to ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: The default interval level of ``fit --json`` and ``plan``.
DEFAULT_LEVEL = 0.8


@dataclass(frozen=True)
class Spread:
    """Calibrated misfit terms of a model's predictive distribution (module docstring).

    Attributes
    ----------
    kappa0 : float
        Log-scale misfit inside the fitted range.
    kappa : float
        Log-scale misfit per e-fold of extrapolation, :math:`\\ln(n / n_{fit})`.
    df : float
        Degrees of freedom of the Student t.
    """

    kappa0: float
    kappa: float
    df: float


#: Per-model spreads, calibrated on the development curves (52 curves: 4 of this project and
#: 48 even-id LCDB curves, a seeded subsample; cutoffs 1/4, 1/2, 3/4 of the sizes): a grid over
#: ``kappa0``, ``kappa`` and ``df`` minimizing the squared misses of the 80% and 95% coverage at
#: each cutoff (docs/fitting.md). ``default`` serves a model not listed.
SPREADS: dict[str, Spread] = {
    "auto": Spread(0.01, 0.034, 10),
    "pow2": Spread(0.15, 0.129, 4),
    "pow2-tail": Spread(0.01, 0.070, 3),
    "pow3": Spread(0.15, 0.017, 4),
    "pow4": Spread(0.1, 0.005, 3),
    "mmf4": Spread(0.0, 0.175, 3),
    "wbl4": Spread(0.0, 0.214, 3),
    "exp3": Spread(0.3, 0.005, 2),
    "last": Spread(0.15, 0.322, 10),
    "shifted-beta": Spread(0.1, 0.021, 3),
    "memorization": Spread(0.1, 0.052, 2),
    "rare-good-tail": Spread(0.1, 0.023, 6),
    "nonparametric": Spread(0.0, 0.078, 2),
    "default": Spread(0.1, 0.1, 3),
}


def spread_of(model: str) -> Spread:
    """The calibrated :class:`Spread` of ``model`` (the ``default`` one when not calibrated)."""
    return SPREADS.get(model, SPREADS["default"])


class PredictiveDistribution:
    r"""Distribution of the measured mean test error at sizes ``n``: a Student t in ``ln e``.

    Frozen like a ``scipy.stats`` distribution: ``ppf``, ``cdf``, ``logpdf``, ``interval``,
    ``median``. Every attribute is an array over the sizes it was built for.

    Parameters
    ----------
    median : array_like
        :math:`\hat E(n)`, the point prediction (the median of the distribution).
    scale : array_like
        :math:`\tau(n)`, the scale of :math:`\ln \bar e`.
    df : float
        Degrees of freedom :math:`\nu`.
    """

    def __init__(self, median, scale, df: float):
        self.median = np.asarray(median, dtype=float)
        self.scale = np.asarray(scale, dtype=float)
        self.df = float(df)
        self._t = stats.t(self.df)

    def _z(self, e) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log(np.asarray(e, dtype=float)) - np.log(self.median)) / self.scale

    def cdf(self, e) -> np.ndarray:
        return self._t.cdf(self._z(e))

    def logpdf(self, e) -> np.ndarray:
        """Log density of the mean error ``e`` (change of variables from ``ln e``)."""
        e = np.asarray(e, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._t.logpdf(self._z(e)) - np.log(self.scale) - np.log(e)

    def ppf(self, q) -> np.ndarray:
        with np.errstate(over="ignore"):
            value = self.median * np.exp(self.scale * self._t.ppf(q))
        return np.clip(value, 0.0, 1.0)

    def interval(self, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
        """The central interval holding ``level`` of the probability, clipped to [0, 1]."""
        tail = 0.5 * (1.0 - level)
        return self.ppf(tail), self.ppf(1.0 - tail)


def log_scale(log_sd_params, n, n_fit: float, run_scatter: float, spread: Spread) -> np.ndarray:
    r""":math:`\tau(n)` of the module docstring at sizes ``n``."""
    n = np.asarray(n, dtype=float)
    reach = np.log(np.maximum(n / n_fit, 1.0))
    return np.sqrt(np.asarray(log_sd_params, dtype=float) ** 2 + run_scatter ** 2
                   + spread.kappa0 ** 2 + (spread.kappa * reach) ** 2)


def run_scatter(data) -> float:
    """Relative standard error of the mean at the largest fitted size (0 when the mean is 0)."""
    mean, sigma = float(data.means[-1]), float(data.sigmas[-1])
    return sigma / mean if mean > 0 else 0.0
