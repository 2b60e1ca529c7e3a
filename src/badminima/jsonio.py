"""The one JSON encoding of results: numpy values become plain JSON, NaN and infinities null.

Every ``results.json`` and every ``--json`` output goes through :func:`to_jsonable`, so
arrays, numpy scalars, tuples, paths and non-finite floats are written the same way
everywhere (JSON has no NaN; a missing value is ``null``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import PurePath

import numpy as np


def to_jsonable(value):
    """``value`` as plain JSON data.

    Mappings become dicts (keys as str), lists/tuples/arrays become lists, numpy scalars
    Python numbers, non-finite floats ``None``, paths strings; anything else is kept.
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, PurePath):
        return str(value)
    return value


def dumps(value, indent: int | None = 1) -> str:
    """``json.dumps`` of :func:`to_jsonable` (``allow_nan=False``: no NaN can slip through)."""
    return json.dumps(to_jsonable(value), indent=indent, allow_nan=False)
