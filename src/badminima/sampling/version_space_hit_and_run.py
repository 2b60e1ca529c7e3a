"""Hit-and-run kernel: uniform points of the convex body ``{A w > 0} ∩ B`` (B the unit ball).

From ``w``, draw a direction ``d``, compute the exact chord ``{w + t d}`` inside the body (the
linear inequalities ``a_i (w + t d) > 0`` and the quadratic ``|w + t d|^2 <= 1``) and move to
a uniform point on it. For any direction law symmetric under ``d -> -d`` the kernel is
reversible with respect to the uniform law on the body, so directions may be drawn from
``N(0, Sigma)`` with ``Sigma`` estimated during burn-in ("rounding") and fixed afterwards.

Uniform on ``K ∩ B`` gives uniform directions on ``K ∩ S^(N-1)``: ``K`` is a cone, so the
radial density ``r^(N-1)`` factorizes from the direction.

References
----------
R. L. Smith, "Efficient Monte Carlo procedures for generating points uniformly distributed
over bounded regions", Operations Research 32 (1984).
L. Lovász, "Hit-and-run mixes fast", Mathematical Programming 86 (1999).
"""

from __future__ import annotations

import numpy as np

__all__ = ["hit_and_run", "run_hit_and_run"]

#: Margins are clipped at this value before a chord is computed, so that rounding never
#: places the current point outside its own chord.
_TINY = 1e-300


def _chord(W, D, P, Q):
    """Interval ``[lo, hi]`` of ``t`` with ``W + t D`` in the ball and every margin positive."""
    P = np.maximum(P, _TINY)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -P / Q
    lo_lin = np.max(np.where(Q > 0, ratio, -np.inf), axis=1, initial=-np.inf)
    hi_lin = np.min(np.where(Q < 0, ratio, np.inf), axis=1, initial=np.inf)
    a = np.einsum("ij,ij->i", D, D)
    b = np.einsum("ij,ij->i", W, D)
    c = np.einsum("ij,ij->i", W, W) - 1.0
    root = np.sqrt(np.maximum(b * b - a * c, 0.0))
    return np.maximum(lo_lin, (-b - root) / a), np.minimum(hi_lin, (-b + root) / a)


def hit_and_run(A: np.ndarray, W: np.ndarray, n_steps: int, rng: np.random.Generator,
                chol: np.ndarray | None = None, record_every: int = 0,
                refresh_every: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Run ``n_steps`` hit-and-run steps of every chain (row of ``W``) in ``{A w > 0} ∩ B``.

    Parameters
    ----------
    A : ndarray of shape (n, N)
        Constraint rows ``y_i x_i``.
    W : ndarray of shape (n_chains, N)
        Current points, strictly inside the body. Not modified.
    n_steps : int
        Steps per chain.
    rng : numpy.random.Generator
        Source of directions and chord positions.
    chol : ndarray of shape (N, N), optional
        Cholesky factor ``L`` of the direction covariance (``d = L z``, ``z ~ N(0, I)``);
        isotropic directions when omitted.
    record_every : int
        When positive, the points after every ``record_every``-th step are returned.
    refresh_every : int
        Margins ``A w`` are updated incrementally and recomputed exactly this often.

    Returns
    -------
    W : ndarray of shape (n_chains, N)
        The final points.
    record : ndarray of shape (n_chains, n_steps // record_every, N)
        The recorded points (empty when ``record_every`` is 0).
    """
    W = np.array(W, dtype=float, copy=True)
    n_rec = n_steps // record_every if record_every > 0 else 0
    record = np.empty((W.shape[0], n_rec, W.shape[1]))
    P = W @ A.T
    for step in range(1, n_steps + 1):
        D = rng.standard_normal(W.shape)
        if chol is not None:
            D = D @ chol.T
        Q = D @ A.T
        lo, hi = _chord(W, D, P, Q)
        t = lo + rng.random(W.shape[0]) * (hi - lo)
        W += t[:, None] * D
        P = W @ A.T if step % refresh_every == 0 else P + t[:, None] * Q
        if n_rec and step % record_every == 0:
            record[:, step // record_every - 1] = W
    return W, record


def _rounding(points: np.ndarray) -> np.ndarray:
    """Cholesky factor of the pooled covariance of ``points`` (n_chains, k, N), regularized."""
    cov = np.cov(points.reshape(-1, points.shape[-1]), rowvar=False)
    cov += np.eye(cov.shape[0]) * (1e-12 + 1e-6 * np.trace(cov) / cov.shape[0])
    return np.linalg.cholesky(cov / (np.trace(cov) / cov.shape[0]))


def run_hit_and_run(A: np.ndarray, start: np.ndarray, n_chains: int, n_samples: int,
                    burn_in: int, thin: int, rng: np.random.Generator,
                    adapt: bool = True) -> np.ndarray:
    """Chains of hit-and-run from ``0.5 start``; returns kept points (n_chains, n_samples, N).

    ``burn_in`` and ``thin`` count steps. With ``adapt``, the direction covariance is
    estimated twice during the burn-in (each time from the second half of ``burn_in // 2``
    steps) and then kept fixed for the rest of the burn-in and all kept samples.
    """
    W = np.tile(0.5 * start, (n_chains, 1))
    chol = None
    quarter = burn_in // 4
    if adapt and quarter >= 2:
        for _ in range(2):
            W, rec = hit_and_run(A, W, 2 * quarter, rng, chol, record_every=1)
            chol = _rounding(rec[:, quarter:])
        W, _ = hit_and_run(A, W, burn_in - 4 * quarter, rng, chol)
    else:
        W, _ = hit_and_run(A, W, burn_in, rng, chol)
    return hit_and_run(A, W, n_samples * thin, rng, chol, record_every=thin)[1]
