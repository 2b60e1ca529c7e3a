"""Device choice and reproducibility: explicit seeds and devices, no hidden global state.

:func:`resolve_device` is defined in :mod:`badminima.classifiers.devices`.
"""

from __future__ import annotations

import contextlib
import logging
import os

import torch

from badminima.classifiers.devices import resolve_device

logger = logging.getLogger(__name__)

__all__ = ["data_generator", "make_deterministic", "resolve_device", "seeded"]


@contextlib.contextmanager
def seeded(seed: int):
    """Run the block with torch's CPU generator seeded, restoring its state afterwards.

    Models are built on the CPU inside this block and then moved, so their initial weights
    do not depend on the device.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def make_deterministic(device: torch.device) -> None:
    """Ask torch for deterministic kernels (a worker-process setting; CPU runs are exact).

    On CUDA this also sets ``CUBLAS_WORKSPACE_CONFIG`` and disables cuDNN autotuning;
    kernels without a deterministic version only warn.
    """
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def data_generator(seed: int) -> torch.Generator:
    """The CPU generator that orders minibatches (and draws augmentations) of one run."""
    return torch.Generator().manual_seed(int(seed))
