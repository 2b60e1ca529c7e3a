"""Classification error of a model in evaluation mode."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def count_errors(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 4096) -> int:
    """Number of misclassified examples, ``sum_i [argmax f(x_i) != y_i]``, in eval mode.

    The model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    wrong = torch.zeros((), dtype=torch.long, device=y.device)
    for start in range(0, len(y), batch_size):
        logits = model(x[start:start + batch_size])
        wrong += (logits.argmax(dim=1) != y[start:start + batch_size]).sum()
    model.train(was_training)
    return int(wrong)  # one device-to-host copy per evaluation


def error_rate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 4096) -> float:
    """Fraction misclassified, in eval mode (0.0 for an empty set)."""
    return count_errors(model, x, y, batch_size) / len(y) if len(y) else 0.0
