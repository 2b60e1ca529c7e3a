"""A population: K classifiers of one function set, evaluated together.

The parameters of all K members are tensors with a leading K axis. :meth:`Population.predict`
runs every member on a batch of inputs in one call of the function set's batched forward
(a shared-input GEMM for the first layer, batched matmuls after), streaming over blocks of
members and of inputs so that memory stays bounded:

    peak extra memory <= max_bytes,   with  k_block * n_block * 8 * A <= max_bytes

(on CPU the blocks are further capped at :data:`CPU_BLOCK_BYTES` so they stay in cache)
where ``A`` is the function set's widest pair of consecutive activations per (member, input)
(:meth:`FunctionSet.activation_floats`) and the factor 8 is 4 bytes per float32 times two
live activation tensors. Only the bool/int results (K x N) are returned, so callers pick N.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import torch

from badminima.errors import InvalidParameterError

#: Default bound on the transient memory of one forward block (bytes).
DEFAULT_MAX_BYTES = 256 * 2**20
#: On CPU, blocks are kept this small so one block's activations stay in cache.
CPU_BLOCK_BYTES = 32 * 2**20


class FunctionSet(ABC):
    """An architecture plus a prior over its weights (SCIENCE.md section 1).

    Subclasses store their hyper-parameters in ``__init__`` (validated in :meth:`sample`)
    and implement :meth:`prepare_inputs`, :meth:`_draw`, :meth:`forward`,
    :meth:`activation_floats` and :meth:`module`.
    """

    @abstractmethod
    def _draw(self, K: int, input_shape: tuple, n_outputs: int, generator) -> dict:
        """Draw the parameters of K members: name -> tensor with leading K axis."""

    @abstractmethod
    def prepare_inputs(self, x, device) -> torch.Tensor:
        """Inputs as the float32 tensor layout :meth:`forward` expects."""

    @abstractmethod
    def forward(self, params: dict, x: torch.Tensor) -> torch.Tensor:
        """Outputs of all members, shape ``(K, n_outputs, N)`` (differentiable)."""

    @abstractmethod
    def activation_floats(self, input_shape: tuple, n_outputs: int) -> int:
        """Floats per (member, input) of the two widest consecutive activations."""

    @abstractmethod
    def module(self, params: dict, input_shape: tuple) -> torch.nn.Module:
        """A plain ``torch.nn.Module`` holding one member's parameters (no K axis)."""

    def _validate(self) -> None:
        """Check the stored hyper-parameters (raise InvalidParameterError)."""

    def sample(self, K: int, input_shape, n_classes: int, generator: torch.Generator | None = None,
               device: str | torch.device = "cpu") -> Population:
        """Draw ``K`` classifiers from the prior.

        Parameters
        ----------
        K : int
            Population size (>= 1).
        input_shape : tuple of int
            Shape of one input, e.g. ``(20,)`` or ``(28, 28)``.
        n_classes : int
            Number of classes C >= 2. Two classes use one output unit (label ``f > 0``),
            more use C output units (label ``argmax``).
        generator : torch.Generator, optional
            CPU generator fixing the draw (a fresh unseeded one if omitted).
        device : str or torch.device
            Where the parameters live.
        """
        from badminima.validation import check_int
        self._validate()
        K = check_int("K", K, type(self).__name__ + ".sample", 1, None)
        n_classes = check_int("n_classes", n_classes, type(self).__name__ + ".sample", 2, None)
        input_shape = tuple(int(s) for s in np.atleast_1d(input_shape))
        generator = generator if generator is not None else torch.Generator()
        n_outputs = 1 if n_classes == 2 else n_classes
        params = self._draw(K, input_shape, n_outputs, generator)
        params = {name: p.to(device) for name, p in params.items()}
        return Population(self, params, input_shape, n_classes)


