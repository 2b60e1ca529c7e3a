"""A small LeNet-like convolutional function set for image inputs.

Architecture (per member): ``conv(k x k) -> act -> maxpool 2`` for each entry of
``channels`` (no padding), then dense hidden layers ``hidden`` and the output layer.

Batched forward for K members: the first convolution shares its input, so all K filter
banks run as one GEMM on the unfolded input (``K * c1`` output channels); later
convolutions are one grouped convolution (``groups=K``, member k's channels form group k);
pooling comes before the (increasing) activation and uses two pairwise maxima; the dense
layers are batched matmuls over K. Inputs are ``(N, H, W)`` (grayscale) or ``(N, H, W, C)``
(NHWC, as :class:`badminima.data.Dataset` stores them).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from badminima.classifiers.mlp import ACTIVATIONS
from badminima.classifiers.population import FunctionSet
from badminima.classifiers.priors import PRIORS, draw_dense_layers, draw_layer
from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int


def _max_pool2(h: torch.Tensor) -> torch.Tensor:
    """2x2 max-pooling with stride 2 (odd sides floored, like ``F.max_pool2d(h, 2)``).

    Two pairwise maxima over strided views: several times faster on CPU than
    ``F.max_pool2d`` for the many-channel, few-image tensors of a population.
    """
    H, W = h.shape[2] // 2 * 2, h.shape[3] // 2 * 2
    rows = torch.maximum(h[:, :, 0:H:2, :W], h[:, :, 1:H:2, :W])
    return torch.maximum(rows[..., 0::2], rows[..., 1::2])


class LeNet(FunctionSet):
    """LeNet-like CNN with a prior over its weights.

    Parameters
    ----------
    channels : sequence of int
        Output channels of the convolution blocks (each conv + act + 2x2 max-pool).
    hidden : sequence of int
        Widths of the dense hidden layers after flattening.
    kernel : int
        Square kernel size of every convolution (no padding, stride 1).
    activation : {"relu", "tanh"}
    bias : bool
    prior : str
        One of :data:`badminima.classifiers.priors.PRIORS` (fan-in of a convolution is
        ``in_channels * kernel**2``).
    """

    def __init__(self, channels=(6, 16), hidden=(64,), kernel: int = 5, activation: str = "relu",
                 bias: bool = True, prior: str = "pytorch"):
        self.channels = channels
        self.hidden = hidden
        self.kernel = kernel
        self.activation = activation
        self.bias = bias
        self.prior = prior

    def __repr__(self) -> str:
        return (f"LeNet(channels={tuple(self.channels)}, hidden={tuple(self.hidden)}, kernel={self.kernel}, "
                f"activation={self.activation!r}, bias={self.bias}, prior={self.prior!r})")

    def validate(self) -> None:
        for name in ("channels", "hidden"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise InvalidParameterError(
                    f"The {name!r} parameter of LeNet must be a list of positive integers. Got {value!r} instead.")
            setattr(self, name, tuple(check_int(name, v, "LeNet", 1, None) for v in value))
        if not self.channels:
            raise InvalidParameterError("The 'channels' parameter of LeNet must hold at least one entry.")
        self.kernel = check_int("kernel", self.kernel, "LeNet", 1, None)
        check_choice("activation", self.activation, "LeNet", ACTIVATIONS)
        check_choice("prior", self.prior, "LeNet", PRIORS)

    def _geometry(self, input_shape):
        """Per-block (in_channels, out_channels, conv side, pooled side) and the flat size."""
        if len(input_shape) not in (2, 3):
            raise InvalidParameterError(
                f"LeNet needs image inputs of shape (H, W) or (H, W, C). Got {input_shape} instead.")
        h, w = input_shape[:2]
        c_in = input_shape[2] if len(input_shape) == 3 else 1
        blocks = []
        for c_out in self.channels:
            ch, cw = h - self.kernel + 1, w - self.kernel + 1
            if ch < 2 or cw < 2:
                raise InvalidParameterError(
                    f"LeNet with kernel {self.kernel} and {len(self.channels)} blocks needs larger images "
                    f"than {input_shape}.")
            h, w = ch // 2, cw // 2
            blocks.append((c_in, c_out, ch * cw, h * w))
            c_in = c_out
        return blocks, c_in * h * w

    def _draw(self, K, input_shape, n_outputs, generator, device):
        blocks, flat = self._geometry(input_shape)
        params = {}
        for i, (c_in, c_out, _, _) in enumerate(blocks):
            w, b = draw_layer(self.prior, K, c_out, (c_in, self.kernel, self.kernel), self.bias, generator, device)
            params[f"C{i}"] = w
            if b is not None:
                params[f"c{i}"] = b
        params.update(draw_dense_layers(self.prior, K, [flat, *self.hidden, n_outputs], self.bias,
                                        generator, device))
        return params

    def prepare_inputs(self, x, device):
        xt = torch.as_tensor(x, device=device).to(torch.float32)
        return xt[:, None] if xt.ndim == 3 else xt.permute(0, 3, 1, 2)

    def forward(self, params, x):
        act = ACTIVATIONS[self.activation][0]
        K = params["C0"].shape[0]
        h = x
        for i in range(len(self.channels)):
            w = params[f"C{i}"]
            bias = params.get(f"c{i}")
            if i == 0:  # shared input: one unfold, one batched GEMM for all K filter banks
                side = (h.shape[2] - self.kernel + 1, h.shape[3] - self.kernel + 1)
                h = (w.reshape(-1, w[0, 0].numel()) @ F.unfold(h, self.kernel)).unflatten(2, side)
                if bias is not None:
                    h.add_(bias.reshape(1, -1, 1, 1))  # h is a fresh GEMM output
            else:
                h = F.conv2d(h, w.reshape(-1, *w.shape[2:]), None if bias is None else bias.reshape(-1), groups=K)
            h = act(_max_pool2(h))  # act is increasing, so pooling first gives the same values
        n = h.shape[0]
        h = h.reshape(n, K, -1).permute(1, 2, 0)  # (K, flat, N)
        for i in range(len(self.hidden) + 1):
            if i > 0:
                h = act(h)
            b = params.get(f"b{i}")
            h = torch.bmm(params[f"W{i}"], h) if b is None else torch.baddbmm(b[:, :, None], params[f"W{i}"], h)
        return h

    def activation_floats(self, input_shape, n_outputs):
        blocks, flat = self._geometry(input_shape)
        sizes = [c_out * conv for _, c_out, conv, _ in blocks] + [flat, *self.hidden, n_outputs]
        return 2 * max(sizes)

    def module(self, params, input_shape):
        blocks, flat = self._geometry(input_shape)
        act_cls = ACTIVATIONS[self.activation][1]
        layers = []
        for i, (c_in, c_out, _, _) in enumerate(blocks):
            conv = torch.nn.Conv2d(c_in, c_out, self.kernel, bias=self.bias)
            with torch.no_grad():
                conv.weight.copy_(params[f"C{i}"])
                if self.bias:
                    conv.bias.copy_(params[f"c{i}"])
            layers += [conv, act_cls(), torch.nn.MaxPool2d(2)]
        layers.append(torch.nn.Flatten())
        n_outputs = params[f"W{len(self.hidden)}"].shape[0]
        sizes = [flat, *self.hidden, n_outputs]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i > 0:
                layers.append(act_cls())
            lin = torch.nn.Linear(fan_in, fan_out, bias=self.bias)
            with torch.no_grad():
                lin.weight.copy_(params[f"W{i}"])
                if self.bias:
                    lin.bias.copy_(params[f"b{i}"])
            layers.append(lin)
        return torch.nn.Sequential(*layers)
