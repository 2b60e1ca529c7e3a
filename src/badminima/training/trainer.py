"""Train one network until its training error is exactly zero (docs/science.md section 4, exp. 3).

After every epoch the training subset is classified in evaluation mode; training stops at the
first epoch with zero misclassified examples, and the test error on the full test set is
recorded at that epoch. A run that exhausts its budget (or is stopped early, when asked) is
recorded with ``reached_zero=False`` and its final training error.

The check is exact but ordered to be cheap (:func:`_check_epoch`): the training steps already
classify every point once per epoch (before that step's update), and the points they got wrong
are classified again, with the epoch's final weights; while one of them is still wrong the
epoch is not a zero-error epoch and the rest of the training set need not be classified. Only
when all of them are right (and at the last epoch, and when stopping early) is the whole
training set classified, so training stops at exactly the epoch the full check after every
epoch would stop at, with the same weights.

Networks with convolutions train in the channels-last memory format (oneDNN's native layout
on a CPU, also cuDNN's fast one): 1.5-2x faster steps and 2-3x faster evaluations of the CNNs
here than NCHW, with results equal up to floating-point reordering (not bit-for-bit those of
NCHW: docs/sweeps.md, "Training throughput").
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
        Training error after each epoch: exact at the last epoch and wherever the whole training
        set was classified; a lower bound (the points the epoch's steps misclassified that the
        final weights still misclassify) where that check sufficed (see the module docstring).
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


def _memory_format(model: nn.Module, x: torch.Tensor) -> torch.memory_format:
    """Channels-last for image batches ``(N, C, H, W)`` into a network with a 2-d convolution."""
    if x.dim() == 4 and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        return torch.channels_last
    return torch.contiguous_format


def _check_epoch(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seen_wrong: torch.Tensor,
                 batch_size: int, exact: bool) -> tuple[int, bool]:
    """Misclassified training points after an epoch (eval mode): ``(count, exact)``.

    ``seen_wrong`` marks the points the epoch's training steps misclassified. If the final
    weights still misclassify one of them, the epoch has a training error and, unless
    ``exact`` is asked for, ``(number among them still wrong, False)`` is returned: a lower
    bound, found without classifying the rest. Otherwise the whole set is classified.
    """
    if not exact:
        suspects = seen_wrong.nonzero().squeeze(1)
        wrong = count_errors(model, x[suspects], y[suspects], batch_size) if len(suspects) else 0
        if wrong:
            return wrong, False
    return count_errors(model, x, y, batch_size), True


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
    layout = _memory_format(model, x_train)
    model.to(memory_format=layout)
    x_train, x_test = x_train.contiguous(memory_format=layout), x_test.contiguous(memory_format=layout)
    if x_val is not None:
        x_val = x_val.contiguous(memory_format=layout)
    seen_wrong = torch.zeros(len(y_train), dtype=torch.bool, device=device)
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
            xb, yb = x_train[idx], y_train[idx]
            if settings.augment:
                xb = crop_flip(xb, generator).contiguous(memory_format=layout)
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss_fn(logits, yb).backward()
            optimizer.step()
            seen_wrong[idx] = logits.detach().argmax(dim=1) != yb
        wrong, _ = _check_epoch(model, x_train, y_train, seen_wrong, settings.eval_batch_size,
                                exact=epoch == settings.max_epochs - 1)
        history.append(wrong / len(y_train))
        if wrong == 0:
            stopped = "zero"
            break
        if settings.early_stopping:
            val = error_rate(model, x_val, y_val, settings.eval_batch_size)
            best_val, since_best = (val, 0) if val < best_val else (best_val, since_best + 1)
            if since_best >= settings.early_stopping:
                stopped = "early_stopping"
                history[-1] = count_errors(model, x_train, y_train, settings.eval_batch_size) / len(y_train)
                break
    test_error = error_rate(model, x_test, y_test, settings.eval_batch_size)
    wall = time.perf_counter() - start
    model.to(memory_format=torch.contiguous_format).eval()
    logger.info("trained n=%d seed=%d: %s after %d epochs, test error %.4f (%.1fs)",
                len(y_train), seed, stopped, len(history), test_error, wall)
    return TrainResult(epochs=len(history), reached_zero=stopped == "zero", train_error=history[-1],
                       test_error=test_error, n_train=len(y_train), n_test=len(y_test), wall_s=wall,
                       device=str(device), stopped=stopped, history=tuple(history), model=model)
