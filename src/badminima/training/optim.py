"""Optimizer and learning-rate schedule registries (unknown names raise, no if/elif chains)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

from typing import TYPE_CHECKING

from badminima.errors import InvalidParameterError

if TYPE_CHECKING:  # settings.py reads the registries below to validate its names
    from badminima.training.settings import TrainSettings


def _adam(params, s: TrainSettings) -> torch.optim.Optimizer:
    return torch.optim.Adam(params, lr=s.lr, weight_decay=s.weight_decay, foreach=True)


def _sgd(params, s: TrainSettings) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=s.lr, momentum=s.momentum, nesterov=s.nesterov and s.momentum > 0,
                           weight_decay=s.weight_decay, foreach=True)


#: name -> builder(params, settings)
OPTIMIZERS: dict[str, Callable[[Iterable[torch.Tensor], TrainSettings], torch.optim.Optimizer]] = {
    "adam": _adam, "sgd": _sgd}


def _constant(epoch: int, s: TrainSettings) -> float:
    return 1.0


def _cosine(epoch: int, s: TrainSettings) -> float:
    """Cosine annealing over the budget: 0.5 (1 + cos(pi t / T)) (Loshchilov & Hutter 2017)."""
    return 0.5 * (1.0 + math.cos(math.pi * min(epoch, s.max_epochs) / s.max_epochs))


def _step(epoch: int, s: TrainSettings) -> float:
    """gamma ** floor(t / step_epochs)."""
    return s.step_gamma ** (epoch // s.step_epochs)


#: name -> learning-rate factor(epoch, settings), epoch counted from 0
SCHEDULES: dict[str, Callable[[int, TrainSettings], float]] = {
    "constant": _constant, "cosine": _cosine, "step": _step}


def _lookup(registry: dict, name: str, what: str):
    if name not in registry:
        raise InvalidParameterError(
            f"The {what!r} parameter must be one of {', '.join(map(repr, registry))}. Got {name!r} instead.")
    return registry[name]


def make_optimizer(params: Iterable[torch.Tensor], settings: TrainSettings) -> torch.optim.Optimizer:
    """The optimizer named by ``settings.optimizer`` over ``params``."""
    return _lookup(OPTIMIZERS, settings.optimizer, "optimizer")(params, settings)


def set_epoch_lr(optimizer: torch.optim.Optimizer, epoch: int, settings: TrainSettings) -> float:
    """Set every group's learning rate to ``lr * schedule(epoch)``; return it."""
    lr = settings.lr * _lookup(SCHEDULES, settings.schedule, "schedule")(epoch, settings)
    for group in optimizer.param_groups:
        group["lr"] = lr
    return lr
