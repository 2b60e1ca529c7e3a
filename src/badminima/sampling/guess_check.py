"""Guess & Check: draw classifiers from the prior, keep those with zero training error.

docs/science.md section 4, experiments 1 and 2. For every drawn classifier we keep only two
compact summaries, never the K x N correctness matrix:

- its true error :math:`\\epsilon_k` (estimated on a large test pool, or exact), and
- for each of R random orderings of a training pool, the position of its first mistake
  :math:`p_{kr}` among the first ``n_max`` points of that ordering (``n_max`` if none).

Classifier k is consistent with the first n points of ordering r iff :math:`p_{kr} \\ge n`,
so one pass yields every training-set size :math:`0 \\le n \\le n_{max}` at once.

Reproducibility and chunking: the K classifiers are drawn in chunks; chunk c draws from a
generator seeded by ``SeedSequence(seed, spawn_key=(0, c))`` and the orderings come from
``SeedSequence(seed, spawn_key=(1,))`` alone, so a chunk's summaries depend only on
``(seed, c)`` and the merged result does not depend on how chunks are scheduled.
Each ordering is an independent uniform random permutation of the pool, truncated to
``n_max``: its first n points are an i.i.d. sample of size n from the data distribution
(different orderings may share points when the pool is not much larger than ``R * n_max``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from badminima.classifiers import DEFAULT_MAX_BYTES, FunctionSet, Population
from badminima.errors import InvalidParameterError
from badminima.validation import check_int


@dataclass
class GuessCheckData:
    """The arrays one chunk needs (tensors on the chunk's device).

    Attributes
    ----------
    x_pool, y_pool : torch.Tensor
        The training pool the orderings index.
    x_test, y_test : torch.Tensor
        The test pool estimating each classifier's true error (``error="test"``).
    teacher : dict of numpy.ndarray or None
        The labelling rule, for exact errors (``error="exact-linear"``).
    """

    x_pool: torch.Tensor
    y_pool: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    teacher: dict | None = None

    @classmethod
    def from_arrays(cls, x_pool, y_pool, x_test, y_test, teacher=None, device="cpu") -> GuessCheckData:
        def put(a, dtype):
            return torch.as_tensor(np.ascontiguousarray(a)).to(device=device, dtype=dtype)
        return cls(put(x_pool, torch.float32), put(y_pool, torch.int64),
                   put(x_test, torch.float32), put(y_test, torch.int64), teacher)


@dataclass
class ChunkSummary:
    """Compact per-classifier summaries of one chunk.

    Attributes
    ----------
    index : int
        Chunk index c.
    test_errors : numpy.ndarray of float64, shape ``(k,)``
    first_mistake : numpy.ndarray of int32, shape ``(k, R)``
        Position of the first mistake in each ordering (``n_max`` when none).
    """

    index: int
    test_errors: np.ndarray
    first_mistake: np.ndarray


def chunk_generator(seed: int, chunk: int) -> torch.Generator:
    """CPU generator of chunk ``chunk``: seeded by ``SeedSequence(seed, spawn_key=(0, chunk))``."""
    state = np.random.SeedSequence(seed, spawn_key=(0, chunk)).generate_state(2, np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 31 ^ int(state[1]))


def training_orderings(n_pool: int, n_max: int, R: int, seed: int) -> np.ndarray:
    """R independent random orderings of the pool, truncated to ``n_max``: int64 ``(R, n_max)``.

    Drawn from ``SeedSequence(seed, spawn_key=(1,))`` only (not from the chunk index).
    """
    n_pool = check_int("n_pool", n_pool, "training_orderings", 1, None)
    n_max = check_int("n_max", n_max, "training_orderings", 1, None)
    R = check_int("R", R, "training_orderings", 1, None)
    if n_max > n_pool:
        raise InvalidParameterError(
            f"The 'n_max' parameter of training_orderings must be at most the pool size {n_pool}. "
            f"Got {n_max} instead.")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    return np.stack([rng.permutation(n_pool)[:n_max] for _ in range(R)]).astype(np.int64)


def first_mistake_positions(correct: torch.Tensor, orderings: torch.Tensor) -> np.ndarray:
    """Position of each classifier's first mistake in each ordering.

    Parameters
    ----------
    correct : torch.Tensor of bool, shape ``(k, n_pool)``
        Correctness of k classifiers on the training pool.
    orderings : torch.Tensor of int64, shape ``(R, n_max)``

    Returns
    -------
    numpy.ndarray of int32, shape ``(k, R)``
        :math:`p_{kr} = \\min\\{i : \\text{classifier k errs on point } o_r(i)\\}`, or ``n_max``
        when it errs on none of the first ``n_max``; k is consistent with the first n points
        of ordering r iff :math:`p_{kr} \\ge n`.
    """
    n_max = orderings.shape[1]
    out = torch.empty((correct.shape[0], orderings.shape[0]), dtype=torch.int32, device=correct.device)
    for r in range(orderings.shape[0]):  # (k, n_max) at a time keeps memory at k * n_max bytes
        wrong = ~correct[:, orderings[r]]
        first = wrong.to(torch.uint8).argmax(dim=1)  # first maximal index
        out[:, r] = torch.where(wrong.any(dim=1), first, torch.full_like(first, n_max)).to(torch.int32)
    return out.cpu().numpy()


def _test_pool_errors(population: Population, data: GuessCheckData, max_bytes: int) -> np.ndarray:
    return population.error_rates(data.x_test, data.y_test, max_bytes)


def exact_linear_errors(population: Population, data: GuessCheckData, max_bytes: int = 0) -> np.ndarray:
    """Exact true errors of bias-free linear classifiers against a bias-free linear teacher.

    Notes
    -----
    For isotropic Gaussian inputs the disagreement probability of the half-spaces
    :math:`w \\cdot x > 0` and :math:`t \\cdot x > 0` is the angle between them over pi:

    .. math:: \\epsilon(w) = \\arccos\\left(\\frac{w \\cdot t}{|w|\\,|t|}\\right) / \\pi

    (docs/science.md section 2, spherical perceptron). Computed in float64.
    """
    params = population.params
    if set(params) != {"W0"} or params["W0"].shape[1] != 1 or data.teacher is None or "w" not in data.teacher:
        raise InvalidParameterError(
            "The 'error' parameter 'exact-linear' needs a bias-free two-class perceptron student "
            "and a bias-free two-class linear teacher (dataset 'synthetic-linear' with n_classes=2).")
    w = params["W0"][:, 0, :].double().cpu().numpy()
    t = np.asarray(data.teacher["w"], dtype=np.float64)
    cos = (w @ t) / (np.linalg.norm(w, axis=1) * np.linalg.norm(t))
    return np.arccos(np.clip(cos, -1.0, 1.0)) / math.pi


#: How each classifier's true error is obtained: name -> fn(population, data, max_bytes).
ERROR_SOURCES: dict[str, Callable] = {"test": _test_pool_errors, "exact-linear": exact_linear_errors}


def guess_check_chunk(function_set: FunctionSet, data: GuessCheckData, orderings: np.ndarray, *,
                      seed: int, chunk: int, size: int, n_classes: int, error: str = "test",
                      max_bytes: int = DEFAULT_MAX_BYTES) -> ChunkSummary:
    """Draw chunk ``chunk`` (``size`` classifiers) and return its compact summaries.

    Parameters
    ----------
    function_set : FunctionSet
        Architecture and prior.
    data : GuessCheckData
        Training pool, test pool (and teacher), on the device to compute on.
    orderings : numpy.ndarray, shape ``(R, n_max)``
        From :func:`training_orderings`.
    seed, chunk : int
        The chunk's classifiers come from :func:`chunk_generator` ``(seed, chunk)``.
    size : int
        Number of classifiers in this chunk.
    n_classes : int
    error : {"test", "exact-linear"}
        Key of :data:`ERROR_SOURCES`.
    max_bytes : int
        Bound on the transient memory of the batched forward; the chunk's correctness
        matrix on the pool adds ``size * n_pool`` bytes.
    """
    if error not in ERROR_SOURCES:
        raise InvalidParameterError(
            f"The 'error' parameter of guess_check_chunk must be one of "
            f"{', '.join(map(repr, ERROR_SOURCES))}. Got {error!r} instead.")
    device = data.x_pool.device
    population = function_set.sample(size, tuple(data.x_pool.shape[1:]), n_classes,
                                     chunk_generator(seed, chunk), device)
    used = torch.as_tensor(np.unique(orderings), device=device)
    # Only the pool points some ordering reaches are evaluated; re-index orderings into them.
    remap = torch.empty(data.x_pool.shape[0], dtype=torch.int64, device=device)
    remap[used] = torch.arange(len(used), device=device)
    correct = population.correct(data.x_pool[used], data.y_pool[used], max_bytes)
    positions = first_mistake_positions(correct, remap[torch.as_tensor(orderings, device=device)])
    errors = np.asarray(ERROR_SOURCES[error](population, data, max_bytes), dtype=np.float64)
    return ChunkSummary(chunk, errors, positions)


def chunk_sizes(K: int, chunk_size: int) -> list[int]:
    """Sizes of the chunks that make up K classifiers (the last one may be smaller)."""
    K = check_int("K", K, "chunk_sizes", 1, None)
    chunk_size = check_int("chunk_size", chunk_size, "chunk_sizes", 1, None)
    return [min(chunk_size, K - start) for start in range(0, K, chunk_size)]


def merge_chunks(chunks) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate chunk summaries by chunk index: ``(test_errors (K,), first_mistake (K, R))``."""
    ordered = sorted(chunks, key=lambda c: c.index)
    if [c.index for c in ordered] != list(range(len(ordered))):
        raise InvalidParameterError("merge_chunks needs every chunk 0 .. C-1 exactly once.")
    return (np.concatenate([c.test_errors for c in ordered]),
            np.concatenate([c.first_mistake for c in ordered], axis=0))
