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
