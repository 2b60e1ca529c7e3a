"""Function sets by name, for configs: ``make_function_set("mlp", widths=[32], prior="he")``."""

from __future__ import annotations

import inspect

from badminima.classifiers.cnn import LeNet
from badminima.classifiers.mlp import MLP, Perceptron
from badminima.classifiers.population import FunctionSet
from badminima.errors import InvalidParameterError

#: Registry name -> function-set class.
FUNCTION_SETS = {"mlp": MLP, "perceptron": Perceptron, "lenet": LeNet}


def make_function_set(kind: str, **options) -> FunctionSet:
    """Build the function set ``kind`` with ``options`` (its constructor's keywords).

    Raises
    ------
    InvalidParameterError
        For an unknown ``kind`` or an option the function set does not take.
    """
    if kind not in FUNCTION_SETS:
        raise InvalidParameterError(
            f"The 'kind' parameter of make_function_set must be one of "
            f"{', '.join(map(repr, FUNCTION_SETS))}. Got {kind!r} instead.")
    cls = FUNCTION_SETS[kind]
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidParameterError(
            f"The function set {kind!r} does not take the option {unknown[0]!r}; "
            f"it takes {', '.join(sorted(allowed))}.")
    function_set = cls(**options)
    function_set._validate()
    return function_set
