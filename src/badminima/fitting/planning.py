r"""Sample-size planning: the training-set size a fitted model needs for a target mean error.

For a fitted curve :math:`E(n)` (decreasing towards its floor, e.g. ``eps_min``), the plan is
the smallest integer :math:`n` with :math:`E(n) \le` target. The interval is the 2.5% and
97.5% quantiles of the same quantity over the bootstrap refits (``inf`` for refits whose
floor lies above the target). A target at or below the fitted floor is unreachable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from badminima.errors import FitError
from badminima.search import smallest_n

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
    low, high : float or None
        2.5% and 97.5% bootstrap quantiles of ``n`` (``inf``: some refits never reach the
        target; ``None``: no bootstrap replicates).
    floor : float
        The fitted curve at ``N_MAX`` (its floor).
    """

    target: float
    n: int
    low: float | None
    high: float | None
    floor: float


def _smallest_n(curve, target: float) -> float:
    """Smallest integer n in [1, N_MAX] with curve(n) <= target (inf when none)."""
    n = smallest_n(curve, target, low=1, high=int(N_MAX))
    return math.inf if n is None else float(n)


def plan_sample_size(estimator, target: float) -> Plan:
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
    low = high = None
    if len(result.replicates):
        needed = np.array([_smallest_n(lambda m, b=b: result.replicate_curve(b, m), target)
                           for b in range(len(result.replicates))])
        low, high = (float(np.quantile(needed, q, method="inverted_cdf")) for q in (0.025, 0.975))
    return Plan(target=float(target), n=int(n), low=low, high=high, floor=floor)
