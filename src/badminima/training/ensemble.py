"""Train K small networks at once as one batched model, each stopping at its own zero error.

The K members (different seeds: initialization, minibatch order and, for a sweep, training
subset) share one architecture. Their parameters are stacked along a leading axis
(:func:`torch.func.stack_module_state`) and the forward pass is vectorized with
:func:`torch.func.vmap` over :func:`torch.func.functional_call`, so one step of the batched
model is one step of every member. The loss is the sum of the members' losses, so member
k's gradient is exactly its own; Adam and SGD act elementwise on the stacked tensors, so
each member keeps its own optimizer state. A member whose training error reaches zero is
frozen (its parameters are restored after every later step) and its test error is recorded
at that epoch: its result is that of training it alone, up to floating-point reordering.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from badminima.errors import InvalidParameterError
from badminima.training.devices import data_generator
from badminima.training.optim import make_optimizer, set_epoch_lr
from badminima.training.settings import TrainSettings
from badminima.training.trainer import TrainResult


def _check_members(models: Sequence[nn.Module], settings: TrainSettings) -> None:
    if not models:
        raise InvalidParameterError("The 'models' parameter of train_ensemble_to_zero must not be empty.")
    if any(len(list(m.buffers())) for m in models):
        raise InvalidParameterError(
            "Batched ensemble training needs models without buffers (no BatchNorm); "
            "train such architectures one at a time.")
    if settings.augment or settings.early_stopping:
        raise InvalidParameterError(
            "Batched ensemble training supports neither 'augment' nor 'early_stopping'.")


class _Stacked:
    """K members as stacked parameters and a vmapped forward pass."""

    def __init__(self, models: Sequence[nn.Module]) -> None:
        params, _ = stack_module_state(list(models))
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self.base = copy.deepcopy(models[0]).to("meta")

    def _one(self, p, x):
        return functional_call(self.base, p, (x,))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(K, B, C)`` of member k on ``x[k]``."""
        return vmap(self._one)(self.params, x)

    def forward_shared(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(K, B, C)`` of every member on the same inputs ``x``."""
        return vmap(self._one, in_dims=(0, None))(self.params, x)

    def member(self, k: int, template: nn.Module) -> nn.Module:
        model = copy.deepcopy(template)
        state = {name: value[k].detach().clone() for name, value in self.params.items()}
        model.load_state_dict(state)
        return model.eval()


@torch.no_grad()
def _errors(stacked: _Stacked, x: torch.Tensor, y: torch.Tensor, shared: bool, batch: int) -> torch.Tensor:
    """Misclassified counts per member, ``(K,)``."""
    wrong = torch.zeros(len(stacked.params[next(iter(stacked.params))]), dtype=torch.long, device=y.device)
    n = y.shape[-1]
    for s in range(0, n, batch):
        if shared:
            logits, yb = stacked.forward_shared(x[s:s + batch]), y[s:s + batch][None, :]
        else:
            logits, yb = stacked.forward(x[:, s:s + batch]), y[:, s:s + batch]
        wrong += (logits.argmax(-1) != yb).sum(-1)
    return wrong


def train_ensemble_to_zero(models: Sequence[nn.Module], x_train: torch.Tensor, y_train: torch.Tensor,
                           x_test: torch.Tensor, y_test: torch.Tensor, settings: TrainSettings,
                           seeds: Sequence[int]) -> list[TrainResult]:
    """Train K members at once, each on its own training set, until each has zero error.

    Parameters
    ----------
    models : sequence of torch.nn.Module
        K freshly initialized members of one architecture without buffers, on the device
        of the tensors.
    x_train : torch.Tensor
        ``(K, n, ...)``: member k trains on ``x_train[k]`` (same n for all members).
    y_train : torch.Tensor
        ``(K, n)`` int64 labels.
    x_test, y_test : torch.Tensor
        The shared test set.
    settings : TrainSettings
    seeds : sequence of int
        Member k's minibatch order comes from ``seeds[k]``, as in
        :func:`~badminima.training.trainer.train_to_zero`.

    Returns
    -------
    list of TrainResult
        One per member, in order. ``wall_s`` is the wall time until the member stopped
        (the batched training is shared, so these overlap).
    """
    _check_members(models, settings)
    k, n = y_train.shape
    if len(models) != k or len(seeds) != k:
        raise InvalidParameterError(
            f"train_ensemble_to_zero got {len(models)} models, {len(seeds)} seeds and {k} training sets; "
            "they must match.")
    device = x_train.device
    stacked = _Stacked(models)
    optimizer = make_optimizer(stacked.params.values(), settings)
    generators = [data_generator(s) for s in seeds]
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    rows = torch.arange(k, device=device)[:, None]
    active = torch.ones(k, dtype=torch.bool, device=device)
    frozen: dict[str, torch.Tensor] = {}
    histories: list[list[float]] = [[] for _ in range(k)]
    finish_wall = [0.0] * k
    start = time.perf_counter()
    size = n if settings.batch_size == 0 else min(settings.batch_size, n)
    for epoch in range(settings.max_epochs):
        set_epoch_lr(optimizer, epoch, settings)
        order = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(device)
        for idx in order.split(size, dim=1):
            logits = stacked.forward(x_train[rows, idx])
            losses = loss_fn(logits.flatten(0, 1), y_train[rows, idx].flatten()).view(k, -1).mean(1)
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            optimizer.step()
            if frozen:
                with torch.no_grad():
                    for name, p in stacked.params.items():
                        p[~active] = frozen[name]
        wrong = _errors(stacked, x_train, y_train, shared=False, batch=settings.eval_batch_size)
        now = time.perf_counter() - start
        for m in torch.nonzero(active).flatten().tolist():
            histories[m].append(int(wrong[m]) / n)
            finish_wall[m] = now
        active &= wrong > 0
        if not bool(active.any()):
            break
        with torch.no_grad():
            frozen = {name: p[~active].detach().clone() for name, p in stacked.params.items()}
    test_wrong = _errors(stacked, x_test, y_test, shared=True, batch=settings.eval_batch_size)
    results = []
    for m in range(k):
        reached = histories[m][-1] == 0.0
        results.append(TrainResult(
            epochs=len(histories[m]), reached_zero=reached, train_error=histories[m][-1],
            test_error=int(test_wrong[m]) / len(y_test), n_train=n, n_test=len(y_test),
            wall_s=finish_wall[m], device=str(device), stopped="zero" if reached else "budget",
            history=tuple(histories[m]), model=stacked.member(m, models[m])))
    return results
