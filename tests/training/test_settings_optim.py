"""Training settings validation, optimizer and schedule registries, devices, augmentation."""

import math

import pytest
import torch

from badminima.errors import InvalidParameterError
from badminima.training import TrainSettings, resolve_device
from badminima.training.augment import crop_flip
from badminima.training.optim import make_optimizer, set_epoch_lr


@pytest.mark.parametrize("kwargs,name", [({"lr": 0.0}, "lr"), ({"momentum": 1.0}, "momentum"),
                                         ({"batch_size": -1}, "batch_size"), ({"max_epochs": 0}, "max_epochs"),
                                         ({"weight_decay": -1e-4}, "weight_decay")])
def test_bad_settings_are_named(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of TrainSettings"):
        TrainSettings(**kwargs)


def test_defaults_have_no_regularization():
    s = TrainSettings()
    assert s.weight_decay == 0 and not s.augment and s.early_stopping == 0


@pytest.mark.parametrize("schedule,epoch,factor", [
    ("constant", 37, 1.0), ("cosine", 0, 1.0), ("cosine", 50, 0.5), ("cosine", 25, 0.5 * (1 + math.cos(math.pi / 4))),
    ("cosine", 100, 0.0), ("step", 29, 1.0), ("step", 30, 0.1), ("step", 65, 0.1 ** 2)])
def test_schedule_closed_forms(schedule, epoch, factor):
    s = TrainSettings(schedule=schedule, lr=0.2, max_epochs=100, step_epochs=30, step_gamma=0.1)
    opt = make_optimizer([torch.zeros(2, requires_grad=True)], s)
    assert set_epoch_lr(opt, epoch, s) == pytest.approx(0.2 * factor)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.2 * factor)


def test_optimizers_are_built_with_settings():
    p = [torch.zeros(2, requires_grad=True)]
    sgd = make_optimizer(p, TrainSettings(optimizer="sgd", lr=0.1, momentum=0.8, weight_decay=1e-3))
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.8
    assert sgd.defaults["weight_decay"] == 1e-3
    assert isinstance(make_optimizer(p, TrainSettings()), torch.optim.Adam)


def test_optimizer_steps_are_fused_on_cpu_and_foreach_elsewhere():
    cpu = [torch.zeros(2, requires_grad=True)]
    assert make_optimizer(iter(cpu), TrainSettings()).defaults["fused"] is True
    assert make_optimizer(cpu, TrainSettings(optimizer="sgd")).defaults["fused"] is True
    meta = [torch.zeros(2, device="meta", requires_grad=True)]
    adam = make_optimizer(meta, TrainSettings())
    assert not adam.defaults["fused"] and adam.defaults["foreach"] is True


def test_resolve_device():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(InvalidParameterError, match="'device'"):
        resolve_device("tpu-ish")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidParameterError, match="no CUDA"):
            resolve_device("cuda")


def test_crop_flip_is_a_shifted_possibly_flipped_copy():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6) + 1
    out = crop_flip(x, torch.Generator().manual_seed(0), padding=2)
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2,) * 4)
    for b in range(2):
        candidates = [padded[b, :, i:i + 6, j:j + 6] for i in range(5) for j in range(5)]
        candidates += [c.flip(-1) for c in candidates]
        assert any(torch.equal(out[b], c) for c in candidates)
