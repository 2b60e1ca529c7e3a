"""Architectures: shapes, parameter counts, seeded initialization, errors."""

import pytest
import torch

from badminima.errors import InvalidParameterError
from badminima.training import NetworkSpec, build_model, count_parameters


def test_mlp_parameter_count_closed_form():
    model = build_model(NetworkSpec(arch="mlp", widths=(512, 256)), (1, 8, 8), 10, seed=0)
    expected = (64 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)
    assert count_parameters(model) == expected
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_cnn_parameter_count_closed_form():
    model = build_model(NetworkSpec(arch="cnn", channels=(4, 8), hidden=16), (1, 28, 28), 10, seed=0)
    convs = (1 * 9 * 4 + 4) + (4 * 9 * 8 + 8)
    fc = (8 * 7 * 7 * 16 + 16) + (16 * 10 + 10)
    assert count_parameters(model) == convs + fc
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_resnet18_shapes_and_width_multiplier():
    small = build_model(NetworkSpec(arch="resnet18", width_multiplier=0.125), (3, 32, 32), 10, seed=0)
    assert small(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    full = build_model(NetworkSpec(arch="resnet18"), (3, 32, 32), 10, seed=0)
    # the standard CIFAR ResNet-18 has 11,173,962 parameters
    assert count_parameters(full) == 11_173_962
    assert count_parameters(small) < count_parameters(full) / 50


def test_same_seed_same_weights_and_global_rng_untouched():
    spec = NetworkSpec(widths=(32,))
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = build_model(spec, (5,), 3, seed=7)
    after = torch.rand(3)
    b = build_model(spec, (5,), 3, seed=7)
    c = build_model(spec, (5,), 3, seed=8)
    assert torch.equal(before, after)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)


@pytest.mark.parametrize("kwargs,match", [
    ({"arch": "transformer"}, "'arch'.*'mlp'.*transformer"),
    ({"widths": (0,)}, "'widths'"),
    ({"channels": ()}, "'channels'"),
    ({"width_multiplier": 0.0}, "'width_multiplier'"),
])
def test_bad_spec_is_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        NetworkSpec(**kwargs)


@pytest.mark.parametrize("arch", ["cnn", "resnet18"])
def test_image_architectures_refuse_vectors(arch):
    with pytest.raises(InvalidParameterError, match="image inputs"):
        build_model(NetworkSpec(arch=arch), (20,), 2, seed=0)
