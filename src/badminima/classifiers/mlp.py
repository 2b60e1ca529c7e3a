"""Fully connected function sets: the perceptron (no hidden layer) and MLPs.

Batched forward for K members on N inputs ``x`` (N x d), hidden activations kept in the
``(K, width, N)`` layout so no transpose is ever copied:

.. math::

    h_1 = \\sigma(W_1 x^T + b_1)       \\quad\\text{one GEMM: } (K h_1 \\times d)(d \\times N)

    h_{l+1} = \\sigma(W_{l+1} h_l + b_{l+1})  \\quad\\text{batched matmul over K}

with ``W_l`` of shape ``(K, fan_out, fan_in)`` (``nn.Linear``'s weight layout, K-batched).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from badminima.classifiers.population import FunctionSet
from badminima.classifiers.priors import PRIORS, draw_dense_layers
from badminima.errors import InvalidParameterError
from badminima.registry import Registry
from badminima.validation import check_choice, check_int

#: Activation name -> (function, module class).
ACTIVATIONS = Registry({"relu": (torch.relu, torch.nn.ReLU), "tanh": (torch.tanh, torch.nn.Tanh)})
#: In-place versions, used when no gradient is needed (saves one pass over memory).
_ACT_INPLACE = {"relu": torch.relu_, "tanh": torch.tanh_}


class MLP(FunctionSet):
    """Multi-layer perceptron with a prior over its weights.

    Parameters
    ----------
    widths : sequence of int
        Hidden widths; ``()`` is a linear classifier (the perceptron).
    activation : {"relu", "tanh"}
        Hidden non-linearity.
    bias : bool
        Whether every layer has a bias.
    prior : str
        One of :data:`badminima.classifiers.priors.PRIORS` (``pytorch`` is ``nn.Linear``'s
        default initialization).
    maxpool : int
        For image inputs ``(H, W)`` or ``(H, W, C)``: max-pool them in ``maxpool x maxpool``
        windows (stride ``maxpool``) before the first layer; 1 (default) feeds the raw pixels.

    Notes
    -----
    Two classes use one output unit, label ``f(x) > 0``; C > 2 classes use C units and argmax.
    """

    def __init__(self, widths=(32,), activation: str = "relu", bias: bool = True,
                 prior: str = "pytorch", maxpool: int = 1):
        self.widths = widths
        self.activation = activation
        self.bias = bias
        self.prior = prior
        self.maxpool = maxpool

    def __repr__(self) -> str:
        pool = f", maxpool={self.maxpool}" if self.maxpool != 1 else ""
        return (f"MLP(widths={tuple(self.widths)}, activation={self.activation!r}, "
                f"bias={self.bias}, prior={self.prior!r}{pool})")

    def validate(self) -> None:
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__iter__"):
            raise InvalidParameterError(
                f"The 'widths' parameter of MLP must be a list of positive integers. Got {self.widths!r} instead.")
        self.widths = tuple(check_int("widths", w, "MLP", 1, None) for w in self.widths)
        check_choice("activation", self.activation, "MLP", ACTIVATIONS)
        check_choice("prior", self.prior, "MLP", PRIORS)
        if not isinstance(self.bias, bool):
            raise InvalidParameterError(f"The 'bias' parameter of MLP must be a bool. Got {self.bias!r} instead.")
        self.maxpool = check_int("maxpool", self.maxpool, "MLP", 1, None)

    def _pooled_shape(self, input_shape) -> tuple:
        if self.maxpool == 1:
            return tuple(input_shape)
        if len(input_shape) not in (2, 3) or min(input_shape[:2]) < self.maxpool:
            raise InvalidParameterError(
                f"MLP with maxpool={self.maxpool} needs image inputs (H, W) or (H, W, C) of side >= "
                f"{self.maxpool}. Got {tuple(input_shape)} instead.")
        return (input_shape[0] // self.maxpool, input_shape[1] // self.maxpool, *input_shape[2:])

    def _sizes(self, input_shape, n_outputs):
        return [math.prod(self._pooled_shape(input_shape)), *self.widths, n_outputs]

    def _draw(self, K, input_shape, n_outputs, generator, device, skip_first: bool = False):
        """Parameters of K members; ``skip_first`` leaves out the first layer (subspace sampling)."""
        return draw_dense_layers(self.prior, K, self._sizes(input_shape, n_outputs), self.bias,
                                 generator, device, first=1 if skip_first else 0)

    def prepare_inputs(self, x, device):
        xt = torch.as_tensor(x, device=device).to(torch.float32)
        if self.maxpool > 1:
            self._pooled_shape(tuple(xt.shape[1:]))
            images = xt[:, None] if xt.ndim == 3 else xt.permute(0, 3, 1, 2)
            xt = F.max_pool2d(images, self.maxpool).permute(0, 2, 3, 1)  # NHWC order, C = 1 for grayscale
        return xt.reshape(xt.shape[0], -1).contiguous()

    def forward(self, params, x):
        w0 = params["W0"]
        K, h0, d = w0.shape
        if "b0" in params:
            h = torch.addmm(params["b0"].reshape(K * h0, 1), w0.reshape(K * h0, d), x.T)
        else:
            h = w0.reshape(K * h0, d) @ x.T
        return self.forward_hidden(params, h.reshape(K, h0, -1))

    def forward_hidden(self, params, h):
        """Outputs ``(K, n_outputs, N)`` from the first layer's pre-activations ``h`` ``(K, width_1, N)``.

        Only the parameters of layers 1, 2, ... are used (the exact subspace sampler of
        :mod:`badminima.sampling.subspace` draws ``h`` without the first layer's weights).
        """
        act = ACTIVATIONS[self.activation][0]
        for layer in range(1, len(self.widths) + 1):
            h = act(h) if torch.is_grad_enabled() else _ACT_INPLACE[self.activation](h)
            b = params.get(f"b{layer}")
            h = torch.bmm(params[f"W{layer}"], h) if b is None else torch.baddbmm(b[:, :, None], params[f"W{layer}"], h)
        return h

    def dense_first_layer(self):
        return self.prior, self.bias

    def first_layer_units(self, n_outputs):
        return self.widths[0] if self.widths else n_outputs

    def draw_after_first_layer(self, K, input_shape, n_outputs, generator, device):
        return self._draw(K, input_shape, n_outputs, generator, device, skip_first=True)

    def forward_from_first_layer(self, params, h):
        return self.forward_hidden(params, h)

    def activation_floats(self, input_shape, n_outputs):
        sizes = self._sizes(input_shape, n_outputs)[1:]
        pairs = [a + b for a, b in zip(sizes[:-1], sizes[1:])] or sizes
        return max(pairs)

    def module(self, params, input_shape):
        sizes = self._sizes(input_shape, params[f"W{len(self.widths)}"].shape[0])
        layers = [torch.nn.Flatten()]
        if self.maxpool > 1:
            layers = [_ChannelsFirst(), torch.nn.MaxPool2d(self.maxpool), _ChannelsLast(), torch.nn.Flatten()]
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = torch.nn.Linear(fan_in, fan_out, bias=self.bias)
            with torch.no_grad():
                lin.weight.copy_(params[f"W{layer}"])
                if self.bias:
                    lin.bias.copy_(params[f"b{layer}"])
            layers.append(lin)
            if layer < len(self.widths):
                layers.append(ACTIVATIONS[self.activation][1]())
        return torch.nn.Sequential(*layers)


class _ChannelsFirst(torch.nn.Module):
    """``(N, H, W)`` -> ``(N, 1, H, W)``; ``(N, H, W, C)`` -> ``(N, C, H, W)``."""

    def forward(self, x):
        return x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)


class _ChannelsLast(torch.nn.Module):
    """``(N, C, H, W)`` -> ``(N, H, W, C)`` (the flattening order of :meth:`MLP.prepare_inputs`)."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1)


class Perceptron(MLP):
    """A linear classifier: :class:`MLP` without hidden layers.

    With ``bias=False`` and any isotropic prior (default ``sphere``) its weight direction is
    uniform on the sphere: the spherical perceptron of docs/science.md section 2.
    """

    def __init__(self, bias: bool = False, prior: str = "sphere"):
        super().__init__(widths=(), activation="relu", bias=bias, prior=prior)

    def __repr__(self) -> str:
        return f"Perceptron(bias={self.bias}, prior={self.prior!r})"
