r"""Sample-size planning: the training-set size a fitted model needs for a target mean error.

For a fitted curve :math:`E(n)` (decreasing towards its floor, e.g. ``eps_min``), the plan is
the smallest integer :math:`n` with :math:`E(n) \le` target. Its interval comes from the
model's predictive distribution of the mean error (:mod:`badminima.fitting.predictive`): at
level ``L`` the optimistic end is the smallest ``n`` whose lower ``(1-L)/2`` quantile
reaches the target, the pessimistic end the smallest ``n`` whose upper quantile does
(``inf`` when it never does: the target may be unreachable). A target at or below the
fitted floor is unreachable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from badminima.errors import FitError
from badminima.search import smallest_n
from badminima.fitting.predictive import DEFAULT_LEVEL

#: The search range of n: the floor is the curve at the upper end.
N_MAX = 1e12


@dataclass(frozen=True)
class Plan:
    """The sample size needed for a target mean error.

    Attributes
    ----------
    target : float
    n : int
        Smallest n whose predicted mean error is at most ``target``.
    low, high : float
        Ends of the interval of ``n`` at probability ``level`` (``high`` is ``inf`` when the
        upper predictive quantile never reaches the target).
    floor : float
        The fitted curve at ``N_MAX`` (its floor).
    level : float
    """

    target: float
    n: int
    low: float
    high: float
    floor: float
    level: float = DEFAULT_LEVEL


def _smallest_n(curve, target: float) -> float:
    """Smallest integer n in [1, N_MAX] with curve(n) <= target (inf when none)."""
    n = smallest_n(curve, target, low=1, high=int(N_MAX))
    return math.inf if n is None else float(n)


def plan_sample_size(estimator, target: float, level: float = DEFAULT_LEVEL) -> Plan:
    """The n needed by a fitted :class:`~badminima.fitting.LearningCurveFit` for ``target``.

    Raises
    ------
    FitError
        When the target is at or below the fitted error floor (unreachable), or outside (0, 1).
    """
    if not 0 < target < 1:
        raise FitError(f"the target error must be in (0, 1); got {target!r}.")
    result = estimator.result_
    floor = float(result.predict(np.array([N_MAX]))[0])
    n = _smallest_n(result.predict, target)
    if math.isinf(n):
        raise FitError(f"target error {target:g} is unreachable under model "
                       f"{estimator.model!r}: its fitted error floor is {floor:.4g} "
                       f"(the curve at n={N_MAX:.0e}).")
    tail = 0.5 * (1.0 - level)
    low = _smallest_n(lambda m: estimator.predictive(m).ppf(tail), target)
    high = _smallest_n(lambda m: estimator.predictive(m).ppf(1.0 - tail), target)
    return Plan(target=float(target), n=int(n), low=min(low, n), high=max(high, n),
                floor=floor, level=level)
