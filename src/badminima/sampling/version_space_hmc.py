"""Exact reflective Hamiltonian Monte Carlo for a standard Gaussian truncated to ``{A w > 0}``.

If ``w ~ N(0, I_N)`` restricted to the cone ``K = {A w > 0}``, then ``w / |w|`` is uniform on
``K ∩ S^(N-1)`` (the Gaussian is isotropic and ``K`` is invariant under scaling). With the
Hamiltonian ``|w|^2 / 2 + |v|^2 / 2`` the equations of motion are solved exactly,

.. math:: w(t) = w \\cos t + v \\sin t, \\qquad v(t) = v \\cos t - w \\sin t,

and a wall ``a_i w = 0`` is hit at the first ``t > 0`` with
``a_i w(t) = a_i w \\cos t + a_i v \\sin t = 0``, i.e. ``t_i = atan2(a_i v, a_i w) + pi / 2``;
there the velocity is reflected, ``v <- v - 2 (a_i v / |a_i|^2) a_i``. Each iteration draws a
fresh ``v ~ N(0, I)`` and travels for time ``T`` (``pi / 2`` by default, which makes one
iteration an exact independent draw when no wall is hit). No step size, no rejection: every
iteration moves, and the chain leaves the truncated Gaussian invariant.

References
----------
A. Pakman and L. Paninski, "Exact Hamiltonian Monte Carlo for truncated multivariate
Gaussians", Journal of Computational and Graphical Statistics 23 (2014).
P. Ruján, "Playing billiards in version space", Neural Computation 9 (1997).
"""

from __future__ import annotations

import numpy as np

__all__ = ["reflective_hmc", "run_reflective_hmc"]

#: Wall times below this are the wall just reflected from, seen again through rounding.
_MIN_TIME = 1e-10


def reflective_hmc(A: np.ndarray, W: np.ndarray, n_iter: int, rng: np.random.Generator,
                   travel_time: float = np.pi / 2, record_every: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Run ``n_iter`` exact-HMC iterations of every chain (row of ``W``) in ``{A w > 0}``.

    Parameters
    ----------
    A : ndarray of shape (n, N)
        Constraint rows ``y_i x_i``.
    W : ndarray of shape (n_chains, N)
        Current points, strictly inside the cone. Not modified.
    n_iter : int
        Trajectories per chain.
    rng : numpy.random.Generator
        Source of the velocities.
    travel_time : float
        Duration ``T`` of each trajectory.
    record_every : int
        When positive, the points after every ``record_every``-th iteration are returned.

    Returns
    -------
    W : ndarray of shape (n_chains, N)
    record : ndarray of shape (n_chains, n_iter // record_every, N)
    """
    W = np.array(W, dtype=float, copy=True)
    norms2 = np.einsum("ij,ij->i", A, A)
    n_rec = n_iter // record_every if record_every > 0 else 0
    record = np.empty((W.shape[0], n_rec, W.shape[1]))
    for it in range(1, n_iter + 1):
        V = rng.standard_normal(W.shape)
        remaining = np.full(W.shape[0], float(travel_time))
        moving = np.arange(W.shape[0])
        while moving.size:
            w, v = W[moving], V[moving]
            hit = np.arctan2(v @ A.T, w @ A.T) + np.pi / 2
            hit[hit < _MIN_TIME] = np.inf
            wall = np.argmin(hit, axis=1) if A.shape[0] else np.zeros(moving.size, dtype=int)
            t_wall = hit[np.arange(moving.size), wall] if A.shape[0] else np.full(moving.size, np.inf)
            t = np.minimum(t_wall, remaining[moving])
            cos, sin = np.cos(t)[:, None], np.sin(t)[:, None]
            w, v = w * cos + v * sin, v * cos - w * sin
            bounce = t_wall < remaining[moving]
            if A.shape[0]:
                a = A[wall]
                coef = np.where(bounce, 2.0 * np.einsum("ij,ij->i", v, a) / norms2[wall], 0.0)
                v = v - coef[:, None] * a
            W[moving], V[moving] = w, v
            remaining[moving] -= t
            moving = moving[bounce]
        if n_rec and it % record_every == 0:
            record[:, it // record_every - 1] = W
    return W, record


def run_reflective_hmc(A: np.ndarray, start: np.ndarray, n_chains: int, n_samples: int,
                       burn_in: int, thin: int, rng: np.random.Generator,
                       travel_time: float = np.pi / 2) -> np.ndarray:
    """Chains of exact HMC from ``sqrt(N) start``; returns kept points (n_chains, n_samples, N).

    ``burn_in`` and ``thin`` count trajectories.
    """
    W = np.tile(np.sqrt(A.shape[1]) * start, (n_chains, 1))
    W, _ = reflective_hmc(A, W, burn_in, rng, travel_time)
    return reflective_hmc(A, W, n_samples * thin, rng, travel_time, record_every=thin)[1]
