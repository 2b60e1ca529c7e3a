r"""``auto``: a combination of learning-curve models weighted by how they extrapolate this curve.

No single law wins on every curve (docs/fitting.md, the extrapolation benchmark), so
``auto`` combines the candidates :data:`CANDIDATES` in :math:`\ln E`: ``pow3``, a power law
with a floor fitted to the whole curve, and ``pow2-tail``, the power law through the last
three sizes (the local slope, which a floor fitted to the early sizes tends to flatten too
soon). The first wins where the curve bends towards a floor, the second where it keeps
falling, and the weights tell them apart on the curve's own later sizes:

.. math::

    \ln E_{auto}(n) = \sum_m w_m \ln \hat E_m(n),

with weights from **leave-later-sizes-out on the curve itself** (stacking over the
extrapolation direction): each candidate is refitted on the first sizes of the fitted data
and scored by its squared log error :math:`r_m^2` at the later fitted sizes
(:func:`validation_splits`), and

.. math::

    w_m \propto \exp\!\big(-r_m^2 / (2 T^2)\big)

with temperature :math:`T`. The candidates and :math:`T` (:data:`CANDIDATES`,
:data:`TEMPERATURE`) were chosen once on the development curves of ``benchmarks/bench_extrapolation.py`` (even OpenML ids of the
Learning Curve Database and this project's curves; the odd ids were never looked at). The
held-out sizes of a benchmark curve are never seen: ``auto`` gets only the fitted sizes.

A candidate that cannot be fitted (too few sizes for its parameters, no evaluable start) is
left out with a note in ``extras["notes"]``; when none fits, the ``last`` baseline (which
always fits) answers alone, so ``auto`` always answers. With fewer than :data:`MIN_SIZES_TO_VALIDATE` sizes there is nothing to
validate on and the weights are equal.

With the learned prior (``settings["prior"]``, :mod:`badminima.fitting.prior`), every
candidate fit, in the full fit and in each refit of the splits, is a posterior mode under
that prior; the weights still come from the curve's own later sizes (the candidates are
fitted to different sizes, ``pow2-tail`` to the last three only, so their marginal
likelihoods are not comparable). ``solve`` is passed in by
:mod:`badminima.fitting.solvers`, so the two modules do not import each other.

The parameter spread of ``ln E_auto(n)`` is the mixture's,
:math:`\sqrt{\sum_m w_m (s_m(n)^2 + (\ln \hat E_m(n) - \ln E_{auto}(n))^2)}`: it grows where the
candidates disagree, i.e. in extrapolation.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from badminima.errors import BadminimaError
from badminima.fitting.data import CurveData
from badminima.fitting.result import FitResult

logger = logging.getLogger(__name__)

#: The models ``auto`` combines (chosen on the development curves, docs/fitting.md).
CANDIDATES = ("pow3", "pow2-tail")
#: What answers when no candidate can be fitted.
FALLBACK = "last"
#: Temperature T of the validation weights, in ln E.
TEMPERATURE = 0.2
#: Fewest fitted sizes with which the later ones are held out for the weights.
MIN_SIZES_TO_VALIDATE = 5


def validation_splits(n_sizes: int) -> list[int]:
    """Numbers of leading sizes to refit on: the first half and all but the last one."""
    if n_sizes < MIN_SIZES_TO_VALIDATE:
        return []
    return sorted({max(3, n_sizes // 2), n_sizes - 1})


def _fit_candidates(data: CurveData, settings: dict, names, solve) -> dict:
    fits, notes = {}, []
    for name in names:
        try:
            fits[name] = solve(name, data, settings)
        except BadminimaError as exc:
            notes.append(f"{name}: {exc}")
    return fits, notes


def _log_curve(result: FitResult, n) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.log(np.asarray(result.predict(n), dtype=float))
    return values


def validation_errors(data: CurveData, settings: dict, names, solve) -> dict:
    """Mean squared log error of each candidate at the later sizes, over the splits."""
    total = {name: [] for name in names}
    for k in validation_splits(data.sizes.size):
        mask = np.arange(data.sizes.size) < k
        fits, _ = _fit_candidates(data.select(mask), settings, names, solve)
        observed = np.log(np.maximum(data.means[~mask], 1e-12))
        for name in names:
            if name in fits:
                err = _log_curve(fits[name], data.sizes[~mask]) - observed
                total[name].append(float(np.mean(err ** 2)) if np.all(np.isfinite(err))
                                   else math.inf)
            else:
                total[name].append(math.inf)
    return {name: float(np.mean(v)) if v else math.nan for name, v in total.items()}


def combination_weights(scores: dict, names) -> dict:
    """``w_m ∝ exp(-r_m^2 / 2T^2)``; equal weights when nothing was validated."""
    r2 = np.array([scores.get(name, math.nan) for name in names])
    if np.all(np.isnan(r2)) or not np.any(np.isfinite(r2)):
        logw = np.zeros(r2.size)
    else:
        r2 = np.where(np.isnan(r2), math.inf, r2)
        logw = -(r2 - np.min(r2)) / (2 * TEMPERATURE ** 2)
    w = np.exp(logw - np.max(logw))
    return dict(zip(names, w / w.sum()))


def fit_auto(data: CurveData, settings: dict, solve) -> FitResult:
    """Fit the candidates, weigh them by leave-later-sizes-out; see the module docstring.

    ``solve(name, data, settings) -> FitResult`` fits one candidate
    (:func:`badminima.fitting.solvers.solve`, passed in so that this module does not import
    the solvers that dispatch to it).
    """
    settings = dict(settings, n_bootstrap=0)
    fits, notes = _fit_candidates(data, settings, CANDIDATES, solve)
    if not fits:
        fits, more = _fit_candidates(data, settings, (FALLBACK,), solve)
        notes += more
    names = tuple(fits)
    weights = combination_weights(validation_errors(data, settings, names, solve), names)
    logger.debug("auto weights %s; left out: %s", weights, notes or "none")
    w = np.array([weights[name] for name in names])

    def log_mean(n):
        n = np.atleast_1d(np.asarray(n, dtype=float))
        logs = np.array([_log_curve(fits[name], n) for name in names])
        logs = np.where(np.isfinite(logs), logs, np.log(1e-12))
        return logs, w @ logs

    def predictor(theta, n):
        return np.exp(log_mean(n)[1])

    def log_sd(n):
        logs, centre = log_mean(n)
        own = np.array([fits[name].log_prediction_sd(n) for name in names])
        return np.sqrt(w @ (own ** 2 + (logs - centre) ** 2))

    residuals = (predictor(None, data.sizes) - data.means) / data.sigmas
    n_params = float(w @ np.array([fits[name].n_params for name in names]))
    theta = np.array([weights[name] for name in names])
    return FitResult(param_names=tuple(f"w_{name}" for name in names), theta=theta,
                     stderr=np.full(theta.size, math.nan), replicates=np.empty((0, theta.size)),
                     chi2=float(residuals @ residuals), n_points=int(data.sizes.size),
                     n_params=n_params, predictor=predictor,
                     relative_weights=data.relative_weights,
                     extras={"notes": notes, "weights": weights}, log_sd=log_sd)
