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


def test_cnn_pools_before_relu_with_the_same_gradients_bit_for_bit():
    """Conv, max-pool, ReLU equals conv, ReLU, max-pool exactly, ties of a constant background included."""
    import copy
    model = build_model(NetworkSpec(arch="cnn", channels=(4, 8), hidden=16), (1, 28, 28), 10, seed=0)
    assert [type(m).__name__ for m in model[:3]] == ["Conv2d", "MaxPool2d", "ReLU"]
    layers = list(copy.deepcopy(model))
    for i in range(len(layers) - 1):
        if isinstance(layers[i], torch.nn.MaxPool2d) and isinstance(layers[i + 1], torch.nn.ReLU):
            layers[i], layers[i + 1] = layers[i + 1], layers[i]
    relu_first = torch.nn.Sequential(*layers)
    g = torch.Generator().manual_seed(0)
    x = torch.full((8, 1, 28, 28), -0.4)  # a constant background: many tied window maxima
    x[:, :, 8:20, 8:20] = torch.randn(8, 1, 12, 12, generator=g)
    y = torch.arange(8) % 10
    outs = []
    for m in (model, relu_first):
        out = m(x)
        torch.nn.functional.cross_entropy(out, y).backward()
        outs.append((out, [p.grad for p in m.parameters()]))
    assert torch.equal(outs[0][0], outs[1][0])
    assert all(torch.equal(a, b) for a, b in zip(outs[0][1], outs[1][1]))
    assert list(model.state_dict()) == list(relu_first.state_dict())
