"""The "last observed value" baseline: predict the mean measured at the largest fitted size.

A learning curve that has flattened is extrapolated well by no learning at all; every model
must beat this baseline to be worth its parameters (``benchmarks/bench_extrapolation.py``).
Its parameter ``a`` is the mean at the largest size and its standard error that mean's.
"""

from __future__ import annotations

import numpy as np

from badminima.fitting.data import CurveData
from badminima.fitting.models import ModelSpec
from badminima.fitting.result import FitResult


def fit_last_value(spec: ModelSpec, data: CurveData) -> FitResult:
    """``E(n) = mean at the largest size``; chi2 counts every size against it."""
    a, sigma = float(data.means[-1]), float(data.sigmas[-1])
    chi2 = float(np.sum(((data.means - a) / data.sigmas) ** 2))

    def predictor(theta, n, _spec=spec):
        return _spec.predict(theta, n)

    def log_sd(n, _rel=sigma / a if a > 0 else 0.0):
        return np.full(np.shape(n), _rel)

    return FitResult(param_names=spec.params, theta=np.array([a]), stderr=np.array([sigma]),
                     replicates=np.empty((0, 1)), chi2=chi2, n_points=int(data.sizes.size),
                     n_params=1, predictor=predictor, relative_weights=data.relative_weights,
                     log_sd=log_sd)