def _is_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Bool ``(K, N)``: outputs ``(K, n_outputs, N)`` give label ``y``."""
    if out.shape[1] == 1:
        return (out[:, 0, :] > 0) == y.to(torch.bool)[None, :]
    return out.argmax(dim=1) == y[None, :]


def labels_from_outputs(out: torch.Tensor) -> torch.Tensor:
    """Predicted labels from outputs ``(K, n_outputs, N)``: ``f > 0`` for one unit, else argmax."""
    if out.shape[1] == 1:
        return (out[:, 0, :] > 0).to(torch.int64)
    return out.argmax(dim=1)


class Population:
    """K members of a :class:`FunctionSet` with batched parameters.

    Attributes
    ----------
    function_set : FunctionSet
    params : dict of torch.Tensor
        Each with leading axis K.
    input_shape : tuple of int
    n_classes : int
    """

    def __init__(self, function_set: FunctionSet, params: dict, input_shape: tuple, n_classes: int):
        self.function_set = function_set
        self.params = params
        self.input_shape = tuple(input_shape)
        self.n_classes = n_classes

    @property
    def K(self) -> int:
        """Number of members."""
        return next(iter(self.params.values())).shape[0]

    @property
    def device(self) -> torch.device:
        return next(iter(self.params.values())).device

    @property
    def n_outputs(self) -> int:
        return 1 if self.n_classes == 2 else self.n_classes

    def __repr__(self) -> str:
        return f"Population({self.function_set!r}, K={self.K}, input_shape={self.input_shape})"

    def select(self, index) -> Population:
        """The sub-population of members ``index`` (slice, int array or bool mask)."""
        return Population(self.function_set, {k: v[index] for k, v in self.params.items()},
                          self.input_shape, self.n_classes)

    def to(self, device) -> Population:
        return Population(self.function_set, {k: v.to(device) for k, v in self.params.items()},
                          self.input_shape, self.n_classes)

    def outputs(self, x) -> torch.Tensor:
        """All members' outputs ``(K, n_outputs, N)`` in one differentiable call (no streaming)."""
        return self.function_set.forward(self.params, self._inputs(x))

    def _inputs(self, x) -> torch.Tensor:
        x_shape = tuple(x.shape[1:])
        if x_shape != self.input_shape:
            raise InvalidParameterError(
                f"The 'x' parameter of Population must have samples of shape {self.input_shape}. "
                f"Got {x_shape} instead.")
        return self.function_set.prepare_inputs(x, self.device)

    def _blocks(self, n_samples: int, max_bytes: int):
        """Block sizes: ``k_block * n_block * 8 A <= min(max_bytes, cache)``.

        On CPU the blocks are kept near cache size (:data:`CPU_BLOCK_BYTES`), so the
        activations of one block stay in cache between the layers; on GPU they fill
        ``max_bytes``.
        """
        per = 8 * self.function_set.activation_floats(self.input_shape, self.n_outputs)
        budget = min(max_bytes, CPU_BLOCK_BYTES) if self.device.type == "cpu" else max_bytes
        n_block = int(min(n_samples, max(1, budget // (per * 64)), 512))
        k_block = int(min(self.K, max(1, budget // (per * n_block))))
        return k_block, n_block

    def _stream(self, x, consume, max_bytes: int) -> None:
        """Call ``consume(k0, k1, i0, i1, outputs)`` for every (members, inputs) block."""
        xt = self._inputs(x)
        n = xt.shape[0]
        k_block, n_block = self._blocks(n, max_bytes)
        forward = self.function_set.forward
        for k0 in range(0, self.K, k_block):
            k1 = min(k0 + k_block, self.K)
            params = {name: p[k0:k1] for name, p in self.params.items()}
            for i0 in range(0, n, n_block):
                i1 = min(i0 + n_block, n)
                consume(k0, k1, i0, i1, forward(params, xt[i0:i1]))

    def _labels(self, y) -> torch.Tensor:
        yt = y if torch.is_tensor(y) else torch.as_tensor(np.asarray(y))
        return yt.to(device=self.device, dtype=torch.int64)

    @torch.no_grad()
    def predict(self, x, max_bytes: int = DEFAULT_MAX_BYTES) -> torch.Tensor:
        """Labels of every member on every input: int64 tensor ``(K, N)``.

        Streams over blocks of members and inputs so the transient memory is at most
        ``max_bytes`` (see the module docstring); the result itself is ``8 K N`` bytes.
        """
        out = torch.empty((self.K, len(x)), dtype=torch.int64, device=self.device)

        def consume(k0, k1, i0, i1, outputs):
            out[k0:k1, i0:i1] = labels_from_outputs(outputs)
        self._stream(x, consume, max_bytes)
        return out

    @torch.no_grad()
    def correct(self, x, y, max_bytes: int = DEFAULT_MAX_BYTES) -> torch.Tensor:
        """Bool tensor ``(K, N)``: member k classifies input i correctly (``K N`` bytes)."""
        yt = self._labels(y)
        out = torch.empty((self.K, len(yt)), dtype=torch.bool, device=self.device)

        def consume(k0, k1, i0, i1, outputs):
            out[k0:k1, i0:i1] = _is_correct(outputs, yt[i0:i1])
        self._stream(x, consume, max_bytes)
        return out

    @torch.no_grad()
    def error_rates(self, x, y, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
        """Fraction of ``(x, y)`` each member misclassifies: float64 array ``(K,)``.

        Only per-member counts are kept, so a large test pool never materializes a
        ``K x N`` matrix.
        """
        yt = self._labels(y)
        if len(yt) == 0:
            raise InvalidParameterError("The 'y' parameter of Population.error_rates must not be empty.")
        wrong = torch.zeros(self.K, dtype=torch.int64, device=self.device)

        def consume(k0, k1, i0, i1, outputs):
            wrong[k0:k1] += (~_is_correct(outputs, yt[i0:i1])).sum(dim=1)
        self._stream(x, consume, max_bytes)
        return wrong.cpu().numpy().astype(np.float64) / len(yt)

    def member(self, k: int) -> torch.nn.Module:
        """Member ``k`` as an ordinary ``torch.nn.Module`` (same predictions, for checks)."""
        params = {name: p[k].detach().clone() for name, p in self.params.items()}
        return self.function_set.module(params, self.input_shape).to(self.device)


def module_labels(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Labels an individual member module predicts: outputs ``(N, n_outputs)`` -> ``(N,)``."""
    out = module(x)
    return labels_from_outputs(out.T[None])[0]
