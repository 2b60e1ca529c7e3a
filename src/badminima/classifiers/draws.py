"""Fast, reproducible parameter draws: counter-addressed PCG64 streams filled by parallel threads.

Drawing the weights is most of a Guess & Check accept step for dense networks (about 15,700
parameters per 784-20-2 MLP against 0.5 MFLOP of evaluation on 16 images), and a single
stream (``torch.rand`` with a CPU generator) runs at 150-360 million values per second.
:class:`ParameterStream` splits every draw into fixed blocks of :data:`BLOCK` values; block j
of draw t is filled from the PCG64 stream of ``SeedSequence(entropy, spawn_key=(*key, t))``
advanced by ``j * 2**64`` steps (non-overlapping: a block consumes fewer than ``2**64``
outputs). Blocks are filled by a pool of threads (numpy releases the GIL while filling), so:

- a seed gives the same values for any number of threads and any schedule of blocks
  (:data:`BLOCK` is a constant, not a tuning knob);
- uniform values are numpy's float32 ``random`` (24-bit mantissa, 2 values per 64-bit PCG64
  output), normal values numpy's float32 ziggurat ``standard_normal``;
- on CUDA devices the values come from torch's Philox generator on the device, seeded from the
  same ``SeedSequence``: reproducible on that device, different from the CPU values.

These values differ from those of the previous single-stream ``torch.Generator`` draws
(docs/guess_check.md, "Reproducibility").
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

#: Values per block; each block is one independent PCG64 sub-stream (keep fixed: results depend on it).
BLOCK = 1 << 17

_POOL: dict[int, ThreadPoolExecutor] = {}


def _pool(threads: int) -> ThreadPoolExecutor:
    if threads not in _POOL:
        _POOL[threads] = ThreadPoolExecutor(threads, thread_name_prefix="badminima-draws")
    return _POOL[threads]


def default_threads() -> int:
    """Threads filling a draw: torch's intra-op thread count (what the forward pass uses too)."""
    return max(1, min(torch.get_num_threads(), os.cpu_count() or 1))


class ParameterStream:
    """A reproducible source of parameter tensors (uniform and normal float32 draws).

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root of every draw; the t-th draw uses ``SeedSequence(entropy, spawn_key=(*key, t))``.
    threads : int, optional
        Threads filling the blocks (default :func:`default_threads`); does not change the values.

    Notes
    -----
    Draws are numbered in call order, so two streams with the same seed asked for the same
    sequence of shapes return the same tensors.
    """

    def __init__(self, seed, threads: int | None = None):
        self.seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
        self.threads = threads
        self.draws_ = 0

    def __repr__(self) -> str:
        return f"ParameterStream(entropy={self.seed.entropy}, spawn_key={self.seed.spawn_key})"

    def _next_seed(self) -> np.random.SeedSequence:
        child = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, self.draws_))
        self.draws_ += 1
        return child

    def uniform(self, shape, low: float, high: float, device="cpu") -> torch.Tensor:
        """float32 tensor of ``shape``, i.i.d. uniform on ``[low, high)``."""
        return self._draw(shape, "uniform", (low, high), device)

    def normal(self, shape, std: float, device="cpu") -> torch.Tensor:
        """float32 tensor of ``shape``, i.i.d. ``N(0, std^2)``."""
        return self._draw(shape, "normal", (std,), device)

    def _draw(self, shape, kind: str, args, device) -> torch.Tensor:
        seed = self._next_seed()
        shape = tuple(int(s) for s in shape)
        device = torch.device(device)
        if device.type == "cuda":
            return _draw_torch(seed, shape, kind, args, device)
        out = np.empty(math.prod(shape), dtype=np.float32)
        base = np.random.PCG64(seed)
        starts = range(0, out.size, BLOCK)
        threads = self.threads or default_threads()

        def fill(start: int) -> None:
            bits = np.random.PCG64()
            bits.state = base.state
            bits.advance((start // BLOCK) << 64)
            _fill(np.random.Generator(bits), out[start:start + BLOCK], kind, args)
        if threads == 1 or len(starts) == 1:
            for start in starts:
                fill(start)
        else:
            list(_pool(threads).map(fill, starts))
        return torch.from_numpy(out).reshape(shape)


def _fill(gen: np.random.Generator, block: np.ndarray, kind: str, args) -> None:
    """Fill ``block`` in place: ``low + (high - low) U`` or ``std Z`` (scaled while in cache)."""
    if kind == "uniform":
        low, high = args
        gen.random(dtype=np.float32, out=block)
        block *= np.float32(high - low)
        block += np.float32(low)
    else:
        gen.standard_normal(dtype=np.float32, out=block)
        block *= np.float32(args[0])


def _draw_torch(seed: np.random.SeedSequence, shape, kind: str, args, device) -> torch.Tensor:
    """On CUDA: torch's Philox generator of the device, seeded from ``seed``."""
    generator = torch.Generator(device=device).manual_seed(int(seed.generate_state(1, np.uint64)[0] >> 1))
    if kind == "uniform":
        low, high = args
        return torch.empty(shape, device=device).uniform_(low, high, generator=generator)
    return torch.empty(shape, device=device).normal_(0.0, args[0], generator=generator)


def as_parameter_stream(generator) -> ParameterStream:
    """A :class:`ParameterStream` from a stream, an int seed, a ``SeedSequence`` or a ``torch.Generator``.

    A ``torch.Generator`` contributes one 63-bit seed drawn from it (so a seeded one still
    fixes the result); ``None`` gives a stream seeded from fresh OS entropy.
    """
    if isinstance(generator, ParameterStream):
        return generator
    if generator is None:
        return ParameterStream(np.random.SeedSequence())
    if isinstance(generator, torch.Generator):
        seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device).item())
        return ParameterStream(seed)
    if isinstance(generator, (int, np.integer, np.random.SeedSequence)):
        return ParameterStream(generator)
    from badminima.errors import InvalidParameterError
    raise InvalidParameterError(
        f"The 'generator' parameter must be a ParameterStream, an int seed, a numpy SeedSequence or a "
        f"torch.Generator. Got {type(generator).__name__} instead.")


def run_in_threads(task: Callable[[int], None], items: Iterable[int], device="cpu", threads: int | None = None) -> None:
    """Run ``task(i)`` for every item; on CPU in ``threads`` Python threads, each torch call single-threaded.

    Independent tasks (e.g. groups of classifiers) share the cores better this way than one
    task at a time with torch's intra-op threads: small batched calls pay a barrier per
    parallel region, and on a loaded machine a descheduled intra-op thread stalls every
    call (measured: a 5,000-perceptron chunk took 11.4 s with 2 intra-op threads and 0.28 s
    with one, at load 15 on 2 cores). torch's thread count is restored afterwards. On CUDA
    the tasks run in order.
    """
    items = list(items)
    threads = threads or default_threads()
    if torch.device(device).type != "cpu" or threads == 1 or len(items) == 1:
        for item in items:
            task(item)
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="badminima-groups") as pool:
            list(pool.map(task, items))
    finally:
        torch.set_num_threads(before)
