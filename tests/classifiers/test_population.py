"""Batched populations predict exactly what their members as plain torch modules predict."""

import math

import numpy as np
import pytest
import torch

from badminima.classifiers import LeNet, MLP, Perceptron, draw_layer, make_function_set
from badminima.classifiers.population import module_labels
from badminima.errors import InvalidParameterError

CASES = [
    (MLP((16, 8)), (12,)),
    (MLP((16,), activation="tanh", bias=False, prior="he"), (12,)),
    (MLP((), prior="lecun"), (6,)),
    (Perceptron(), (5,)),
    (LeNet((3, 4), (8,)), (16, 16)),
    (LeNet((3,), (8,), kernel=3, prior="uniform"), (10, 10, 3)),
]


@pytest.mark.parametrize("function_set,shape", CASES, ids=lambda v: repr(v))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_batched_predictions_match_member_modules(function_set, shape, n_classes):
    pop = function_set.sample(9, shape, n_classes, torch.Generator().manual_seed(1))
    x = torch.randn(40, *shape, generator=torch.Generator().manual_seed(2))
    # a tiny memory budget forces many member and input blocks
    batched = pop.predict(x, max_bytes=3000)
    assert batched.shape == (9, 40)
    for k in range(pop.K):
        labels = module_labels(pop.member(k), function_set.prepare_inputs(x, "cpu"))
        assert torch.equal(labels, batched[k])


def test_correct_and_error_rates_agree_with_predict():
    pop = MLP((8,)).sample(50, (4,), 2, torch.Generator().manual_seed(0))
    x = torch.randn(300, 4)
    y = (x[:, 0] > 0).long()
    pred = pop.predict(x)
    assert torch.equal(pop.correct(x, y, max_bytes=5000), pred == y)
    np.testing.assert_allclose(pop.error_rates(x, y, max_bytes=5000), (pred != y).double().mean(1).numpy())


def test_same_generator_seed_same_population():
    a = MLP((8,)).sample(5, (3,), 2, torch.Generator().manual_seed(7))
    b = MLP((8,)).sample(5, (3,), 2, torch.Generator().manual_seed(7))
    assert all(torch.equal(a.params[k], b.params[k]) for k in a.params)
    assert set(a.params) == {"W0", "b0", "W1", "b1"} and a.params["W0"].shape == (5, 8, 3)


def test_pytorch_prior_bounds_and_variances():
    g = torch.Generator().manual_seed(0)
    w, b = draw_layer("pytorch", 200, 50, (400,), True, g)
    assert w.abs().max() <= 1 / math.sqrt(400) and b.abs().max() <= 1 / math.sqrt(400)
    assert w.var().item() == pytest.approx(1 / (3 * 400), rel=0.02)  # U(-a, a): a^2 / 3
    w, _ = draw_layer("he", 200, 50, (400,), False, g)
    assert w.var().item() == pytest.approx(2 / 400, rel=0.02)
    w, b = draw_layer("sphere", 10, 6, (3, 2, 2), True, g)
    norms = (w.reshape(10, 6, -1).square().sum(-1) + b.square()).sqrt()
    torch.testing.assert_close(norms, torch.ones(10, 6))


def test_sphere_prior_gives_uniform_directions():
    # the first coordinate of a uniform unit vector in R^3 is uniform on [-1, 1]
    w, _ = draw_layer("sphere", 20000, 1, (3,), False, torch.Generator().manual_seed(3))
    first = w[:, 0, 0].numpy()
    assert np.histogram(first, bins=4, range=(-1, 1))[0] / 20000 == pytest.approx([0.25] * 4, abs=0.015)


def test_registry_and_errors():
    assert repr(make_function_set("mlp", widths=[4], prior="he")) .startswith("MLP(widths=(4,)")
    with pytest.raises(InvalidParameterError, match="'arch'.*'mlp'.*Got 'rnn'"):
        make_function_set("rnn")
    with pytest.raises(InvalidParameterError, match="does not take the option 'depth'"):
        make_function_set("mlp", depth=3)
    with pytest.raises(InvalidParameterError, match="'prior'.*Got 'xavier'"):
        make_function_set("mlp", prior="xavier")
    with pytest.raises(InvalidParameterError, match="'widths'"):
        MLP(widths=[0]).sample(2, (3,), 2)
    with pytest.raises(InvalidParameterError, match="'K'"):
        MLP().sample(0, (3,), 2)
    with pytest.raises(InvalidParameterError, match="larger images"):
        LeNet((2, 2, 2)).sample(2, (8, 8), 2)
    pop = MLP((4,)).sample(2, (3,), 2)
    with pytest.raises(InvalidParameterError, match="shape \\(3,\\)"):
        pop.predict(torch.zeros(5, 4))
