"""Array-valued boundary checks of the theory layer (scalar checks and sample sizes:
badminima.validation)."""

from __future__ import annotations

import numpy as np

from badminima.errors import InvalidParameterError


def check_unit_interval(name: str, x, owner: str, closed: bool = False) -> np.ndarray:
    """``x`` as a float array with every entry in (0, 1) (``closed``: [0, 1])."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in (0, 1). Got {x!r} instead.") from exc
    ok = (arr >= 0) & (arr <= 1) if closed else (arr > 0) & (arr < 1)
    if not np.all(ok):
        interval = "[0, 1]" if closed else "(0, 1)"
        bad = arr[~ok].ravel()[0]
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a float in {interval}. Got {bad!r} instead.")
    return arr


def as_generator(rng, owner: str) -> np.random.Generator:
    """A numpy Generator from a Generator or an int seed (explicit randomness only)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise InvalidParameterError(
        f"The 'rng' parameter of {owner} must be a numpy Generator or an int seed. Got {rng!r} instead.")
