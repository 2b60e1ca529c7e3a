"""Parallel parameter streams: thread-count invariance, laws, seeds; the MLP's max-pooled input."""

import numpy as np
import pytest
import torch

from badminima.classifiers import MLP
from badminima.classifiers.draws import BLOCK, ParameterStream, as_parameter_stream, run_in_threads
from badminima.errors import InvalidParameterError


def test_same_values_for_any_number_of_threads():
    shape = (3, BLOCK + 17)  # spans several blocks
    one = ParameterStream(5, threads=1)
    three = ParameterStream(5, threads=3)
    for _ in range(2):  # successive draws stay aligned
        assert torch.equal(one.uniform(shape, -1, 2), three.uniform(shape, -1, 2))
        assert torch.equal(one.normal(shape, 0.5), three.normal(shape, 0.5))


def test_uniform_stream_is_one_continuous_stream_across_blocks():
    # block j is the base stream advanced by j * 2**64 outputs; within a block the values are
    # numpy's float32 uniforms of that sub-stream
    x = ParameterStream(9).uniform((BLOCK + 4,), 0, 1).numpy()
    seed = np.random.SeedSequence(9, spawn_key=(0,))
    first = np.random.Generator(np.random.PCG64(seed)).random(BLOCK, dtype=np.float32)
    np.testing.assert_array_equal(x[:BLOCK], first)
    bits = np.random.PCG64(seed)
    bits.advance(1 << 64)
    np.testing.assert_array_equal(x[BLOCK:], np.random.Generator(bits).random(4, dtype=np.float32))


def test_laws_and_seeds():
    s = ParameterStream(1)
    u = s.uniform((400_000,), -2, 2)
    z = s.normal((400_000,), 3.0)
    assert u.dtype == torch.float32 and -2 <= u.min() and u.max() < 2
    assert u.mean().item() == pytest.approx(0, abs=0.01) and u.var().item() == pytest.approx(16 / 12, rel=0.01)
    assert z.std().item() == pytest.approx(3.0, rel=0.01)
    assert not torch.equal(ParameterStream(1).uniform((5,), 0, 1), ParameterStream(2).uniform((5,), 0, 1))
    a = as_parameter_stream(torch.Generator().manual_seed(4)).uniform((5,), 0, 1)
    assert torch.equal(a, as_parameter_stream(torch.Generator().manual_seed(4)).uniform((5,), 0, 1))
    with pytest.raises(InvalidParameterError, match="'generator'"):
        as_parameter_stream("seed")


def test_run_in_threads_runs_every_item_and_restores_torch_threads():
    before = torch.get_num_threads()
    seen = np.zeros(10, dtype=int)

    def task(i):
        seen[i] += 1
    run_in_threads(task, range(10), threads=3)
    assert seen.tolist() == [1] * 10 and torch.get_num_threads() == before


def test_maxpool_mlp_matches_its_module_and_checks_shapes():
    x = torch.randn(7, 6, 6)
    fs = MLP((5,), maxpool=2)
    pop = fs.sample(4, (6, 6), 3, 0)
    assert pop.params["W0"].shape == (4, 5, 9)
    pred = pop.predict(x)
    for k in range(4):
        assert torch.equal(pop.member(k)(x).argmax(dim=1), pred[k])
    rgb = MLP((5,), maxpool=2).sample(2, (4, 4, 3), 2, 0)
    assert rgb.params["W0"].shape == (2, 5, 12)
    xr = torch.randn(3, 4, 4, 3)
    assert torch.equal((rgb.member(1)(xr)[:, 0] > 0).long(), rgb.predict(xr)[1])
    with pytest.raises(InvalidParameterError, match="maxpool"):
        MLP((5,), maxpool=2).sample(2, (10,), 2)
    with pytest.raises(InvalidParameterError, match="'maxpool'"):
        MLP((5,), maxpool=0).sample(2, (4, 4), 2)
