"""Training to zero error on digits: the stopping rule, the recorded errors, reproducibility."""

import numpy as np
import pytest
import torch

from badminima.data import load_dataset
from badminima.errors import InvalidParameterError
from badminima.training import NetworkSpec, TrainSettings, build_model, to_labels, to_tensor, train_to_zero


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("digits").normalized()
    x, y = ds.subset(300, seed=0)
    return to_tensor(x), to_labels(y), to_tensor(ds.x_test), to_labels(ds.y_test), ds


def _numpy_mlp_predict(state: dict, x: np.ndarray) -> np.ndarray:
    """Independent forward pass of a saved one-hidden-layer MLP (Flatten, Linear, ReLU, Linear)."""
    h = x.reshape(len(x), -1).astype(np.float64) @ state["1.weight"].T + state["1.bias"]
    return (np.maximum(h, 0) @ state["3.weight"].T + state["3.bias"]).argmax(1)


def test_reaches_zero_and_test_error_matches_independent_evaluation(digits, tmp_path):
    x, y, xt, yt, ds = digits
    model = build_model(NetworkSpec(widths=(256,)), tuple(x.shape[1:]), 10, seed=1)
    result = train_to_zero(model, x, y, xt, yt, TrainSettings(), seed=1)
    assert result.reached_zero and result.stopped == "zero"
    assert result.train_error == 0.0 and result.history[-1] == 0.0
    assert all(h > 0 for h in result.history[:-1]) and result.epochs == len(result.history)
    torch.save(result.model.state_dict(), tmp_path / "model.pt")
    state = {k: v.numpy().astype(np.float64) for k, v in torch.load(tmp_path / "model.pt").items()}
    x_np, xt_np = x.numpy(), ds.x_test
    assert np.all(_numpy_mlp_predict(state, x_np) == y.numpy())
    independent = np.mean(_numpy_mlp_predict(state, xt_np) != ds.y_test)
    assert result.test_error == pytest.approx(independent, abs=0)
    assert result.n_test == len(ds.y_test) and 0 < result.test_error < 0.3


def test_same_seed_same_result_different_seed_differs(digits):
    x, y, xt, yt, _ = digits
    spec, settings = NetworkSpec(widths=(64,)), TrainSettings(batch_size=32)
    runs = [train_to_zero(build_model(spec, (1, 8, 8), 10, s), x, y, xt, yt, settings, seed=s)
            for s in (3, 3, 4)]
    assert runs[0].history == runs[1].history and runs[0].test_error == runs[1].test_error
    for p, q in zip(runs[0].model.parameters(), runs[1].model.parameters()):
        assert torch.equal(p, q)
    assert runs[0].history != runs[2].history


def test_budget_exhausted_is_recorded_not_counted(digits):
    x, y, xt, yt, _ = digits
    model = build_model(NetworkSpec(widths=(8,)), (1, 8, 8), 10, seed=0)
    result = train_to_zero(model, x, y, xt, yt, TrainSettings(lr=1e-5, max_epochs=2), seed=0)
    assert not result.reached_zero and result.stopped == "budget" and result.epochs == 2
    with torch.no_grad():
        wrong = (result.model.eval()(x).argmax(1) != y).float().mean().item()
    assert result.train_error == pytest.approx(wrong) and result.train_error > 0.5


def test_early_stopping_option(digits):
    x, y, xt, yt, _ = digits
    model = build_model(NetworkSpec(widths=(8,)), (1, 8, 8), 10, seed=0)
    settings = TrainSettings(lr=1e-6, max_epochs=50, early_stopping=2)
    result = train_to_zero(model, x, y, xt, yt, settings, seed=0, x_val=xt[:100], y_val=yt[:100])
    assert result.stopped == "early_stopping" and result.epochs < 50 and not result.reached_zero
    with pytest.raises(InvalidParameterError, match="validation set"):
        train_to_zero(model, x, y, xt, yt, settings, seed=0)


def test_eval_mode_criterion_with_batchnorm():
    """The zero-error check runs in eval mode (BatchNorm running statistics)."""
    torch.manual_seed(0)
    x = torch.randn(16, 3, 32, 32)
    y = torch.arange(16) % 2
    model = build_model(NetworkSpec(arch="resnet18", width_multiplier=0.0625), (3, 32, 32), 2, seed=0)
    result = train_to_zero(model, x, y, x, y, TrainSettings(lr=1e-2, max_epochs=40, batch_size=8,
                                                             augment=True), seed=0)
    model.eval()
    with torch.no_grad():
        wrong = (model(x).argmax(1) != y).float().mean().item()
    assert result.train_error == pytest.approx(wrong)
    assert not model.training


