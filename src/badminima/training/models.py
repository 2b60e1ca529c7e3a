"""Architectures much larger than the training set: MLP, a small CNN, ResNet-18 (32x32).

:class:`NetworkSpec` is the ``[model]`` table of a sweep config; :func:`build_model` turns it
into an ``nn.Module`` through the :data:`ARCHITECTURES` registry. Inputs are ``(N, C, H, W)``
images or ``(N, d)`` vectors (see :func:`badminima.training.tensors.to_tensor`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn

from badminima.errors import InvalidParameterError
from badminima.registry import Registry
from badminima.training.devices import seeded
from badminima.validation import Each, Interval, Options, check_int, validate_fields


def _mlp(spec: NetworkSpec, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    width = int(torch.tensor(input_shape).prod())
    for w in spec.widths:
        layers += [nn.Linear(width, w), nn.ReLU()]
        width = w
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


def _cnn(spec: NetworkSpec, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    if len(input_shape) != 3:
        raise InvalidParameterError(f"The 'cnn' architecture needs image inputs (C, H, W). Got shape {input_shape}.")
    channels, height, width = input_shape
    layers: list[nn.Module] = []
    for c in spec.channels:
        # max-pool before ReLU: the same function and gradients bit for bit (both are monotone
        # and the pool routes each window's gradient to its first maximum either way), with the
        # ReLU and its backward on a quarter of the values; parameter names are unchanged
        layers.append(nn.Conv2d(channels, c, 3, padding=1))
        if min(height, width) >= 2:
            layers.append(nn.MaxPool2d(2))
            height, width = height // 2, width // 2
        layers.append(nn.ReLU())
        channels = c
    layers += [nn.Flatten(), nn.Linear(channels * height * width, spec.hidden), nn.ReLU(),
               nn.Linear(spec.hidden, n_classes)]
    return nn.Sequential(*layers)


class _BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32x32 inputs (3x3 stem, no max-pool; He et al. 2016, CIFAR variant).

    Four stages of two basic blocks with widths ``round(k * (64, 128, 256, 512))``,
    strides 1, 2, 2, 2, global average pooling and a linear classifier.
    """

    def __init__(self, in_channels: int, n_classes: int, width_multiplier: float = 1.0) -> None:
        super().__init__()
        widths = [max(1, round(width_multiplier * w)) for w in (64, 128, 256, 512)]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, c_in = [], widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            blocks += [_BasicBlock(c_in, w, stride), _BasicBlock(w, w, 1)]
            c_in = w
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.blocks(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


def _resnet18(spec: NetworkSpec, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    if len(input_shape) != 3:
        raise InvalidParameterError(
            f"The 'resnet18' architecture needs image inputs (C, H, W). Got shape {input_shape}.")
    return ResNet18(input_shape[0], n_classes, spec.width_multiplier)


#: name -> builder(spec, input_shape, n_classes)
ARCHITECTURES: Registry[Callable[["NetworkSpec", tuple[int, ...], int], nn.Module]] = Registry({
    "mlp": _mlp, "cnn": _cnn, "resnet18": _resnet18})


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Architecture and its size.

    Attributes
    ----------
    arch : {"mlp", "cnn", "resnet18"}
    widths : tuple of int
        Hidden-layer widths of the MLP.
    channels : tuple of int
        Channels of the CNN's conv blocks (each conv 3x3 + 2x2 max-pool + ReLU, the same function
        as ReLU before the pool).
    hidden : int
        Width of the CNN's fully connected layer.
    width_multiplier : float
        ResNet-18 stage widths are ``round(k * (64, 128, 256, 512))``.
    """

    arch: str = "mlp"
    widths: tuple[int, ...] = (512,)
    channels: tuple[int, ...] = (32, 64)
    hidden: int = 128
    width_multiplier: float = 1.0

    rules: ClassVar[dict] = {"arch": Options(ARCHITECTURES), "widths": Each(Interval(int, 1)),
                             "channels": Each(Interval(int, 1), nonempty=True),
                             "hidden": Interval(int, 1),
                             "width_multiplier": Interval(float, 0, None, "neither")}

    def __post_init__(self) -> None:
        validate_fields(self, "NetworkSpec")


def build_model(spec: NetworkSpec, input_shape: tuple[int, ...], n_classes: int, seed: int) -> nn.Module:
    """Build ``spec`` for inputs of shape ``input_shape`` (no batch axis), initialized from ``seed``.

    The weights are drawn on the CPU with PyTorch's default initialization under a
    generator seeded with ``seed``, so they are the same on every device.
    """
    check_int("n_classes", n_classes, "build_model", low=2)
    with seeded(seed):
        return ARCHITECTURES[spec.arch](spec, tuple(input_shape), n_classes)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
