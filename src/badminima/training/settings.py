"""How a network is trained: the ``[train]`` table of a sweep config.

Defaults follow docs/science.md section 4, experiment 3: the object of study is the solution with
zero training error, so there is no weight decay, no data augmentation and no early stopping
unless asked for.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from badminima.training.optim import OPTIMIZERS, SCHEDULES
from badminima.validation import Interval, Options, validate_fields


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Optimizer, schedule and budget of one run.

    Attributes
    ----------
    optimizer : {"adam", "sgd"}
        Adam, or SGD with (optionally Nesterov) momentum.
    lr : float
        Initial learning rate.
    momentum : float
        SGD momentum (ignored by Adam).
    nesterov : bool
        Nesterov momentum for SGD.
    weight_decay : float
        L2 penalty (0: none, the default).
    schedule : {"constant", "cosine", "step"}
        Learning-rate schedule over ``max_epochs`` (see :mod:`badminima.training.optim`).
    step_epochs : int
        Period of the ``"step"`` schedule; ``step_gamma`` its factor.
    batch_size : int
        Minibatch size; 0 means full batch.
    max_epochs : int
        Budget: a run that has not reached zero training error after it is recorded as such.
    augment : bool
        Random crops (4-pixel padding) and horizontal flips of image inputs (off by default).
    early_stopping : int
        Patience in epochs on a held-out validation set drawn from the training pool outside
        the subset (0: off, the default). A run stopped early is recorded with its training
        error, like one out of budget.
    validation_size : int
        Size of that validation set.
    eval_batch_size : int
        Batch size of the (eval-mode) error evaluations.
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"
    step_epochs: int = 30
    step_gamma: float = 0.1
    batch_size: int = 128
    max_epochs: int = 200
    augment: bool = False
    early_stopping: int = 0
    validation_size: int = 1000
    eval_batch_size: int = 1024

    rules: ClassVar[dict] = {
        "optimizer": Options(OPTIMIZERS), "lr": Interval(float, 0, None, "neither"),
        "momentum": Interval(float, 0, 1, "left"), "weight_decay": Interval(float, 0),
        "schedule": Options(SCHEDULES), "step_epochs": Interval(int, 1),
        "step_gamma": Interval(float, 0, 1, "right"), "batch_size": Interval(int, 0),
        "max_epochs": Interval(int, 1), "early_stopping": Interval(int, 0),
        "validation_size": Interval(int, 1), "eval_batch_size": Interval(int, 1)}

    def __post_init__(self) -> None:
        validate_fields(self, "TrainSettings")
