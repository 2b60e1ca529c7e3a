"""Exact uniform sampling of a perceptron's version space (its zero-training-error weights).

The version space of a perceptron without bias (a bias is an extra constant input) on a
training set ``(x_i, y_i)``, ``y_i in {-1, +1}``, is

.. math:: V = \\{w : \\|w\\| = 1,\\; y_i \\langle x_i, w \\rangle > 0 \\;\\forall i\\},

the unit sphere intersected with the polyhedral cone ``K = {w : A w > 0}``,
``A = diag(y) X``. Under the uniform prior on the sphere, the global minima of the 0-1
training error are uniform on ``V`` (docs/science.md section 1: H(S) with the prior restricted to
it). Two exact Markov chains sample it (registry :data:`METHODS`):

- ``"hit_and_run"``: hit-and-run in the convex body ``K ∩ B`` (B the unit ball; random
  direction, exact chord, uniform point on it), normalized
  (:mod:`badminima.sampling.version_space_hit_and_run`).
- ``"hmc"``: exact reflective Hamiltonian Monte Carlo for ``N(0, I)`` truncated to ``K``,
  normalized (:mod:`badminima.sampling.version_space_hmc`). Much faster mixing in the thin
  cones of large training sets (see docs/gibbs.md for measured effective sample sizes).

Both chains start at the cone's Chebyshev direction (largest normalized margin, a linear
program), which lies deep inside ``K``.

References
----------
docs/science.md, sections 1-2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from badminima.errors import DataError, InvalidParameterError
from badminima.registry import Registry
from badminima.sampling.version_space_hit_and_run import run_hit_and_run
from badminima.sampling.version_space_hmc import run_reflective_hmc
from badminima.validation import check_int

__all__ = ["METHODS", "VersionSpaceSample", "constraint_matrix", "chebyshev_direction",
           "sample_version_space", "angle_error"]


@dataclass(frozen=True)
class _Method:
    """A sampling kernel and its default burn-in and thinning (functions of the dimension N)."""

    run: object
    burn_in: object
    thin: object


#: Sampling kernels by name; ``burn_in`` and ``thin`` count the kernel's own steps
#: (hit-and-run moves or HMC trajectories).
METHODS = Registry({
    "hit_and_run": _Method(run_hit_and_run, burn_in=lambda dim: 100 * dim, thin=lambda dim: 4 * dim),
    "hmc": _Method(run_reflective_hmc, burn_in=lambda dim: 20, thin=lambda dim: 1),
})


@dataclass(frozen=True)
class VersionSpaceSample:
    """Samples of a version space: ``directions[c, s]`` is sample ``s`` of chain ``c``.

    Attributes
    ----------
    directions : ndarray of shape (n_chains, n_samples, N)
        Unit vectors, each with zero training error.
    start : ndarray of shape (N,)
        The unit-norm start direction (the cone's Chebyshev direction).
    start_margin : float
        Normalized margin ``min_i a_i w / |a_i|`` of the start direction (> 0).
    method : str
        The kernel (a key of :data:`METHODS`).
    burn_in, thin : int
        Kernel steps discarded per chain, and kernel steps between kept samples.
    """

    directions: np.ndarray
    start: np.ndarray
    start_margin: float
    method: str
    burn_in: int
    thin: int


def constraint_matrix(X, y) -> np.ndarray:
    """Return ``A = diag(y) X`` after checking shapes and labels (``y`` in {-1, +1})."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] < 2:
        raise InvalidParameterError(
            "The 'X' parameter of sample_version_space must be a 2-d array with at least 2 "
            f"columns. Got shape {X.shape} instead.")
    if y.shape != (X.shape[0],):
        raise InvalidParameterError(
            f"The 'y' parameter of sample_version_space must have shape ({X.shape[0]},) to match X. "
            f"Got shape {y.shape} instead.")
    if y.size and not np.all(np.isin(y, (-1, 1))):
        raise InvalidParameterError(
            "The 'y' parameter of sample_version_space must hold labels -1 and +1. "
            f"Got {np.unique(y)[:5]!r} instead.")
    if not np.all(np.isfinite(X)):
        raise InvalidParameterError("The 'X' parameter of sample_version_space must be finite.")
    return X * y[:, None].astype(float)


def chebyshev_direction(A: np.ndarray) -> tuple[np.ndarray, float]:
    """Direction of largest normalized margin in the cone ``{w : A w > 0}``, by a linear program.

    Solves ``max s`` subject to ``a_i w / |a_i| >= s`` and ``-1 <= w_j <= 1`` (HiGHS), and
    returns ``(w / |w|, margin)`` with ``margin = min_i a_i w / (|a_i| |w|) > 0``.

    Raises
    ------
    DataError
        If the training set is not linearly separable through the origin (``s* = 0``).
    """
    n, dim = A.shape
    if n == 0:
        return np.eye(dim)[0], 1.0
    norms = np.linalg.norm(A, axis=1)
    if np.any(norms == 0):
        raise DataError("a training input is the zero vector: it lies on every hyperplane")
    rows = A / norms[:, None]
    cost = np.zeros(dim + 1)
    cost[-1] = -1.0
    result = linprog(cost, A_ub=np.hstack([-rows, np.ones((n, 1))]), b_ub=np.zeros(n),
                     bounds=[(-1, 1)] * dim + [(0, 1)], method="highs")
    if result.status != 0:
        raise DataError(f"the start-point linear program failed: {result.message}")
    w = result.x[:dim]
    norm = np.linalg.norm(w)
    margin = float(np.min(rows @ w) / norm) if norm > 0 else 0.0
    if margin <= 1e-12:
        raise DataError("the training set is not linearly separable by a perceptron without bias "
                        "(its version space is empty)")
    return w / norm, margin


def sample_version_space(X, y, n_samples: int = 500, n_chains: int = 4, method: str = "hmc",
                         burn_in: int | None = None, thin: int | None = None,
                         rng=None) -> VersionSpaceSample:
    """Draw directions uniformly from a perceptron's version space with an exact Markov chain.

    Parameters
    ----------
    X : array-like of shape (n, N)
        Training inputs (add a constant column for a bias).
    y : array-like of shape (n,)
        Labels in {-1, +1}; the training set must be linearly separable through the origin.
    n_samples : int
        Samples kept per chain.
    n_chains : int
        Independent chains (use >= 4 for the R-hat diagnostic).
    method : {"hmc", "hit_and_run"}
        The kernel (see :data:`METHODS` and the module notes).
    burn_in : int, optional
        Kernel steps discarded per chain; default ``100 N`` for hit-and-run, 20 for HMC.
    thin : int, optional
        Kernel steps between kept samples; default ``4 N`` for hit-and-run, 1 for HMC.
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    VersionSpaceSample

    Raises
    ------
    DataError
        If the training set is not linearly separable through the origin.

    Notes
    -----
    The samples are exactly uniform on ``V`` in the limit of long chains; check convergence
    with :func:`badminima.sampling.version_space_diagnostics.split_rhat` and
    :func:`~badminima.sampling.version_space_diagnostics.effective_sample_size`.
    """
    owner = "sample_version_space"
    A = constraint_matrix(X, y)
    dim = A.shape[1]
    kernel = METHODS.lookup(method, parameter="method", owner=owner)
    n_samples = check_int("n_samples", n_samples, owner, 1)
    n_chains = check_int("n_chains", n_chains, owner, 1)
    burn_in = check_int("burn_in", kernel.burn_in(dim) if burn_in is None else burn_in, owner, 0)
    thin = check_int("thin", kernel.thin(dim) if thin is None else thin, owner, 1)
    rng = np.random.default_rng(rng)
    start, margin = chebyshev_direction(A)
    points = kernel.run(A, start, n_chains, n_samples, burn_in, thin, rng)
    directions = points / np.linalg.norm(points, axis=-1, keepdims=True)
    return VersionSpaceSample(directions=directions, start=start, start_margin=margin,
                              method=method, burn_in=burn_in, thin=thin)


def angle_error(directions, teacher) -> np.ndarray:
    """True error of perceptrons ``w`` for isotropic inputs labelled by a teacher ``w*``.

    .. math:: \\varepsilon(w) = \\frac{1}{\\pi} \\arccos \\frac{w \\cdot w^*}{|w| |w^*|}

    (docs/science.md section 2, spherical perceptron: the disagreement region of two hyperplanes
    through the origin has Gaussian measure angle / pi). Shape: ``directions.shape[:-1]``.
    """
    directions = np.asarray(directions, dtype=float)
    teacher = np.asarray(teacher, dtype=float)
    cos = (directions @ teacher) / (np.linalg.norm(directions, axis=-1) * np.linalg.norm(teacher))
    return np.arccos(np.clip(cos, -1.0, 1.0)) / np.pi
