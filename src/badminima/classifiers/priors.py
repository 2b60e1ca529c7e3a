"""Priors over network weights: the distributions a population's parameters are drawn from.

A prior is part of the function set's definition (docs/science.md section 1: "for a network,
its architecture plus the distribution its weights are drawn from"). Every prior here
draws each layer independently given its fan-in :math:`m` (inputs per output unit:
``in_features`` for a dense layer, ``in_channels * kh * kw`` for a convolution):

==========  ===========================================  ===================================
name        weights                                      biases
==========  ===========================================  ===================================
pytorch     :math:`U(-1/\\sqrt m, 1/\\sqrt m)`             :math:`U(-1/\\sqrt m, 1/\\sqrt m)`
he          :math:`N(0, 2/m)`                            :math:`N(0, 2/m)`
lecun       :math:`N(0, 1/m)`                            :math:`N(0, 1/m)`
uniform     :math:`U(-\\sqrt{3/m}, \\sqrt{3/m})`           same as the weights
sphere      each unit's (w, b) uniform on the sphere     drawn jointly with the weights
==========  ===========================================  ===================================

``pytorch`` is exactly PyTorch's default initialization of ``nn.Linear`` / ``nn.Conv2d``
(``kaiming_uniform_(a=sqrt(5))`` for the weight, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
for the bias). For the others a bias is drawn like one more input weight (the weight of
a constant input 1), so ``bias=True`` always adds a random, non-zero offset. ``sphere``
normalizes each unit's incoming vector: for a bias-free perceptron every isotropic prior
gives the same classifier (the sign is scale-invariant), uniform on the sphere, which is
the spherical perceptron of docs/science.md section 2.

Draws use a CPU :class:`torch.Generator` in float32, so a seed gives the same weights on
every device.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from badminima.validation import check_choice


def _uniform(bound: float) -> Callable:
    def draw(shape, generator):
        return (torch.rand(shape, generator=generator, dtype=torch.float32) * 2.0 - 1.0) * bound
    return draw


def _normal(std: float) -> Callable:
    def draw(shape, generator):
        return torch.randn(shape, generator=generator, dtype=torch.float32) * std
    return draw


#: name -> (fan_in -> elementwise sampler); ``sphere`` is handled by normalization.
_ELEMENTWISE = {
    "pytorch": lambda m: _uniform(1.0 / math.sqrt(m)),
    "he": lambda m: _normal(math.sqrt(2.0 / m)),
    "lecun": lambda m: _normal(math.sqrt(1.0 / m)),
    "uniform": lambda m: _uniform(math.sqrt(3.0 / m)),
    "sphere": lambda m: _normal(1.0),
}

#: Names of the available priors.
PRIORS = tuple(_ELEMENTWISE)


def draw_layer(prior: str, K: int, fan_out: int, receptive: tuple[int, ...], bias: bool,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Draw the weights (and biases) of one layer for ``K`` classifiers.

    Parameters
    ----------
    prior : str
        One of :data:`PRIORS`.
    K : int
        Number of classifiers (leading axis).
    fan_out : int
        Output units (or channels).
    receptive : tuple of int
        Shape of one unit's inputs: ``(in_features,)`` or ``(in_channels, kh, kw)``;
        the fan-in is its product.
    bias : bool
        Draw biases too.
    generator : torch.Generator
        CPU generator; weights are drawn before biases.

    Returns
    -------
    weight : torch.Tensor, shape ``(K, fan_out, *receptive)``
    bias : torch.Tensor of shape ``(K, fan_out)`` or None
    """
    check_choice("prior", prior, "draw_layer", PRIORS)
    fan_in = math.prod(receptive)
    sampler = _ELEMENTWISE[prior](fan_in)
    weight = sampler((K, fan_out, *receptive), generator)
    b = sampler((K, fan_out), generator) if bias else None
    if prior == "sphere":
        sq = weight.reshape(K, fan_out, -1).square().sum(-1)
        if b is not None:
            sq = sq + b.square()
        norm = sq.sqrt()
        weight = weight / norm.reshape(K, fan_out, *([1] * len(receptive)))
        b = None if b is None else b / norm
    return weight, b
