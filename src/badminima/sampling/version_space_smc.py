"""Random global minima of neural networks: sequential Monte Carlo over the version space.

The target at training-set size ``n`` is the prior restricted to the version space
``V(S_n) = {theta : the first n training points are all classified correctly}`` (the
distribution of "random global minima", docs/science.md §4). With the prior written as
``theta = g(z)``, ``z ~ N(0, I)`` (:mod:`badminima.sampling.prior_transform`), it is a
standard Gaussian restricted to ``g^{-1}(V(S_n))``.

Subset simulation over the training points (docs/science.md §4.6, docs/version_space.md):

1. ``P`` particles are drawn from the prior (``n = 0``, ``log Z_0 = 0``).
2. A stage adds training points: with the ``"adaptive"`` schedule as many as keep at least a
   fraction ``survive`` of the particles correct (at least one point, never past the next
   checkpoint); with a fixed schedule, up to its next size. The surviving fraction
   ``m / P`` estimates ``Z_{n'} / Z_n`` and ``log Z_{n'} += log(m / P)``.
3. The survivors are resampled to ``P`` particles (systematic resampling) and every particle is
   moved by elliptical slice sampling (:mod:`badminima.sampling.elliptical_slice`), which
   leaves the restricted prior invariant. Moves repeat until the particles' outputs on a
   probe set have decorrelated from their values right after resampling,

   .. math:: r = \\frac1J \\sum_j \\Big[1 - \\frac{\\overline{(s_{kj} - s^0_{kj})^2}}{2 \\operatorname{Var}_k s_{kj}}\\Big]
             \\le r_{\\max}

   (``r`` is the correlation of ``s`` and ``s^0`` for a stationary population and is larger
   while the population is still spreading out), after at least ``min_moves`` and at most
   ``max_moves`` moves.
4. At checkpoint sizes the test error of every particle is recorded.

With a fixed schedule the product of surviving fractions is an unbiased estimate of ``Z_n``
(Del Moral 2004); the adaptive schedule picks its sizes from the same particles and is
consistent (bias O(1/P)). Too few particles or moves bias both ``log Z_n`` and the test errors
while looking plausible: independent runs (R-hat across runs) and validation against
rejection decide (docs/version_space.md).

Gaussian first layers of :class:`~badminima.classifiers.MLP` take a shortcut: along an
ellipse the first layer's pre-activations on the training points are
``cos t H(z) + sin t H(nu)``, so a try costs only the layers above it.

References
----------
S.-K. Au and J. L. Beck, "Estimation of small failure probabilities in high dimensions by
subset simulation", Probabilistic Engineering Mechanics 16 (2001).
I. Murray, R. P. Adams and D. J. C. MacKay, "Elliptical slice sampling", AISTATS 2010.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from badminima.classifiers.mlp import MLP
from badminima.classifiers.population import FunctionSet, Population
from badminima.errors import InvalidParameterError
from badminima.sampling.elliptical_slice import elliptical_slice
from badminima.sampling.prior_transform import GaussianTransform, gaussian_transform
from badminima.validation import check_int, check_real

__all__ = ["SMCStage", "SMCCheckpoint", "SMCState", "SMCResult", "SMCSettings", "sample_smc",
           "systematic_resample"]

logger = logging.getLogger(__name__)

#: Particles evaluated in one forward block (bounds the memory of a try).
PARTICLE_BLOCK = 128
#: Numeric fields of :class:`SMCStage`, in the order of :meth:`SMCState.to_arrays`.
STAGE_FIELDS = ("stage", "n", "n_previous", "surviving_fraction", "log_z", "unique_parents",
                "unique_roots", "moves", "mean_abs_angle", "first_try_acceptance", "mean_tries",
                "decorrelation", "seconds")


@dataclass(frozen=True)
class SMCStage:
    """One stage: the training size reached, the surviving fraction and the moves made."""

    stage: int
    n: int
    n_previous: int
    surviving_fraction: float
    log_z: float
    unique_parents: int
    unique_roots: int
    moves: int
    mean_abs_angle: float
    first_try_acceptance: float
    mean_tries: float
    decorrelation: float
    seconds: float


@dataclass(frozen=True)
class SMCCheckpoint:
    """The particles at a checkpoint size ``n``: ``log Z_n``, test errors ``(P,)``, ancestry."""

    n: int
    log_z: float
    test_errors: np.ndarray
    unique_roots: int
    violations: int


@dataclass(frozen=True)
class SMCSettings:
    """Validated settings of :func:`sample_smc` (see there)."""

    checkpoints: tuple
    n_particles: int = 256
    schedule: object = "adaptive"
    survive: float = 0.5
    min_moves: int = 2
    max_moves: int = 50
    decorrelation: float = 0.1
    probe_size: int = 32
    seed: int = 0

    def stage_ends(self) -> tuple | None:
        """The fixed stage sizes (schedule plus checkpoints), or None for the adaptive schedule."""
        if isinstance(self.schedule, str):
            return None
        return tuple(sorted(set(self.schedule) | set(self.checkpoints)))


@dataclass
class SMCState:
    """Where a run stands after ``stage`` finished stages: enough to resume it bit-identically."""

    stage: int
    n: int
    log_z: float
    z: dict
    roots: np.ndarray
    stages: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain numeric arrays (for an ``.npz``; no pickle)."""
        arrays = {"stage": np.int64(self.stage), "n": np.int64(self.n), "log_z": np.float64(self.log_z),
                  "roots": np.asarray(self.roots, dtype=np.int64),
                  "stages": np.array([[getattr(s, f) for f in STAGE_FIELDS] for s in self.stages],
                                     dtype=np.float64).reshape(-1, len(STAGE_FIELDS)),
                  "checkpoint_n": np.array([c.n for c in self.checkpoints], dtype=np.int64),
                  "checkpoint_log_z": np.array([c.log_z for c in self.checkpoints], dtype=np.float64),
                  "checkpoint_roots": np.array([c.unique_roots for c in self.checkpoints], dtype=np.int64),
                  "checkpoint_violations": np.array([c.violations for c in self.checkpoints], dtype=np.int64),
                  "checkpoint_test_errors": np.array([c.test_errors for c in self.checkpoints],
                                                     dtype=np.float64).reshape(len(self.checkpoints),
                                                                               len(self.roots))}
        for name, value in self.z.items():
            arrays["z/" + name] = np.asarray(value, dtype=np.float32)
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> SMCState:
        """Inverse of :meth:`to_arrays`."""
        ints = {"stage", "n", "unique_parents", "unique_roots", "moves", "n_previous"}
        stages = [SMCStage(**{f: (int(v) if f in ints else float(v)) for f, v in zip(STAGE_FIELDS, row)})
                  for row in np.asarray(arrays["stages"])]
        checkpoints = [SMCCheckpoint(int(n), float(lz), np.asarray(e, dtype=np.float64), int(r), int(v))
                       for n, lz, e, r, v in zip(arrays["checkpoint_n"], arrays["checkpoint_log_z"],
                                                 arrays["checkpoint_test_errors"], arrays["checkpoint_roots"],
                                                 arrays["checkpoint_violations"])]
        z = {key[2:]: np.asarray(arrays[key], dtype=np.float32) for key in arrays if key.startswith("z/")}
        return cls(int(arrays["stage"]), int(arrays["n"]), float(arrays["log_z"]), z,
                   np.asarray(arrays["roots"], dtype=np.int64), stages, checkpoints)


