"""The streamed predict / correct / error_rates give exactly the per-member nn.Module labels."""

import numpy as np
import pytest
import torch

from badminima.classifiers import LeNet, MLP
from badminima.classifiers.population import _write_labels, module_labels

POPULATIONS = [
    (MLP((16,)), (10,), 2),
    (MLP((16,), activation="tanh"), (10,), 2),
    (MLP((32, 8), bias=False, prior="he"), (7,), 2),
    (MLP((16,), activation="tanh", bias=False), (10,), 5),
    (MLP((24,), prior="lecun"), (12,), 10),
    (LeNet((3,), (8,)), (12, 12), 3),
]


def _module_labels(pop, x):
    xt = pop.function_set.prepare_inputs(x, "cpu")
    with torch.no_grad():
        return torch.stack([module_labels(pop.member(k), xt) for k in range(pop.K)])


@pytest.mark.parametrize("max_bytes", [2**28, 20000], ids=["default-blocks", "many-blocks"])
@pytest.mark.parametrize("case", range(len(POPULATIONS)), ids=[f"{p[0]!r}-C{p[2]}" for p in POPULATIONS])
def test_streamed_labels_equal_member_modules(case, max_bytes):
    function_set, shape, n_classes = POPULATIONS[case]
    seed = 100 * case
    pop = function_set.sample(37, shape, n_classes, torch.Generator().manual_seed(seed))
    x = torch.randn(700, *shape, generator=torch.Generator().manual_seed(seed + 1))
    y = torch.randint(0, n_classes, (700,), generator=torch.Generator().manual_seed(seed + 2))
    expected = _module_labels(pop, x)
    labels = pop.predict(x, max_bytes=max_bytes)
    assert labels.dtype == torch.int64 and torch.equal(labels, expected)
    assert torch.equal(pop.correct(x, y, max_bytes=max_bytes), expected == y)
    np.testing.assert_array_equal(pop.error_rates(x, y, max_bytes=max_bytes),
                                  (expected != y).double().mean(1).numpy())


def test_results_are_ordinary_tensors():
    pop = MLP((4,)).sample(3, (2,), 2, torch.Generator().manual_seed(0))
    labels = pop.predict(torch.randn(5, 2))
    assert not labels.is_inference()
    labels[0, 0] = 1  # writable outside inference mode


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_first_maximal_class_matches_argmax_with_ties(n_classes):
    out = torch.randint(0, 3, (6, n_classes, 50), generator=torch.Generator().manual_seed(n_classes)).float()
    dest = torch.empty(6, 60, dtype=torch.int64)
    _write_labels(out, dest[:, 5:55])  # a strided view of a larger result
    assert torch.equal(dest[:, 5:55], out.argmax(dim=1))


def test_blocks_respect_memory_bound():
    pop = MLP((64,)).sample(300, (784,), 2, torch.Generator().manual_seed(0))
    per = 8 * pop.function_set.activation_floats(pop.input_shape, pop.n_outputs)
    for max_bytes in (1, 10**5, 10**7, 2**30):
        k_block, n_block = pop._blocks(2048, max_bytes)
        assert 1 <= k_block <= 300 and 1 <= n_block <= 2048
        if max_bytes >= per:
            assert k_block * n_block * per <= max_bytes
