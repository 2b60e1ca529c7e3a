r"""Held-out extrapolation: fit on small n, predict the larger sizes, score the prediction.

The score of a model is the **relative mean absolute error** at the held-out sizes,

.. math::

    \mathrm{extrapolation\_error} = \frac{\sum_{i \in H} |E(n_i; \hat\theta_{fit}) - \bar e_i|}
                                         {\sum_{i \in H} \bar e_i},

where :math:`\hat\theta_{fit}` is fitted on the runs with :math:`n \le N_{fit}` only and
:math:`H` are the sizes above :math:`N_{fit}` (docs/science.md section 3: "fit on small n,
predict large n"). Models are ranked by it.

Default split (no ``fit_below``): the largest ``ceil(S/4)`` of the ``S`` distinct sizes are
held out (at least one), so a sweep of 10 log-spaced sizes over two decades is scored on
its last ~0.6 decade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from badminima.errors import FitError
from badminima.fitting.data import CurveData


@dataclass(frozen=True)
class Holdout:
    """The fit and held-out sizes of an extrapolation test."""

    fit_below: float
    fit_sizes: np.ndarray
    held_out: np.ndarray


def split_sizes(sizes: np.ndarray, fit_below: float | None = None) -> Holdout:
    """Split the distinct sizes into fitted (``n <= fit_below``) and held out (the rest).

    Raises
    ------
    FitError
        When ``fit_below`` leaves fewer than two sizes to fit or none to hold out.
    """
    sizes = np.asarray(sizes, dtype=float)
    if fit_below is None:
        n_out = max(1, math.ceil(sizes.size / 4))
        fit_below = float(sizes[-n_out - 1])
    fit_sizes, held = sizes[sizes <= fit_below], sizes[sizes > fit_below]
    if fit_sizes.size < 2:
        raise FitError(f"--fit-below {fit_below:g} leaves {fit_sizes.size} distinct n to fit; "
                       f"at least 2 are needed (sizes: {_list(sizes)}).")
    if held.size == 0:
        raise FitError(f"--fit-below {fit_below:g} holds out no size (largest n is "
                       f"{sizes[-1]:g}); choose a value below it.")
    return Holdout(float(fit_below), fit_sizes, held)


def _list(sizes) -> str:
    return ", ".join(f"{s:g}" for s in sizes)


def relative_mae(predicted: np.ndarray, observed: np.ndarray) -> float:
    """``sum |predicted - observed| / sum observed`` (NaN when every observation is 0)."""
    total = float(np.sum(observed))
    if total <= 0:
        return math.nan
    return float(np.sum(np.abs(np.asarray(predicted) - observed)) / total)


def extrapolate(estimator, data: CurveData, holdout: Holdout):
    """Refit a copy of ``estimator`` on the sizes up to ``holdout.fit_below``.

    Returns the extrapolation error, the refitted copy and its prediction at every size of
    ``data``.
    """
    mask = np.isin(data.sizes, holdout.fit_sizes)
    train = data.select(mask)
    refit = clone(estimator).fit(train.n, train.errors)
    predicted = refit.predict(data.sizes)
    score = relative_mae(predicted[~mask], data.means[~mask])
    return score, refit, predicted
