"""Function sets by name, for configs: ``make_function_set("mlp", widths=[32], prior="he")``."""

from __future__ import annotations

import inspect

from badminima.classifiers.cnn import LeNet
from badminima.classifiers.mlp import MLP, Perceptron
from badminima.classifiers.population import FunctionSet
from badminima.errors import InvalidParameterError
from badminima.registry import Registry

#: Registry name -> function-set class.
FUNCTION_SETS: Registry[type[FunctionSet]] = Registry({"mlp": MLP, "perceptron": Perceptron, "lenet": LeNet})


def make_function_set(arch: str, **options) -> FunctionSet:
    """Build the function set ``arch`` with ``options`` (its constructor's keywords), validated.

    Raises
    ------
    InvalidParameterError
        For an unknown ``arch`` or an option the function set does not take.
    """
    cls = FUNCTION_SETS.lookup(arch, parameter="arch", owner="make_function_set")
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidParameterError(
            f"The function set {arch!r} does not take the option {unknown[0]!r}; "
            f"it takes {', '.join(sorted(allowed))}.")
    function_set = cls(**options)
    function_set.validate()
    return function_set
