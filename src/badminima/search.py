"""The one search for "the smallest n reaching a target", shared by every layer.

Both the theory (the n with ``B_n(eps0) <= delta``, docs/science.md §2) and sample-size
planning (the n with ``E(n) <= target`` on a fitted curve, §3) ask for the smallest integer
``n`` at which a non-increasing function of ``n`` falls to a target.
"""

from __future__ import annotations

import numpy as np

#: Inner points probed per round of the batched bisection.
SEARCH_POINTS = 32


def smallest_n(values, target: float, low: int = 0, high: int = 2**62) -> int | None:
    """Smallest integer ``n`` in ``[low, high]`` with ``values(n) <= target``, or None.

    Parameters
    ----------
    values : callable
        Vectorized and non-increasing in ``n``: takes a float array of whole numbers,
        returns an array of the same shape.
    target : float
    low, high : int
        The search range (``high`` at most 2**62, so every probe is an exact float).

    Notes
    -----
    A doubling probe ``low, low + 1, low + 2, low + 4, ...`` (one vectorized call) brackets the
    answer; each further round evaluates :data:`SEARCH_POINTS` evenly spaced integers of the
    bracket in one call, so about ``log(n) / log(33)`` calls follow. None when even
    ``values(high) > target``.
    """
    steps = 2.0 ** np.arange(int(np.ceil(np.log2(max(high - low, 1)))) + 1)
    probe = np.unique(np.minimum(np.concatenate([[float(low)], low + steps]), float(high)))
    ok = np.asarray(values(probe)) <= target
    if not ok.any():
        return None
    first = int(np.argmax(ok))
    if first == 0:
        return int(probe[0])
    lo, hi = probe[first - 1], probe[first]  # values(lo) > target >= values(hi)
    while hi - lo > 1:
        inner = np.unique(np.floor(np.linspace(lo, hi, SEARCH_POINTS + 2)[1:-1]))
        inner = inner[(inner > lo) & (inner < hi)]
        if inner.size == 0:
            break
        ok = np.asarray(values(inner)) <= target
        if ok.any():
            k = int(np.argmax(ok))
            hi = inner[k]
            lo = inner[k - 1] if k > 0 else lo
        else:
            lo = inner[-1]
    return int(hi)