@dataclass(frozen=True)
class SMCResult:
    """A finished run: per-stage trace, checkpoints, and the final state (particles in z-space)."""

    settings: SMCSettings
    stages: tuple
    checkpoints: tuple
    state: SMCState
    failed_at: int | None = None

    @property
    def log_z(self) -> dict[int, float]:
        """``{n: log Z_n}`` at the checkpoints reached."""
        return {c.n: c.log_z for c in self.checkpoints}

    def test_errors(self, n: int) -> np.ndarray:
        """Test errors of the ``P`` particles at checkpoint ``n``."""
        for c in self.checkpoints:
            if c.n == n:
                return c.test_errors
        raise InvalidParameterError(f"The 'n' parameter of SMCResult.test_errors must be a reached "
                                    f"checkpoint {[c.n for c in self.checkpoints]}. Got {n!r} instead.")


def systematic_resample(survivors: np.ndarray, P: int, u: float) -> np.ndarray:
    """``P`` indices drawn from the equally weighted ``survivors`` by systematic resampling (offset ``u``)."""
    m = len(survivors)
    return survivors[np.minimum(((u + np.arange(P)) * m / P).astype(np.int64), m - 1)]


def _generator(seed: int, *key: int) -> torch.Generator:
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state >> np.uint64(1)))


