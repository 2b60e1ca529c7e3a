"""The one registry type (badminima.registry) and the registries built on it."""

import pytest

from badminima.errors import InvalidParameterError
from badminima.registry import Registry
from badminima.validation import Options


def test_registry_is_a_read_only_mapping_in_order():
    reg = Registry({"b": 2, "a": 1}, aliases={"bee": "b"})
    assert list(reg) == ["b", "a"] and len(reg) == 2 and dict(reg) == {"b": 2, "a": 1}
    assert reg["bee"] == 2 and "bee" in reg and reg.canonical("bee") == "b"
    assert "c" not in reg and [] not in reg  # unhashable: not a name, no TypeError
    with pytest.raises(KeyError):
        reg["c"]
    with pytest.raises(TypeError):
        reg["c"] = 3


@pytest.mark.parametrize("owner, expected", [
    (None, "The 'shape' parameter must be one of 'b', 'a'. Got 'c' instead."),
    ("f", "The 'shape' parameter of f must be one of 'b', 'a'. Got 'c' instead."),
])
def test_lookup_raises_the_standard_message(owner, expected):
    reg = Registry({"b": 2, "a": 1}, aliases={"bee": "b"})
    assert reg.lookup("bee", parameter="shape") == 2
    with pytest.raises(InvalidParameterError) as info:
        reg.lookup("c", parameter="shape", owner=owner)
    assert str(info.value) == expected


def test_aliases_must_point_to_names():
    with pytest.raises(ValueError, match="unknown names"):
        Registry({"a": 1}, aliases={"x": "z"})


def test_options_rule_accepts_aliases_and_lists_canonical_names():
    rule = Options(Registry({"a": 1}, aliases={"old-a": "a"}))
    assert rule.check("p", "old-a", "T") == "old-a"
    with pytest.raises(InvalidParameterError, match="must be one of 'a'. Got 'b'"):
        rule.check("p", "b", "T")


def _registries():
    from badminima.classifiers.mlp import ACTIVATIONS
    from badminima.classifiers.registry import FUNCTION_SETS
    from badminima.data.registry import DATASETS
    from badminima.fitting.models import MODELS
    from badminima.sampling.guess_check_theory import DENSITIES as GC_DENSITIES
    from badminima.sampling.version_space import METHODS
    from badminima.theory.specs import DENSITIES
    from badminima.training.models import ARCHITECTURES
    from badminima.training.optim import OPTIMIZERS, SCHEDULES
    from badminima.training.population_sgd import SGD_LOSSES as LOSSES
    return [ACTIVATIONS, FUNCTION_SETS, DATASETS, MODELS, GC_DENSITIES, METHODS, DENSITIES,
            ARCHITECTURES, OPTIMIZERS, SCHEDULES, LOSSES]


def test_package_registries_share_the_type():
    for registry in _registries():
        assert isinstance(registry, Registry), registry
        with pytest.raises(InvalidParameterError, match="must be one of"):
            registry.lookup("no-such-name")


def test_one_density_registry():
    from badminima.sampling.guess_check_theory import DENSITIES as GC_DENSITIES
    from badminima.sampling.guess_check_theory import make_density
    from badminima.theory import RareGoodTail, SphericalPerceptron, parse_density_spec
    from badminima.theory.specs import DENSITIES
    assert all(GC_DENSITIES[name] is DENSITIES[name] for name in GC_DENSITIES)
    assert parse_density_spec("perceptron:dim=7").N == 7 == parse_density_spec("perceptron:N=7").N
    assert isinstance(parse_density_spec("rare-good-tail:eps_min=0.1,c=1,gamma=1"), RareGoodTail)
    assert isinstance(make_density("perceptron", [0.1], 5), SphericalPerceptron)
    with pytest.raises(InvalidParameterError, match="'density' parameter must be one of 'empirical', 'perceptron'"):
        make_density("beta", [0.1], 5)
