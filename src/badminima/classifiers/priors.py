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
normal      :math:`N(0, 1)`                              :math:`N(0, 1)`
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

Draws come from a :class:`badminima.classifiers.draws.ParameterStream` (parallel PCG64
blocks, float32): a seed gives the same weights for any number of threads; on CUDA they are
drawn on the device (torch's Philox), reproducible there but different from the CPU values.
"""

from __future__ import annotations

import math
import torch

from badminima.classifiers.draws import ParameterStream, as_parameter_stream
from badminima.validation import check_choice


#: name -> fan_in -> (kind, arguments) of the elementwise law; ``sphere`` is then normalized.
_ELEMENTWISE = {
    "pytorch": lambda m: ("uniform", 1.0 / math.sqrt(m)),
    "he": lambda m: ("normal", math.sqrt(2.0 / m)),
    "lecun": lambda m: ("normal", math.sqrt(1.0 / m)),
    "normal": lambda m: ("normal", 1.0),
    "uniform": lambda m: ("uniform", math.sqrt(3.0 / m)),
    "sphere": lambda m: ("normal", 1.0),
}

#: Names of the available priors.
PRIORS = tuple(_ELEMENTWISE)
#: Priors whose weights and biases are i.i.d. centred Gaussians (exact subspace sampling applies).
GAUSSIAN_PRIORS = ("he", "lecun", "normal")


def prior_scale(prior: str, fan_in: int) -> tuple[str, float]:
    """``(kind, scale)`` of a prior's elementwise law: ``("normal", std)`` or ``("uniform", bound)``."""
    check_choice("prior", prior, "prior_scale", PRIORS)
    return _ELEMENTWISE[prior](fan_in)


def _sample(kind: str, scale: float, shape, stream: ParameterStream, device) -> torch.Tensor:
    if kind == "uniform":
        return stream.uniform(shape, -scale, scale, device)
    return stream.normal(shape, scale, device)


def draw_layer(prior: str, K: int, fan_out: int, receptive: tuple[int, ...], bias: bool,
               generator, device="cpu") -> tuple[torch.Tensor, torch.Tensor | None]:
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
    generator : ParameterStream, int, numpy.random.SeedSequence or torch.Generator
        Source of the draws (:func:`badminima.classifiers.draws.as_parameter_stream`);
        weights are drawn before biases.
    device : str or torch.device
        Where the values are drawn (CPU streams, or torch's Philox on CUDA).

    Returns
    -------
    weight : torch.Tensor, shape ``(K, fan_out, *receptive)``
    bias : torch.Tensor of shape ``(K, fan_out)`` or None
    """
    check_choice("prior", prior, "draw_layer", PRIORS)
    fan_in = math.prod(receptive)
    kind, scale = _ELEMENTWISE[prior](fan_in)
    stream = as_parameter_stream(generator)
    weight = _sample(kind, scale, (K, fan_out, *receptive), stream, device)
    b = _sample(kind, scale, (K, fan_out), stream, device) if bias else None
    if prior == "sphere":
        sq = weight.reshape(K, fan_out, -1).square().sum(-1)
        if b is not None:
            sq = sq + b.square()
        norm = sq.sqrt()
        weight = weight / norm.reshape(K, fan_out, *([1] * len(receptive)))
        b = None if b is None else b / norm
    return weight, b


def draw_dense_layers(prior: str, K: int, sizes, bias: bool, generator, device="cpu",
                      first: int = 0) -> dict[str, torch.Tensor]:
    """Weights ``W{i}`` (and biases ``b{i}``) of the dense layers ``sizes[i] -> sizes[i+1]``
    for ``i >= first``, drawn in layer order with :func:`draw_layer`."""
    params = {}
    for layer in range(first, len(sizes) - 1):
        w, b = draw_layer(prior, K, sizes[layer + 1], (sizes[layer],), bias, generator, device)
        params[f"W{layer}"] = w
        if b is not None:
            params[f"b{layer}"] = b
    return params
