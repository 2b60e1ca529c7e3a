"""Numpy arrays from :mod:`badminima.data` to torch tensors in the layout the models expect."""

from __future__ import annotations

import numpy as np
import torch

from badminima.errors import InvalidParameterError


def to_tensor(x: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """Float inputs as ``(N, C, H, W)`` images or ``(N, d)`` vectors.

    ``(N, H, W)`` grayscale gains a channel axis; ``(N, H, W, C)`` colour (NHWC, as the data
    layer stores it) is permuted to NCHW; ``(N, d)`` is kept.
    """
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float32)
    if x.ndim == 3:
        x = x[:, None, :, :]
    elif x.ndim == 4:
        x = np.transpose(x, (0, 3, 1, 2))
    elif x.ndim != 2:
        raise InvalidParameterError(f"The 'x' parameter of to_tensor must have 2, 3 or 4 axes. Got shape {x.shape}.")
    return torch.from_numpy(np.ascontiguousarray(x)).to(device)


def to_labels(y: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """Labels as an int64 tensor."""
    return torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)
