"""Train one network until its training error is exactly zero (docs/science.md section 4, exp. 3).

After every epoch the whole training subset is classified in evaluation mode; training stops
at the first epoch with zero misclassified examples, and the test error on the full test set
is recorded at that epoch. A run that exhausts its budget (or is stopped early, when asked)
is recorded with ``reached_zero=False`` and its final training error.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import torch
from torch import nn

from badminima.errors import InvalidParameterError
from badminima.training.augment import crop_flip
from badminima.training.devices import data_generator
from badminima.training.evaluate import count_errors, error_rate
from badminima.training.optim import make_optimizer, set_epoch_lr
from badminima.training.settings import TrainSettings

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """Outcome of one training run.

    Attributes
    ----------
    epochs : int
        Epochs trained (the zero-error epoch, or where training stopped).
    reached_zero : bool
        Whether the training error reached exactly zero.
    train_error, test_error : float
        Errors (eval mode) at the stopping epoch; ``n_train``, ``n_test`` their set sizes.
    wall_s : float
        Wall time of the training, evaluations included.
    device : str
    stopped : {"zero", "budget", "early_stopping"}
    history : tuple of float
        Training error after each epoch.
    model : torch.nn.Module
        The trained network (on ``device``, eval mode); not part of equality.
    """

    epochs: int
    reached_zero: bool
    train_error: float
    test_error: float
    n_train: int
    n_test: int
    wall_s: float
    device: str
    stopped: str
    history: tuple[float, ...]
    model: nn.Module | None = dataclasses.field(default=None, repr=False, compare=False)


def _batches(n: int, batch_size: int, generator: torch.Generator, device: torch.device):
    """Index batches of one epoch: a random permutation (drawn on the CPU, moved to ``device`` in
    one copy) cut in pieces (full batch for 0)."""
    order = torch.randperm(n, generator=generator).to(device)
    size = n if batch_size == 0 else min(batch_size, n)
    return order.split(size)


def train_to_zero(model: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor,
                  x_test: torch.Tensor, y_test: torch.Tensor, settings: TrainSettings, seed: int,
                  x_val: torch.Tensor | None = None, y_val: torch.Tensor | None = None) -> TrainResult:
    """Train ``model`` on ``(x_train, y_train)`` until it misclassifies none of them.

    Parameters
    ----------
    model : torch.nn.Module
        Already on the device of the tensors.
    x_train, y_train, x_test, y_test : torch.Tensor
        Inputs (see :func:`~badminima.training.tensors.to_tensor`) and int64 labels.
    settings : TrainSettings
    seed : int
        Seeds the minibatch order (and augmentation); the initialization is the caller's
        (:func:`~badminima.training.models.build_model`).
    x_val, y_val : torch.Tensor, optional
        Validation set, needed only with ``settings.early_stopping > 0``.

    Returns
    -------
    TrainResult
    """
    if settings.early_stopping and x_val is None:
        raise InvalidParameterError("early_stopping needs a validation set (x_val, y_val)")
    if len(y_train) == 0:
        raise InvalidParameterError("The training set of train_to_zero is empty.")
    device = x_train.device
    generator = data_generator(seed)
    optimizer = make_optimizer(model.parameters(), settings)
    loss_fn = nn.CrossEntropyLoss()
    history: list[float] = []
    best_val, since_best, stopped = float("inf"), 0, "budget"
    start = time.perf_counter()
    for epoch in range(settings.max_epochs):
        set_epoch_lr(optimizer, epoch, settings)
        model.train()
        for idx in _batches(len(y_train), settings.batch_size, generator, device):
            xb = x_train[idx]
            if settings.augment:
                xb = crop_flip(xb, generator)
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(xb), y_train[idx]).backward()
            optimizer.step()
        wrong = count_errors(model, x_train, y_train, settings.eval_batch_size)
        history.append(wrong / len(y_train))
        if wrong == 0:
            stopped = "zero"
            break
        if settings.early_stopping:
            val = error_rate(model, x_val, y_val, settings.eval_batch_size)
            best_val, since_best = (val, 0) if val < best_val else (best_val, since_best + 1)
            if since_best >= settings.early_stopping:
                stopped = "early_stopping"
                break
    test_error = error_rate(model, x_test, y_test, settings.eval_batch_size)
    wall = time.perf_counter() - start
    model.eval()
    logger.info("trained n=%d seed=%d: %s after %d epochs, test error %.4f (%.1fs)",
                len(y_train), seed, stopped, len(history), test_error, wall)
    return TrainResult(epochs=len(history), reached_zero=stopped == "zero", train_error=history[-1],
                       test_error=test_error, n_train=len(y_train), n_test=len(y_test), wall_s=wall,
                       device=str(device), stopped=stopped, history=tuple(history), model=model)
