"""Fully connected function sets: the perceptron (no hidden layer) and MLPs.

Batched forward for K members on N inputs ``x`` (N x d), hidden activations kept in the
``(K, width, N)`` layout so no transpose is ever copied:

.. math::

    h_1 = \\sigma(W_1 x^T + b_1)       \\quad\\text{one GEMM: } (K h_1 \\times d)(d \\times N)

    h_{l+1} = \\sigma(W_{l+1} h_l + b_{l+1})  \\quad\\text{batched matmul over K}

with ``W_l`` of shape ``(K, fan_out, fan_in)`` (``nn.Linear``'s weight layout, K-batched).
"""

from __future__ import annotations

import torch

from badminima.classifiers.population import FunctionSet
from badminima.classifiers.priors import PRIORS, draw_layer
from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int

#: Activation name -> (function, module class).
ACTIVATIONS = {"relu": (torch.relu, torch.nn.ReLU), "tanh": (torch.tanh, torch.nn.Tanh)}
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

    Notes
    -----
    Two classes use one output unit, label ``f(x) > 0``; C > 2 classes use C units and argmax.
    """

    def __init__(self, widths=(32,), activation: str = "relu", bias: bool = True,
                 prior: str = "pytorch"):
        self.widths = widths
        self.activation = activation
        self.bias = bias
        self.prior = prior

    def __repr__(self) -> str:
        return (f"MLP(widths={tuple(self.widths)}, activation={self.activation!r}, "
                f"bias={self.bias}, prior={self.prior!r})")

    def validate(self) -> None:
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__iter__"):
            raise InvalidParameterError(
                f"The 'widths' parameter of MLP must be a list of positive integers. Got {self.widths!r} instead.")
        self.widths = tuple(check_int("widths", w, "MLP", 1, None) for w in self.widths)
        check_choice("activation", self.activation, "MLP", ACTIVATIONS)
        check_choice("prior", self.prior, "MLP", PRIORS)
        if not isinstance(self.bias, bool):
            raise InvalidParameterError(f"The 'bias' parameter of MLP must be a bool. Got {self.bias!r} instead.")

    def _sizes(self, input_shape, n_outputs):
        d = 1
        for s in input_shape:
            d *= s
        return [d, *self.widths, n_outputs]

    def _draw(self, K, input_shape, n_outputs, generator):
        params = {}
        sizes = self._sizes(input_shape, n_outputs)
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            w, b = draw_layer(self.prior, K, fan_out, (fan_in,), self.bias, generator)
            params[f"W{layer}"] = w
            if b is not None:
                params[f"b{layer}"] = b
        return params

    def prepare_inputs(self, x, device):
        xt = torch.as_tensor(x, device=device)
        return xt.reshape(xt.shape[0], -1).to(torch.float32)

    def forward(self, params, x):
        act = ACTIVATIONS[self.activation][0]
        n_layers = len(self.widths) + 1
        w0 = params["W0"]
        K, h0, d = w0.shape
        if "b0" in params:
            h = torch.addmm(params["b0"].reshape(K * h0, 1), w0.reshape(K * h0, d), x.T)
        else:
            h = w0.reshape(K * h0, d) @ x.T
        h = h.reshape(K, h0, -1)
        for layer in range(1, n_layers):
            h = act(h) if torch.is_grad_enabled() else _ACT_INPLACE[self.activation](h)
            b = params.get(f"b{layer}")
            h = torch.bmm(params[f"W{layer}"], h) if b is None else torch.baddbmm(b[:, :, None], params[f"W{layer}"], h)
        return h

    def activation_floats(self, input_shape, n_outputs):
        sizes = self._sizes(input_shape, n_outputs)[1:]
        pairs = [a + b for a, b in zip(sizes[:-1], sizes[1:])] or sizes
        return max(pairs)

    def module(self, params, input_shape):
        sizes = self._sizes(input_shape, params[f"W{len(self.widths)}"].shape[0])
        layers = [torch.nn.Flatten()]
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


class Perceptron(MLP):
    """A linear classifier: :class:`MLP` without hidden layers.

    With ``bias=False`` and any isotropic prior (default ``sphere``) its weight direction is
    uniform on the sphere: the spherical perceptron of docs/science.md section 2.
    """

    def __init__(self, bias: bool = False, prior: str = "sphere"):
        super().__init__(widths=(), activation="relu", bias=bias, prior=prior)

    def __repr__(self) -> str:
        return f"Perceptron(bias={self.bias}, prior={self.prior!r})"
