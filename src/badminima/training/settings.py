"""How a network is trained: the ``[train]`` table of a sweep config.

Defaults follow docs/science.md section 4, experiment 3: the object of study is the solution with
zero training error, so there is no weight decay, no data augmentation and no early stopping
unless asked for.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from badminima.validation import check_int, check_real


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

    optimizer: Literal["adam", "sgd"] = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: Literal["constant", "cosine", "step"] = "constant"
    step_epochs: int = 30
    step_gamma: float = 0.1
    batch_size: int = 128
    max_epochs: int = 200
    augment: bool = False
    early_stopping: int = 0
    validation_size: int = 1000
    eval_batch_size: int = 1024

    def __post_init__(self) -> None:
        owner = "TrainSettings"
        check_real("lr", self.lr, owner, low=0, closed="neither")
        check_real("momentum", self.momentum, owner, low=0, high=1, closed="left")
        check_real("weight_decay", self.weight_decay, owner, low=0)
        check_int("step_epochs", self.step_epochs, owner, low=1)
        check_real("step_gamma", self.step_gamma, owner, low=0, high=1, closed="right")
        check_int("batch_size", self.batch_size, owner, low=0)
        check_int("max_epochs", self.max_epochs, owner, low=1)
        check_int("early_stopping", self.early_stopping, owner, low=0)
        check_int("validation_size", self.validation_size, owner, low=1)
        check_int("eval_batch_size", self.eval_batch_size, owner, low=1)