def _full_check_every_epoch(monkeypatch, module):
    """Make ``module._check_epoch`` classify the whole training set after every epoch (the old rule)."""
    original = module._check_epoch

    def full(*args, **kwargs):
        kwargs["exact"] = True
        return original(*args, **kwargs)
    monkeypatch.setattr(module, "_check_epoch", full)


@pytest.mark.parametrize("spec, shape", [(NetworkSpec(widths=(32,)), (1, 8, 8)),
                                         (NetworkSpec(arch="cnn", channels=(4, 8), hidden=16), (1, 8, 8))])
def test_suspects_first_check_stops_where_the_full_check_does(digits, monkeypatch, spec, shape):
    """Classifying the epoch's misclassified points first changes neither the stopping epoch nor
    the weights; the history is exact where the full check ran and a lower bound elsewhere."""
    import badminima.training.trainer as trainer
    x, y, xt, yt, _ = digits
    settings = TrainSettings(batch_size=32, lr=3e-3)
    original, exact = trainer._check_epoch, []

    def recorded(*args, **kwargs):
        out = original(*args, **kwargs)
        exact.append(out[1])
        return out
    monkeypatch.setattr(trainer, "_check_epoch", recorded)
    fast = train_to_zero(build_model(spec, shape, 10, 5), x, y, xt, yt, settings, seed=5)
    assert exact[-1] and exact.count(False) > len(exact) // 2, "most checks should have been cut short"
    monkeypatch.setattr(trainer, "_check_epoch", original)
    _full_check_every_epoch(monkeypatch, trainer)
    full = train_to_zero(build_model(spec, shape, 10, 5), x, y, xt, yt, settings, seed=5)
    assert fast.reached_zero and fast.epochs == full.epochs and fast.test_error == full.test_error
    for p, q in zip(fast.model.parameters(), full.model.parameters()):
        assert torch.equal(p, q)
    assert all(0 < f <= e for f, e in zip(fast.history[:-1], full.history[:-1]))
    assert fast.history[-1] == full.history[-1] == 0.0


def test_check_is_exact_at_the_last_epoch_and_on_early_stopping(digits):
    from badminima.training.evaluate import count_errors
    x, y, xt, yt, _ = digits
    model = build_model(NetworkSpec(widths=(8,)), (1, 8, 8), 10, seed=0)
    result = train_to_zero(model, x, y, xt, yt, TrainSettings(lr=1e-6, max_epochs=50, early_stopping=2),
                           seed=0, x_val=xt[:100], y_val=yt[:100])
    assert result.stopped == "early_stopping"
    assert result.train_error == count_errors(result.model, x, y) / len(y)


def test_check_epoch_falls_back_to_the_whole_set():
    from badminima.training.trainer import _check_epoch
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
        model.bias.zero_()
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    y = torch.tensor([0, 1, 1, 1])  # only point 2 is misclassified
    none, wrong_seen, right_seen = torch.zeros(4, dtype=torch.bool), torch.tensor([0, 0, 1, 1]).bool(), \
        torch.tensor([1, 1, 0, 0]).bool()
    assert _check_epoch(model, x, y, wrong_seen, 2, exact=False) == (1, False)
    assert _check_epoch(model, x, y, right_seen, 2, exact=False) == (1, True)  # suspects right: full check
    assert _check_epoch(model, x, y, none, 2, exact=False) == (1, True)
    assert _check_epoch(model, x, y, wrong_seen, 2, exact=True) == (1, True)


def test_cnn_trains_channels_last_and_returns_a_contiguous_model(digits):
    from badminima.training.trainer import _memory_format
    x, y, xt, yt, _ = digits
    cnn = build_model(NetworkSpec(arch="cnn", channels=(4,), hidden=8), (1, 8, 8), 10, 0)
    mlp = build_model(NetworkSpec(widths=(8,)), (1, 8, 8), 10, 0)
    assert _memory_format(cnn, x) == torch.channels_last and _memory_format(mlp, x) == torch.contiguous_format
    result = train_to_zero(cnn, x[:60], y[:60], xt, yt, TrainSettings(max_epochs=2), seed=0)
    assert all(p.is_contiguous() for p in result.model.parameters())
