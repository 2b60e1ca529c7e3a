"""A population: K classifiers of one function set, evaluated together.

The parameters of all K members are tensors with a leading K axis. :meth:`Population.predict`
runs every member on a batch of inputs in one call of the function set's batched forward
(a shared-input GEMM for the first layer, batched matmuls after), streaming over blocks of
members and of inputs so that memory stays bounded:

    peak extra memory <= max_bytes,   with  k_block * n_block * 8 * A <= max_bytes

where ``A`` is the function set's widest pair of consecutive activations per (member, input)
(:meth:`FunctionSet.activation_floats`) and the factor 8 is 4 bytes per float32 times two
live activation tensors (activations are applied in place; the per-block labels, at most 8
bytes per (member, input), fit in the same bound since ``A >= 2``). On CPU the budget is
further capped at :data:`CPU_BLOCK_BYTES` so one block's activations stay in cache between
the layers, and a block spans at most :data:`N_BLOCK` inputs (wider GEMM panels run slower).
Labels are written straight into the ``(K, N)`` result (no per-block copies); only the
bool/int results are returned, so callers pick N.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import torch

from badminima.classifiers.draws import as_parameter_stream, run_in_threads
from badminima.errors import InvalidParameterError

#: Default bound on the transient memory of one forward block (bytes).
DEFAULT_MAX_BYTES = 256 * 2**20
#: On CPU, blocks are kept this small so one block's activations stay in cache.
CPU_BLOCK_BYTES = 32 * 2**20
#: Most inputs in one block (the column panel of the first-layer GEMM).
N_BLOCK = 512
#: Members an input panel leaves room for, where the budget allows.
K_MIN = 64


class FunctionSet(ABC):
    """An architecture plus a prior over its weights (docs/science.md section 1).

    Subclasses store their hyper-parameters in ``__init__`` (validated in :meth:`sample`)
    and implement :meth:`prepare_inputs`, :meth:`_draw`, :meth:`forward`,
    :meth:`activation_floats` and :meth:`module`; those with a dense first layer also implement
    the subspace hooks (:meth:`dense_first_layer` and the three after it).
    """

    @abstractmethod
    def _draw(self, K: int, input_shape: tuple, n_outputs: int, generator, device) -> dict:
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

    def validate(self) -> None:
        """Check the stored hyper-parameters (raise InvalidParameterError); :meth:`sample` calls it."""

    # Subspace hooks (exact subspace sampling, :mod:`badminima.sampling.subspace`): a function set
    # whose first layer is dense declares it with :meth:`dense_first_layer` and implements the
    # three methods after it; the defaults say "no dense first layer".

    def dense_first_layer(self) -> tuple[str, bool] | None:
        """``(prior, bias)`` of a dense first layer on the flattened inputs, or None when there is none."""
        return None

    def first_layer_units(self, n_outputs: int) -> int:
        """Units of the dense first layer (``n_outputs`` when it is the output layer)."""
        raise NotImplementedError(f"{type(self).__name__} has no dense first layer")

    def draw_after_first_layer(self, K: int, input_shape: tuple, n_outputs: int, generator, device) -> dict:
        """The parameters of K members without the first layer's (``W0``, ``b0``), drawn as :meth:`sample` would."""
        raise NotImplementedError(f"{type(self).__name__} has no dense first layer")

    def forward_from_first_layer(self, params: dict, h: torch.Tensor) -> torch.Tensor:
        """Outputs ``(K, n_outputs, N)`` from the first layer's pre-activations ``h`` ``(K, units, N)``."""
        raise NotImplementedError(f"{type(self).__name__} has no dense first layer")

    def sample(self, K: int, input_shape, n_classes: int, generator=None,
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
        generator : ParameterStream, int, numpy.random.SeedSequence or torch.Generator, optional
            Fixes the draw (:func:`badminima.classifiers.draws.as_parameter_stream`; fresh
            entropy if omitted).
        device : str or torch.device
            Where the parameters are drawn and live (on CUDA they are drawn there).
        """
        from badminima.validation import check_int
        self.validate()
        K = check_int("K", K, type(self).__name__ + ".sample", 1, None)
        n_classes = check_int("n_classes", n_classes, type(self).__name__ + ".sample", 2, None)
        input_shape = tuple(int(s) for s in np.atleast_1d(input_shape))
        stream = as_parameter_stream(generator)
        n_outputs = 1 if n_classes == 2 else n_classes
        params = self._draw(K, input_shape, n_outputs, stream, torch.device(device))
        params = {name: p.to(device) for name, p in params.items()}
        return Population(self, params, input_shape, n_classes)


def _block_labels(out: torch.Tensor) -> torch.Tensor:
    """Labels of outputs ``(K, n_outputs, N)``: bool ``f > 0`` for one unit, else int64 argmax."""
    if out.shape[1] == 1:
        return out[:, 0, :] > 0
    dest = torch.empty((out.shape[0], out.shape[2]), dtype=torch.int64, device=out.device)
    _write_labels(out, dest)
    return dest


def _write_labels(out: torch.Tensor, dest: torch.Tensor) -> None:
    """Write :func:`labels_from_outputs` of ``out`` into the int64 view ``dest`` (no copy).

    The argmax over the class axis is taken as the first class reaching the maximum (what
    :func:`torch.argmax` returns for finite outputs): ``amax`` plus one comparison per class
    runs over contiguous rows, several times faster than ``argmax(dim=1)`` on this strided axis.
    """
    if out.shape[1] == 1:
        torch.gt(out[:, 0, :], 0, out=dest)
        return
    best = out.amax(dim=1)
    hit = torch.empty(best.shape, dtype=torch.bool, device=out.device)
    dest.zero_()
    for c in range(out.shape[1] - 1, -1, -1):  # descending: the first maximal class writes last
        dest.masked_fill_(torch.eq(out[:, c, :], best, out=hit), c)


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
        return self.function_set.forward(self.params, self.prepare_inputs(x))

    def prepare_inputs(self, x) -> torch.Tensor:
        """``x`` checked against the input shape, in the layout the function set expects."""
        x_shape = tuple(x.shape[1:])
        if x_shape != self.input_shape:
            raise InvalidParameterError(
                f"The 'x' parameter of Population must have samples of shape {self.input_shape}. "
                f"Got {x_shape} instead.")
        return self.function_set.prepare_inputs(x, self.device)

    def _blocks(self, n_samples: int, max_bytes: int):
        """Block sizes: ``k_block * n_block * 8 A <= min(max_bytes, cache)`` (at least 1 x 1).

        On CPU the budget is :data:`CPU_BLOCK_BYTES` at most, so the activations of one block
        stay in cache between the layers; on GPU the blocks fill ``max_bytes``. The input
        panel (at most :data:`N_BLOCK`) leaves room for :data:`K_MIN` members where the budget allows,
        then as many members as fit are taken.
        """
        per = 8 * self.function_set.activation_floats(self.input_shape, self.n_outputs)
        budget = min(max_bytes, CPU_BLOCK_BYTES) if self.device.type == "cpu" else max_bytes
        n_block = int(min(n_samples, N_BLOCK, max(1, budget // (per * K_MIN))))
        k_block = int(min(self.K, max(1, budget // (per * n_block))))
        return k_block, n_block

    def _stream(self, x, consume, max_bytes: int) -> None:
        """Call ``consume(k0, k1, i0, i1, outputs)`` for every (members, inputs) block.

        Runs under :func:`torch.inference_mode`; ``consume`` writes into tensors allocated
        outside it, so the results are ordinary tensors. Blocks of members run in parallel
        Python threads on CPU (:func:`badminima.classifiers.draws.run_in_threads`), so
        ``consume`` must only write the members ``k0:k1`` it is given.
        """
        xt = self.prepare_inputs(x)
        n = xt.shape[0]
        k_block, n_block = self._blocks(n, max_bytes)
        forward = self.function_set.forward

        def member_block(k0: int) -> None:
            k1 = min(k0 + k_block, self.K)
            params = {name: p[k0:k1] for name, p in self.params.items()}
            with torch.inference_mode():
                for i0 in range(0, n, n_block):
                    i1 = min(i0 + n_block, n)
                    consume(k0, k1, i0, i1, forward(params, xt[i0:i1]))
        run_in_threads(member_block, range(0, self.K, k_block), self.device)

    def _labels(self, y) -> torch.Tensor:
        yt = y if torch.is_tensor(y) else torch.as_tensor(np.asarray(y))
        return yt.to(device=self.device, dtype=torch.int64)

    def predict(self, x, max_bytes: int = DEFAULT_MAX_BYTES) -> torch.Tensor:
        """Labels of every member on every input: int64 tensor ``(K, N)``.

        Streams over blocks of members and inputs so the transient memory is at most
        ``max_bytes`` (see the module docstring); the result itself is ``8 K N`` bytes.
        """
        out = torch.empty((self.K, len(x)), dtype=torch.int64, device=self.device)

        def consume(k0, k1, i0, i1, outputs):
            _write_labels(outputs, out[k0:k1, i0:i1])
        self._stream(x, consume, max_bytes)
        return out

    def correct(self, x, y, max_bytes: int = DEFAULT_MAX_BYTES) -> torch.Tensor:
        """Bool tensor ``(K, N)``: member k classifies input i correctly (``K N`` bytes)."""
        yt = self._labels(y)
        out = torch.empty((self.K, len(yt)), dtype=torch.bool, device=self.device)
        target = yt.to(torch.bool) if self.n_outputs == 1 else yt

        def consume(k0, k1, i0, i1, outputs):
            torch.eq(_block_labels(outputs), target[None, i0:i1], out=out[k0:k1, i0:i1])
        self._stream(x, consume, max_bytes)
        return out

    def error_rates(self, x, y, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
        """Fraction of ``(x, y)`` each member misclassifies: float64 array ``(K,)``.

        Only per-member counts are kept, so a large test pool never materializes a
        ``K x N`` matrix.
        """
        yt = self._labels(y)
        if len(yt) == 0:
            raise InvalidParameterError("The 'y' parameter of Population.error_rates must not be empty.")
        wrong = torch.zeros(self.K, dtype=torch.int64, device=self.device)
        target = yt.to(torch.bool) if self.n_outputs == 1 else yt

        def consume(k0, k1, i0, i1, outputs):
            wrong[k0:k1] += torch.ne(_block_labels(outputs), target[None, i0:i1]).sum(dim=1)
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
