"""Guess & Check: draw classifiers from the prior, keep those with zero training error.

docs/science.md section 4, experiments 1 and 2. For every drawn classifier we keep only two
compact summaries, never the K x N correctness matrix:

- its true error :math:`\\epsilon_k` (estimated on a large test pool, or exact), and
- for each of R random orderings of a training pool, the position of its first mistake
  :math:`p_{kr}` among the first ``n_max`` points of that ordering (``n_max`` if none).

Classifier k is consistent with the first n points of ordering r iff :math:`p_{kr} \\ge n`,
so one pass yields every training-set size :math:`0 \\le n \\le n_{max}` at once.

Reproducibility and chunking: the K classifiers are drawn in chunks of groups; group g of
chunk c draws from the parameter stream of ``SeedSequence(seed, spawn_key=(0, c, g))``
(:mod:`badminima.classifiers.draws`), the chunk's uniform subsample from
``SeedSequence(seed, spawn_key=(3, c))`` and the orderings from ``SeedSequence(seed, spawn_key=(1,))``
alone, so a chunk's summaries depend only on ``(seed, c)`` and the merged result does not
depend on how chunks are scheduled or how many threads draw.

Survivors first (docs/science.md §4.5): with
``evaluate="survivors"`` a classifier's true error is computed only if it survives the first
``n_min`` points of some ordering, or belongs to the chunk's uniform subsample; the others
keep NaN. Every survivor at ``n >= n_min`` is evaluated, so those series are exactly those of
``evaluate="all"``; series at ``n < n_min`` and the density D come from the subsample
(:func:`badminima.sampling.guess_check_stats.measure_guess_check`).
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
from badminima.classifiers.draws import ParameterStream, run_in_threads
from badminima.classifiers.population import labels_from_outputs
from badminima.errors import InvalidParameterError
from badminima.sampling.guess_check_choices import ERRORS, SAMPLERS, ChunkSettings
from badminima.sampling.guess_check_choices import EVALUATE  # noqa: F401  (old import path)
from badminima.validation import check_choice, check_int


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
    subsample: np.ndarray | None = None


#: Members per draw group: group g of chunk c draws from ``SeedSequence(seed, spawn_key=(0, c, g))``.
GROUP = 256
#: Positions classified for every member before the rest of the pool (see ``_DirectDraw.accept``).
FIRST_STAGE = 4
# EVALUATE and SAMPLERS (the choices, without torch) live in badminima.sampling.guess_check_choices.


def chunk_generator(seed: int, chunk: int, group: int = 0) -> ParameterStream:
    """Parameter stream of draw group ``group`` of chunk ``chunk``: ``SeedSequence(seed, spawn_key=(0, chunk, group))``."""
    return ParameterStream(np.random.SeedSequence(seed, spawn_key=(0, chunk, group)))


def subsample_mask(seed: int, chunk: int, size: int, rate: float) -> np.ndarray:
    """Bool ``(size,)``: the uniform random subsample of chunk ``chunk`` (each member with probability ``rate``).

    Drawn from ``SeedSequence(seed, spawn_key=(3, chunk))``, independently of the members'
    parameters, so the subsample's true errors are an i.i.d. sample of D (docs/science.md
    §4.5).
    """
    if rate >= 1:
        return np.ones(size, dtype=bool)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, chunk))).random(size) < rate


def training_orderings(n_pool: int, n_max: int, R: int, seed: int, labels=None) -> np.ndarray:
    """R independent random orderings of the pool, truncated to ``n_max``: int64 ``(R, n_max)``.

    Drawn from ``SeedSequence(seed, spawn_key=(1,))`` only (not from the chunk index).
    With ``labels`` (the pool's labels) the orderings are *balanced*: they run in rounds of
    C positions holding one point of each class in random order (each class's points in
    a random order), so every prefix of length ``m C`` has m points per class (n/2 per class
    for two classes and even n).
    """
    n_pool = check_int("n_pool", n_pool, "training_orderings", 1, None)
    n_max = check_int("n_max", n_max, "training_orderings", 1, None)
    R = check_int("R", R, "training_orderings", 1, None)
    if n_max > n_pool:
        raise InvalidParameterError(
            f"The 'n_max' parameter of training_orderings must be at most the pool size {n_pool}. "
            f"Got {n_max} instead.")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    if labels is None:
        return np.stack([rng.permutation(n_pool)[:n_max] for _ in range(R)]).astype(np.int64)
    return np.stack([_balanced_ordering(np.asarray(labels), n_max, rng) for _ in range(R)]).astype(np.int64)


def _balanced_ordering(labels: np.ndarray, n_max: int, rng: np.random.Generator) -> np.ndarray:
    classes = np.unique(labels)
    rounds = -(-n_max // len(classes))
    members = [np.flatnonzero(labels == c) for c in classes]
    if min(len(m) for m in members) < rounds:
        raise InvalidParameterError(
            f"Balanced training sets of n_max = {n_max} points need {rounds} points of every class; "
            f"the pool has only {min(len(m) for m in members)} of one class.")
    picks = np.stack([rng.permutation(m)[:rounds] for m in members], axis=1)  # (rounds, C)
    order = np.argsort(rng.random(picks.shape), axis=1)  # class order within each round
    return np.take_along_axis(picks, order, axis=1).reshape(-1)[:n_max]


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
assert tuple(ERROR_SOURCES) == ERRORS, "guess_check_choices.ERRORS names the keys of ERROR_SOURCES"


def guess_check_chunk(function_set: FunctionSet, data: GuessCheckData, orderings: np.ndarray, *,
                      seed: int, chunk: int, size: int, n_classes: int, error: str = "test",
                      max_bytes: int = DEFAULT_MAX_BYTES, evaluate: str = "all", n_min: int = 0,
                      subsample: float = 1.0, sampler: str = "direct") -> ChunkSummary:
    """Draw chunk ``chunk`` (``size`` classifiers) and return its compact summaries.

    The chunk is drawn and evaluated in groups of :data:`GROUP` members (group g from
    :func:`chunk_generator` ``(seed, chunk, g)``): each group is classified on the pool points
    the orderings reach, then its members that need a true error get one, while their
    parameters are still in memory.

    Parameters
    ----------
    function_set : FunctionSet
        Architecture and prior.
    data : GuessCheckData
        Training pool, test pool (and teacher), on the device to compute on.
    orderings : numpy.ndarray, shape ``(R, n_max)``
        From :func:`training_orderings`.
    seed, chunk : int
        Fix the chunk's classifiers and subsample.
    size : int
        Number of classifiers in this chunk.
    n_classes : int
    error : {"test", "exact-linear"}
        Key of :data:`ERROR_SOURCES`.
    max_bytes : int
        Bound on the transient memory of the batched forward.
    evaluate : {"all", "survivors"}
        ``all``: every member's true error. ``survivors``: only members that survive the first
        ``n_min`` points of at least one ordering, plus the uniform subsample
        (:func:`subsample_mask` at rate ``subsample``); the others get NaN.
    n_min : int
        Survival threshold of ``evaluate="survivors"``.
    subsample : float
        Rate of the uniform subsample in (0, 1] (``evaluate="all"`` uses 1).
    sampler : {"direct", "subspace"}
        ``subspace``: draw the first layer's pre-activations on the pool points exactly
        (:class:`badminima.sampling.subspace.GaussianSubspace`), full weights only for the
        members needing a true error; needs a Gaussian-prior MLP.
    """
    settings = ChunkSettings(seed, n_classes, error, max_bytes, evaluate, n_min, subsample, sampler)
    if sampler == "subspace":
        from badminima.sampling.subspace import require_subspace
        used = np.unique(orderings)
        require_subspace(function_set, len(used), function_set.prepare_inputs(data.x_pool[:1], "cpu").shape[1])
    return draw_chunk(function_set, data, orderings, settings, chunk, size)


def draw_chunk(function_set: FunctionSet, data: GuessCheckData, orderings: np.ndarray, settings: ChunkSettings,
               chunk: int, size: int) -> ChunkSummary:
    """:func:`guess_check_chunk` with its choices already checked (``settings``): the step every chunk
    of a planned run takes (:class:`badminima.experiments.guess_check.GuessCheckPlan`); nothing is
    re-decided here."""
    seed, error, max_bytes = settings.seed, settings.error, settings.max_bytes
    device = data.x_pool.device
    used = torch.as_tensor(np.unique(orderings), device=device)
    # Only the pool points some ordering reaches are evaluated; re-index orderings into them.
    remap = torch.empty(data.x_pool.shape[0], dtype=torch.int64, device=device)
    remap[used] = torch.arange(len(used), device=device)
    local = remap[torch.as_tensor(orderings, device=device)]
    x_used, y_used = data.x_pool[used], data.y_pool[used]
    n_min = settings.n_min
    in_subsample = subsample_mask(seed, chunk, size, 1.0 if settings.evaluate == "all" else settings.subsample)
    if settings.sampler == "subspace":
        draw = _SubspaceDraw(function_set, x_used, y_used, settings.n_classes)
    else:
        draw = _DirectDraw(function_set, x_used, y_used, settings.n_classes, tuple(data.x_pool.shape[1:]),
                           max_bytes)
    errors = np.full(size, np.nan)
    positions = np.empty((size, orderings.shape[0]), dtype=np.int32)

    def run_group(g: int) -> None:
        k0, k1 = g * GROUP, min(size, (g + 1) * GROUP)
        state, correct = draw.accept(k1 - k0, chunk_generator(seed, chunk, g), local)
        positions[k0:k1] = first_mistake_positions(correct, local)
        need = in_subsample[k0:k1] | (positions[k0:k1] >= n_min).any(axis=1)
        if need.any():
            errors[k0:k1][need] = ERROR_SOURCES[error](draw.complete(state, need), data, max_bytes)
    run_in_threads(run_group, range(-(-size // GROUP)), device)
    return ChunkSummary(chunk, errors, positions, in_subsample)


def accept_step(function_set: FunctionSet, x, y, M: int, seed: int, n_classes: int = 2,
                sampler: str = "direct", device="cpu") -> np.ndarray:
    """The accept step alone: draw M classifiers, classify the n training points, keep the consistent ones.

    Groups of :data:`GROUP` members (group g from :func:`chunk_generator` ``(seed, 0, g)``) run
    in parallel threads (:func:`badminima.classifiers.draws.run_in_threads`; in order on
    CUDA, where ``device`` puts the draws and the arithmetic). Returns a bool array (M,):
    member m fits every point of ``(x, y)``.
    """
    check_choice("sampler", sampler, "accept_step", SAMPLERS)
    M = check_int("M", M, "accept_step", 1, None)
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y) if not torch.is_tensor(y) else y).to(device=x.device, dtype=torch.int64)
    if sampler == "subspace":
        from badminima.sampling.subspace import require_subspace
        require_subspace(function_set, len(x), function_set.prepare_inputs(x, x.device).shape[1])
        draw = _SubspaceDraw(function_set, x, y, n_classes)
    else:
        draw = _DirectDraw(function_set, x, y, n_classes, tuple(x.shape[1:]), DEFAULT_MAX_BYTES)
    fits = np.empty(M, dtype=bool)

    def run_group(g: int) -> None:
        k0, k1 = g * GROUP, min(M, (g + 1) * GROUP)
        fits[k0:k1] = draw.accept(k1 - k0, chunk_generator(seed, 0, g))[1].all(dim=1).cpu().numpy()
    run_in_threads(run_group, range(-(-M // GROUP)), x.device)
    return fits


class _DirectDraw:
    """Groups drawn from the whole prior; the accept step classifies the used pool points."""

    def __init__(self, function_set, x_used, y_used, n_classes, input_shape, max_bytes):
        self.function_set, self.x_used, self.y_used = function_set, x_used, y_used
        self.n_classes, self.input_shape, self.max_bytes = n_classes, input_shape, max_bytes

    def accept(self, K: int, stream, local: torch.Tensor | None = None):
        """Draw K members and classify the used points: ``(population, correct (K, P))``.

        With the orderings ``local`` the points are taken in two stages: first those at
        positions below :data:`FIRST_STAGE` of some ordering, then the rest only for the members
        that fit the first stage of at least one ordering. Points a member was not classified
        on are marked correct; they lie beyond its first mistake in every ordering, so its
        first-mistake positions are exact.
        """
        population = self.function_set.sample(K, self.input_shape, self.n_classes, stream, self.x_used.device)
        if local is None or local.shape[1] <= FIRST_STAGE:
            return population, population.correct(self.x_used, self.y_used, self.max_bytes)
        P = self.x_used.shape[0]
        first = torch.unique(local[:, :FIRST_STAGE])
        rest = torch.as_tensor(np.setdiff1d(np.arange(P), first.cpu().numpy()), device=first.device)
        correct = torch.ones((K, P), dtype=torch.bool, device=first.device)
        correct[:, first] = population.correct(self.x_used[first], self.y_used[first], self.max_bytes)
        go_on = torch.stack([correct[:, local[r, :FIRST_STAGE]].all(dim=1) for r in range(local.shape[0])]).any(0)
        if bool(go_on.any()) and len(rest):
            index = torch.nonzero(go_on)[:, 0]
            correct[index[:, None], rest[None, :]] = population.select(index).correct(
                self.x_used[rest], self.y_used[rest], self.max_bytes)
        return population, correct

    def complete(self, population: Population, need: np.ndarray) -> Population:
        return population.select(torch.as_tensor(need, device=population.device))


class _SubspaceDraw:
    """Groups drawn by exact subspace sampling of a Gaussian first layer (:mod:`badminima.sampling.subspace`)."""

    def __init__(self, function_set, x_used, y_used, n_classes):
        from badminima.sampling.subspace import GaussianSubspace
        x = function_set.prepare_inputs(x_used, x_used.device)
        self.function_set, self.n_classes = function_set, n_classes
        self.input_shape = tuple(x_used.shape[1:])
        self.subspace = GaussianSubspace.for_function_set(function_set, x)
        self.target = y_used.to(torch.bool).to(torch.int64) if n_classes == 2 else y_used

    def accept(self, K: int, stream, local: torch.Tensor | None = None):
        fs = self.function_set
        n_outputs = 1 if self.n_classes == 2 else self.n_classes
        h = self.subspace.preactivations(K, fs.first_layer_units(n_outputs), stream)
        rest = fs.draw_after_first_layer(K, self.input_shape, n_outputs, stream, h.device)
        with torch.inference_mode():
            labels = labels_from_outputs(fs.forward_from_first_layer(rest, h.clone()))
        return (h, rest, stream), labels == self.target[None, :]

    def complete(self, state, need: np.ndarray) -> Population:
        h, rest, stream = state
        index = torch.as_tensor(need, device=h.device)
        weight, bias = self.subspace.complete(h[index], stream)
        params = {"W0": weight, **({"b0": bias} if bias is not None else {}),
                  **{name: p[index] for name, p in rest.items()}}
        return Population(self.function_set, params, self.input_shape, self.n_classes)


def chunk_sizes(K: int, chunk_size: int) -> list[int]:
    """Sizes of the chunks that make up K classifiers (the last one may be smaller)."""
    K = check_int("K", K, "chunk_sizes", 1, None)
    chunk_size = check_int("chunk_size", chunk_size, "chunk_sizes", 1, None)
    return [min(chunk_size, K - start) for start in range(0, K, chunk_size)]


def merge_chunks(chunks) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate chunk summaries by chunk index: ``(test_errors (K,), first_mistake (K, R))``."""
    ordered = _ordered(chunks)
    return (np.concatenate([c.test_errors for c in ordered]),
            np.concatenate([c.first_mistake for c in ordered], axis=0))


def merge_subsample(chunks) -> np.ndarray:
    """The chunks' uniform-subsample masks concatenated by chunk index (all True where a chunk has none)."""
    return np.concatenate([c.subsample if c.subsample is not None else np.ones(len(c.test_errors), dtype=bool)
                           for c in _ordered(chunks)])


def _ordered(chunks) -> list:
    ordered = sorted(chunks, key=lambda c: c.index)
    if [c.index for c in ordered] != list(range(len(ordered))):
        raise InvalidParameterError("merge_chunks needs every chunk 0 .. C-1 exactly once.")
    return ordered
