"""Batched (vmapped) training of K members equals K separate trainings."""

import pytest
import torch

from badminima.data import load_dataset
from badminima.errors import InvalidParameterError
from badminima.training import (NetworkSpec, TrainSettings, build_model, to_labels, to_tensor,
                                train_ensemble_to_zero, train_to_zero)


@pytest.fixture(scope="module")
def data():
    ds = load_dataset("digits").normalized()
    seeds = [0, 1, 2, 3]
    xs = torch.stack([to_tensor(ds.subset(120, s)[0]) for s in seeds])
    ys = torch.stack([to_labels(ds.subset(120, s)[1]) for s in seeds])
    return seeds, xs, ys, to_tensor(ds.x_test), to_labels(ds.y_test)


def test_members_match_sequential_training(data):
    seeds, xs, ys, xt, yt = data
    spec, settings = NetworkSpec(widths=(48,)), TrainSettings(batch_size=32)
    batched = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                     settings, seeds)
    for k, s in enumerate(seeds):
        alone = train_to_zero(build_model(spec, (1, 8, 8), 10, s), xs[k], ys[k], xt, yt, settings, seed=s)
        assert batched[k].reached_zero and alone.reached_zero
        assert batched[k].epochs == alone.epochs
        assert batched[k].history == pytest.approx(alone.history, abs=1.5 / 120)
        assert batched[k].test_error == pytest.approx(alone.test_error, abs=2 / len(yt))
        for p, q in zip(batched[k].model.parameters(), alone.model.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-3, atol=1e-4)
    assert len({r.epochs for r in batched}) > 1, "members should stop at different epochs"


def test_frozen_member_keeps_its_zero_error_weights(data):
    seeds, xs, ys, xt, yt = data
    spec, settings = NetworkSpec(widths=(48,)), TrainSettings(batch_size=32)
    results = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                     settings, seeds)
    for k, r in enumerate(results):
        with torch.no_grad():
            assert int((r.model(xs[k]).argmax(1) != ys[k]).sum()) == 0
            assert r.test_error == int((r.model(xt).argmax(1) != yt).sum()) / len(yt)


def test_unfinished_members_are_recorded(data):
    seeds, xs, ys, xt, yt = data
    spec = NetworkSpec(widths=(4,))
    results = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                     TrainSettings(lr=1e-5, max_epochs=3), seeds)
    assert all(not r.reached_zero and r.epochs == 3 and r.train_error > 0 for r in results)


def test_refuses_batchnorm_and_mismatches(data):
    seeds, xs, ys, xt, yt = data
    bn = [build_model(NetworkSpec(arch="resnet18", width_multiplier=0.0625), (3, 32, 32), 10, 0)]
    with pytest.raises(InvalidParameterError, match="BatchNorm"):
        train_ensemble_to_zero(bn, xs[:1], ys[:1], xt, yt, TrainSettings(), [0])
    mlps = [build_model(NetworkSpec(widths=(4,)), (1, 8, 8), 10, s) for s in seeds]
    with pytest.raises(InvalidParameterError, match="must match"):
        train_ensemble_to_zero(mlps, xs, ys, xt, yt, TrainSettings(), seeds[:2])
    with pytest.raises(InvalidParameterError, match="augment"):
        train_ensemble_to_zero(mlps, xs, ys, xt, yt, TrainSettings(augment=True), seeds)


def test_mlp_members_run_as_batched_matrix_products(data):
    from badminima.training.ensemble import _mlp_layers, _Stacked
    seeds, xs, ys, xt, yt = data
    mlps = [build_model(NetworkSpec(widths=(16, 8)), (1, 8, 8), 10, s) for s in seeds]
    assert _mlp_layers(mlps[0]) == ["1", "3", "5"]
    assert _mlp_layers(build_model(NetworkSpec(arch="cnn", channels=(4,), hidden=8), (1, 8, 8), 10, 0)) is None
    stacked = _Stacked.from_models(mlps)
    with torch.no_grad():
        own, shared = stacked.forward(xs[:, :5]), stacked.forward_shared(xt[:5])
        for k, m in enumerate(mlps):
            torch.testing.assert_close(own[k], m(xs[k, :5]))
            torch.testing.assert_close(shared[k], m(xt[:5]))


def test_cnn_members_match_sequential_training(data):
    seeds, xs, ys, xt, yt = data
    spec, settings = NetworkSpec(arch="cnn", channels=(4,), hidden=16), TrainSettings(batch_size=32)
    seeds, xs, ys = seeds[:2], xs[:2, :60], ys[:2, :60]
    batched = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                     settings, seeds)
    for k, s in enumerate(seeds):
        alone = train_to_zero(build_model(spec, (1, 8, 8), 10, s), xs[k], ys[k], xt, yt, settings, seed=s)
        assert batched[k].reached_zero and batched[k].epochs == alone.epochs
        assert batched[k].test_error == pytest.approx(alone.test_error, abs=2 / len(yt))


def test_stacked_linear_gradients_equal_autograd_bit_for_bit():
    """The weight gradient formed in the weight's layout is autograd's ``baddbmm`` gradient exactly."""
    from badminima.training.ensemble import _StackedLinear
    g = torch.Generator().manual_seed(0)
    w, b = torch.randn(3, 40, 30, generator=g), torch.randn(3, 40, generator=g)
    h = torch.randn(3, 16, 30, generator=g)
    grad = torch.randn(3, 16, 40, generator=g)
    ref = [t.clone().requires_grad_() for t in (b, h, w)]
    torch.baddbmm(ref[0][:, None, :], ref[1], ref[2].transpose(1, 2)).backward(grad)
    ours = [t.clone().requires_grad_() for t in (b, h, w)]
    out = _StackedLinear.apply(*ours)
    out.backward(grad)
    assert torch.equal(out, torch.baddbmm(b[:, None, :], h, w.transpose(1, 2)))
    for r, o in zip(ref, ours):
        assert torch.equal(r.grad, o.grad)
    no_input = [b.clone().requires_grad_(), h, w.clone().requires_grad_()]
    _StackedLinear.apply(*no_input).backward(grad)
    assert h.grad is None and torch.equal(no_input[2].grad, ref[2].grad)


def test_suspects_first_check_matches_the_full_check(data, monkeypatch):
    """Members stop at the same epochs with the same weights as with a full check every epoch."""
    import badminima.training.ensemble as ensemble
    seeds, xs, ys, xt, yt = data
    spec, settings = NetworkSpec(widths=(48,)), TrainSettings(batch_size=32)
    fast = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                  settings, seeds)
    original = ensemble._check_epoch
    monkeypatch.setattr(ensemble, "_check_epoch", lambda *a, exact: original(*a, exact=True))
    full = train_ensemble_to_zero([build_model(spec, (1, 8, 8), 10, s) for s in seeds], xs, ys, xt, yt,
                                  settings, seeds)
    for f, e in zip(fast, full):
        assert f.epochs == e.epochs and f.test_error == e.test_error and f.history[-1] == e.history[-1] == 0.0
        assert all(0 < a <= b for a, b in zip(f.history[:-1], e.history[:-1]))
        for p, q in zip(f.model.parameters(), e.model.parameters()):
            assert torch.equal(p, q)