def _correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Bool ``(k, n)``: outputs ``(k, n_outputs, n)`` give labels ``y``."""
    if out.shape[1] == 1:
        return (out[:, 0, :] > 0) == y.to(torch.bool)[None]
    return out.argmax(dim=1) == y[None]


class _Problem:
    """The function set, its transform and the prepared data, shared by every stage."""

    def __init__(self, function_set, transform, x, y, x_probe, device):
        self.function_set, self.transform = function_set, transform
        self.x = function_set.prepare_inputs(x, device)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64, device=device)
        self.x_probe = function_set.prepare_inputs(x_probe, device)

    def forward(self, z: dict, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.function_set.forward(self.transform.theta(z), x)

    def blocks(self, P: int):
        return [(k0, min(k0 + PARTICLE_BLOCK, P)) for k0 in range(0, P, PARTICLE_BLOCK)]

    def correct(self, z: dict, lo: int, hi: int) -> torch.Tensor:
        """Bool ``(P, hi - lo)``: particle k classifies training point i correctly."""
        P = next(iter(z.values())).shape[0]
        parts = [_correct(self.forward({k: v[a:b] for k, v in z.items()}, self.x[lo:hi]), self.y[lo:hi])
                 for a, b in self.blocks(P)]
        return torch.cat(parts)

    def probe(self, z: dict) -> torch.Tensor:
        """The first output unit on the probe points, ``(P, J)``."""
        P = next(iter(z.values())).shape[0]
        return torch.cat([self.forward({k: v[a:b] for k, v in z.items()}, self.x_probe)[:, 0, :]
                          for a, b in self.blocks(P)])

    def ellipse(self, n: int):
        if isinstance(self.function_set, MLP) and self.transform.is_linear("W0") and \
                ("b0" not in self.transform.laws or self.transform.is_linear("b0")):
            return _FirstLayerEllipse(self, n)
        return _FullEllipse(self, n)


class _FullEllipse:
    """Membership of ``V(S_n)``: a full forward of every candidate network on the first n points."""

    def __init__(self, problem: _Problem, n: int):
        self.problem, self.n = problem, n

    def begin(self, z, nu):
        self.z, self.nu = z, nu

    def _candidate(self, index, cos, sin):
        out = {}
        for name, v in self.z.items():
            shape = (len(index),) + (1,) * (v.ndim - 1)
            out[name] = v[index] * cos.reshape(shape) + self.nu[name][index] * sin.reshape(shape)
        return out

    def ok(self, index, cos, sin):
        p = self.problem
        parts = []
        for a, b in p.blocks(len(index)):
            zc = self._candidate(index[a:b], cos[a:b], sin[a:b])
            parts.append(_correct(p.forward(zc, p.x[:self.n]), p.y[:self.n]).all(dim=1))
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.bool)

    def commit(self, cos, sin):
        pass


class _FirstLayerEllipse(_FullEllipse):
    """Gaussian first layer: pre-activations along the ellipse are ``cos t H(z) + sin t H(nu)``."""

    def __init__(self, problem, n):
        super().__init__(problem, n)
        self.hz = None
        self.rest = [name for name in problem.transform.shapes if name not in ("W0", "b0")]

    def _pre(self, z):
        p, t = self.problem, self.problem.transform
        x = p.x[:self.n]
        with torch.inference_mode():
            w = t.theta_of("W0", z["W0"])
            K, h0, d = w.shape
            h = (w.reshape(K * h0, d) @ x.T).reshape(K, h0, -1)
            if "b0" in z:
                h += t.theta_of("b0", z["b0"])[:, :, None]
        return h

    def begin(self, z, nu):
        super().begin(z, nu)
        if self.hz is None:
            self.hz = self._pre(z)
        self.hnu = self._pre(nu)
        t = self.problem.transform
        # Gaussian layers mix parameters directly: theta(z cos + nu sin) = theta(z) cos + theta(nu) sin
        self.tz = {k: t.theta_of(k, z[k]) if t.is_linear(k) else z[k] for k in self.rest}
        self.tnu = {k: t.theta_of(k, nu[k]) if t.is_linear(k) else nu[k] for k in self.rest}

    def ok(self, index, cos, sin):
        p = self.problem
        parts = []
        whole = len(index) == next(iter(self.z.values())).shape[0]  # every point tries: no gathers
        with torch.inference_mode():
            for a, b in p.blocks(len(index)):
                idx, c, s = index[a:b], cos[a:b], sin[a:b]
                pick = (lambda t: t[a:b]) if whole else (lambda t: t[idx])
                h = torch.addcmul(pick(self.hz) * c[:, None, None], pick(self.hnu), s[:, None, None])
                rest = {}
                for name in self.rest:
                    shape = (len(idx),) + (1,) * (self.z[name].ndim - 1)
                    mixed = torch.addcmul(pick(self.tz[name]) * c.reshape(shape), pick(self.tnu[name]),
                                          s.reshape(shape))
                    rest[name] = mixed if p.transform.is_linear(name) else p.transform.theta_of(name, mixed)
                out = p.function_set.forward_hidden(rest, h)
                parts.append(_correct(out, p.y[:self.n]).all(dim=1))
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.bool)

    def commit(self, cos, sin):
        self.hz = self.hz * cos[:, None, None] + self.hnu * sin[:, None, None]


def _decorrelation(s0: torch.Tensor, s: torch.Tensor) -> float:
    """``mean_j [1 - mean_k (s - s0)^2 / (2 var_k s)]`` over probe points with ``var_k s > 0`` (1 if none)."""
    s0, s = s0.double(), s.double()
    var = s.var(dim=0)
    keep = var > 0
    if not bool(keep.any()):
        return 1.0
    msd = (s - s0).square().mean(dim=0)
    return float((1.0 - msd[keep] / (2.0 * var[keep])).mean())


def _check_settings(settings: SMCSettings, n_pool: int) -> SMCSettings:
    owner = "sample_smc"
    cps = settings.checkpoints
    if isinstance(cps, (str, bytes)) or not isinstance(cps, Sequence) or len(cps) == 0:
        raise InvalidParameterError(f"The 'checkpoints' parameter of {owner} must be a non-empty list of "
                                    f"training-set sizes. Got {cps!r} instead.")
    cps = tuple(sorted({check_int("checkpoints", c, owner, 1, n_pool) for c in cps}))
    schedule = settings.schedule
    if isinstance(schedule, str):
        if schedule != "adaptive":
            raise InvalidParameterError(f"The 'schedule' parameter of {owner} must be 'adaptive' or a list of "
                                        f"training-set sizes. Got {schedule!r} instead.")
    elif isinstance(schedule, Sequence) and len(schedule) > 0:
        schedule = tuple(sorted({check_int("schedule", n, owner, 1, cps[-1]) for n in schedule}))
    else:
        raise InvalidParameterError(f"The 'schedule' parameter of {owner} must be 'adaptive' or a non-empty "
                                    f"list of training-set sizes. Got {schedule!r} instead.")
    min_moves = check_int("min_moves", settings.min_moves, owner, 0, None)
    return dataclasses.replace(
        settings, checkpoints=cps, schedule=schedule,
        n_particles=check_int("n_particles", settings.n_particles, owner, 2, None),
        survive=check_real("survive", settings.survive, owner, 0, 1, "neither"),
        min_moves=min_moves, max_moves=check_int("max_moves", settings.max_moves, owner, max(min_moves, 1), None),
        decorrelation=check_real("decorrelation", settings.decorrelation, owner, 0, 1, "neither"),
        probe_size=check_int("probe_size", settings.probe_size, owner, 1, None),
        seed=check_int("seed", settings.seed, owner, 0, None))


def _check_data(x, y, name: str):
    if x is None or y is None or len(x) != len(y) or len(x) == 0:
        raise InvalidParameterError(
            f"The 'x{name}' and 'y{name}' parameters of sample_smc must be non-empty and of equal length. "
            f"Got {None if x is None else len(x)} and {None if y is None else len(y)}.")
    y = np.asarray(y)
    if y.dtype.kind not in "biu" or y.min() < 0:
        raise InvalidParameterError(f"The 'y{name}' parameter of sample_smc must hold class labels 0, 1, ...")
    return np.asarray(x), y


def sample_smc(function_set: FunctionSet, x, y, *, checkpoints, x_test=None, y_test=None,
               n_particles: int = 256, schedule="adaptive", survive: float = 0.5, min_moves: int = 2,
               max_moves: int = 50, decorrelation: float = 0.1, probe_size: int = 32, seed: int = 0,
               n_classes: int | None = None, device="cpu", state: SMCState | None = None,
               on_stage: Callable[[SMCState], None] | None = None) -> SMCResult:
    """Sample the prior of ``function_set`` restricted to zero training error on growing prefixes of ``(x, y)``.

    Parameters
    ----------
    function_set : FunctionSet
        Its prior must be a transform of a Gaussian (:mod:`badminima.sampling.prior_transform`).
    x, y : array-like
        Training points in order (``S_n`` is the first ``n``) and labels ``0 .. C-1``.
    checkpoints : sequence of int
        Sizes at which ``log Z_n`` and the particles' test errors are recorded; the largest ends the run.
    x_test, y_test : array-like, optional
        Test points (test errors at checkpoints; NaN without them). The first ``probe_size`` of
        them (else of the training points) are the probe set of the decorrelation criterion.
    n_particles : int
        ``P >= 2``.
    schedule : "adaptive" or sequence of int
        Stage sizes: adaptive (keep a fraction ``survive``) or fixed (plus the checkpoints).
    survive : float in (0, 1)
        Target surviving fraction of an adaptive stage.
    min_moves, max_moves : int
        Bounds on the elliptical slice moves per stage.
    decorrelation : float in (0, 1)
        Moves stop once the probe decorrelation ``r`` (module docstring) is at most this.
    seed : int
        Fixes everything (initial draw and each stage from ``SeedSequence(seed)``).
    n_classes : int, optional
        Default ``max(y) + 1`` (at least 2).
    device : str or torch.device
    state : SMCState, optional
        Resume from this state (from ``on_stage``); the result is bit-identical to an uninterrupted run.
    on_stage : callable, optional
        Called with the state after every finished stage (e.g. to save it).

    Returns
    -------
    SMCResult
        If every particle fails at some stage, ``failed_at`` is that size and the run stops there.
    """
    x, y = _check_data(x, y, "")
    settings = _check_settings(SMCSettings(checkpoints, n_particles, schedule, survive, min_moves, max_moves,
                                           decorrelation, probe_size, seed), len(x))
    has_test = x_test is not None or y_test is not None
    if has_test:
        x_test, y_test = _check_data(x_test, y_test, "_test")
    n_classes = max(2, int(y.max()) + 1) if n_classes is None else check_int("n_classes", n_classes, "sample_smc", 2)
    input_shape = tuple(x.shape[1:])
    transform = gaussian_transform(function_set, input_shape, n_classes)
    probe = x_test[:settings.probe_size] if has_test else x[:settings.probe_size]
    device = torch.device(device)
    problem = _Problem(function_set, transform, x, y, probe, device)
    P = settings.n_particles
    if state is None:
        z = transform.draw(P, _generator(settings.seed, 0), device)
        state = SMCState(0, 0, 0.0, {k: v.cpu().numpy() for k, v in z.items()}, np.arange(P))
    z = {k: torch.from_numpy(np.array(v)).to(device) for k, v in state.z.items()}
    ends = settings.stage_ends()
    failed = None
    while state.n < settings.checkpoints[-1]:
        target = next(c for c in settings.checkpoints if c > state.n)
        if ends is not None:
            target = next(e for e in ends if e > state.n)
        z, state, failed = _stage(problem, settings, z, state, target, ends is None,
                                  (x_test, y_test) if has_test else None, n_classes, input_shape)
        if failed is not None:
            break
        if on_stage is not None:
            on_stage(state)
    return SMCResult(settings, tuple(state.stages), tuple(state.checkpoints), state, failed)


def _stage(problem: _Problem, settings: SMCSettings, z: dict, state: SMCState, target: int, adaptive: bool,
           test, n_classes: int, input_shape):
    """Run one stage from ``state.n`` toward ``target``; returns ``(z, state, failed_at)``."""
    start = time.perf_counter()
    P, stage = settings.n_particles, state.stage + 1
    gen = _generator(settings.seed, 1, stage)
    alive = torch.cumprod(problem.correct(z, state.n, target).to(torch.int64), dim=1).cpu()
    if adaptive:
        frac = alive.double().mean(dim=0)
        enough = torch.nonzero(frac >= settings.survive).flatten()
        j = int(enough[-1]) if enough.numel() else 0
    else:
        j = target - state.n - 1
    n_new = state.n + j + 1
    survivors = np.flatnonzero(alive[:, j].numpy())
    if survivors.size == 0:
        logger.warning("every particle fails at n = %d: the run stops (more particles needed)", n_new)
        return z, state, n_new
    fraction = survivors.size / P
    log_z = state.log_z + math.log(fraction)
    u = float(torch.rand(1, generator=gen, dtype=torch.float64))
    index = systematic_resample(survivors, P, u)
    z = {k: v[torch.from_numpy(index).to(v.device)] for k, v in z.items()}
    roots = state.roots[index]
    moves, angles, first_ok, tries, r = 0, [], [], [], 1.0
    if settings.max_moves:
        ellipse = problem.ellipse(n_new)
        s0 = problem.probe(z)
        while moves < settings.max_moves:
            z, move = elliptical_slice(z, ellipse, gen)
            moves += 1
            angles.append(float(move.angle.abs().mean()))
            first_ok.append(float((move.tries == 1).double().mean()))
            tries.append(float(move.tries.double().mean()))
            r = _decorrelation(s0, problem.probe(z))
            if moves >= settings.min_moves and r <= settings.decorrelation:
                break
    record = SMCStage(stage, n_new, state.n, fraction, log_z, int(np.unique(index).size), int(np.unique(roots).size),
                      moves, float(np.mean(angles)) if angles else 0.0, float(np.mean(first_ok)) if first_ok else 1.0,
                      float(np.mean(tries)) if tries else 0.0, r, time.perf_counter() - start)
    checkpoints = list(state.checkpoints)
    if n_new in settings.checkpoints:
        checkpoints.append(_checkpoint(problem, z, n_new, log_z, roots, test, n_classes, input_shape))
    logger.info("stage %d: n = %d, surviving %.3f, log Z = %.3f, %d moves, r = %.3f", stage, n_new, fraction,
                log_z, moves, r)
    new_state = SMCState(stage, n_new, log_z, {k: v.cpu().numpy() for k, v in z.items()}, roots,
                         [*state.stages, record], checkpoints)
    return z, new_state, None


def _checkpoint(problem: _Problem, z: dict, n: int, log_z: float, roots, test, n_classes, input_shape):
    violations = int((~problem.correct(z, 0, n).all(dim=1)).sum())
    if test is None:
        errors = np.full(len(roots), np.nan)
    else:
        population = Population(problem.function_set, problem.transform.theta(z), input_shape, n_classes)
        errors = population.error_rates(test[0], test[1])
    return SMCCheckpoint(n, log_z, errors, int(np.unique(roots).size), violations)


def transform_of(function_set, input_shape, n_classes: int) -> GaussianTransform:
    """The prior transform :func:`sample_smc` uses (for turning a state's ``z`` into parameters)."""
    return gaussian_transform(function_set, input_shape, n_classes)
