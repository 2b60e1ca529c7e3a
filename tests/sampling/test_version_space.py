"""Version-space samplers: uniform on cones whose law is known in closed form."""

import numpy as np
import pytest
from scipy import stats

from badminima.errors import DataError, InvalidParameterError
from badminima.sampling.version_space import (
    METHODS, angle_error, chebyshev_direction, constraint_matrix, sample_version_space)

# One kept sample from each of many independent chains: the draws are independent, so
# classical goodness-of-fit tests apply.
MANY_CHAINS = dict(n_samples=1, n_chains=3000)


def _independent_draws(X, y, method, seed):
    sample = sample_version_space(X, y, method=method, rng=seed, **MANY_CHAINS)
    return sample.directions[:, 0]


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("dim", [3, 5])
def test_one_constraint_gives_the_half_sphere_law(method, dim):
    # u = <w, a>/|a| for w uniform on S^(N-1) has density ∝ (1 - u^2)^((N-3)/2); on the
    # half-sphere u > 0 it is doubled: N = 3 uniform on [0, 1], N = 5 cdf (3u - u^3)/2.
    rng = np.random.default_rng(dim)
    a = rng.standard_normal(dim)
    w = _independent_draws(a[None, :], np.array([1]), method, seed=dim)
    u = w @ a / np.linalg.norm(a)
    assert np.all(u > 0)
    cdf = {3: lambda x: x, 5: lambda x: (3 * x - x ** 3) / 2}[dim]
    assert stats.kstest(u, cdf).pvalue > 1e-3


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("dim", [3, 4])
def test_two_constraints_give_a_lune_with_uniform_azimuth(method, dim):
    # In the plane of the normals a1, a2 the azimuth of a uniform sphere point is uniform;
    # the lune {a1.w > 0, a2.w > 0} is the wedge of azimuths of opening pi - phi, phi the
    # angle between a1 and a2. The fraction in any sub-wedge is its angle ratio.
    phi = 2.0
    e1, e2 = np.eye(dim)[0], np.eye(dim)[1]
    a1, a2 = e1, np.cos(phi) * e1 + np.sin(phi) * e2
    w = _independent_draws(np.stack([a1, -a2]), np.array([1, -1]), method, seed=10 + dim)
    azimuth = np.arctan2(w @ e2, w @ e1)            # a1.w > 0 and a2.w > 0 <=> azimuth in
    low, high = phi - np.pi / 2, np.pi / 2          # (phi - pi/2, pi/2)
    assert np.all((azimuth > low) & (azimuth < high))
    assert stats.kstest(azimuth, stats.uniform(low, high - low).cdf).pvalue > 1e-3
    sub = (azimuth > low) & (azimuth < low + 0.25 * (high - low))
    assert abs(sub.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / sub.size)


def _teacher_problem(dim, n, seed):
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal(dim)
    X = rng.standard_normal((n, dim))
    return teacher, X, np.where(X @ teacher > 0, 1, -1)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_agrees_with_rejection_sampling(method):
    teacher, X, y = _teacher_problem(dim=5, n=6, seed=3)
    rng = np.random.default_rng(4)
    W = rng.standard_normal((400_000, 5))
    accepted = W[np.all((W @ X.T) * y > 0, axis=1)]
    assert accepted.shape[0] > 2000
    gibbs = _independent_draws(X, y, method, seed=5)
    rejection_err, gibbs_err = angle_error(accepted, teacher), angle_error(gibbs, teacher)
    assert stats.ks_2samp(rejection_err, gibbs_err).pvalue > 1e-3
    stderr = np.hypot(rejection_err.std() / np.sqrt(rejection_err.size), gibbs_err.std() / np.sqrt(gibbs_err.size))
    assert abs(rejection_err.mean() - gibbs_err.mean()) < 4 * stderr


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_sample_has_zero_training_error_and_seed_reproduces(method):
    _, X, y = _teacher_problem(dim=10, n=200, seed=1)
    first = sample_version_space(X, y, n_samples=30, n_chains=4, method=method, rng=7)
    again = sample_version_space(X, y, n_samples=30, n_chains=4, method=method, rng=7)
    assert first.directions.shape == (4, 30, 10)
    assert np.all(np.einsum("csn,in->csi", first.directions, constraint_matrix(X, y)) > 0)
    np.testing.assert_allclose(np.linalg.norm(first.directions, axis=-1), 1.0)
    np.testing.assert_array_equal(first.directions, again.directions)


def test_chebyshev_direction_maximizes_the_margin():
    # Cone {w1 > 0, w2 > 0} in R^2: the Chebyshev direction is the diagonal, margin sin(pi/4).
    start, margin = chebyshev_direction(np.eye(2))
    np.testing.assert_allclose(start, [np.sqrt(0.5)] * 2, atol=1e-7)
    assert margin == pytest.approx(np.sqrt(0.5), abs=1e-7)


def test_angle_error_matches_a_test_pool():
    rng = np.random.default_rng(0)
    teacher, w = rng.standard_normal(6), rng.standard_normal(6)
    pool = rng.standard_normal((400_000, 6))
    measured = np.mean(np.sign(pool @ teacher) != np.sign(pool @ w))
    exact = angle_error(w, teacher)
    assert abs(measured - exact) < 4 * np.sqrt(exact * (1 - exact) / pool.shape[0])


def test_not_separable_raises():
    X = np.array([[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(DataError, match="not linearly separable"):
        sample_version_space(X, np.array([1, -1]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.ones((3, 2)), y=np.array([1, 0, 1])), "labels -1 and \\+1"),
    (dict(X=np.ones((3, 2)), y=np.array([1, 1])), "shape \\(3,\\)"),
    (dict(X=np.ones(3), y=np.array([1, 1, 1])), "2-d array"),
    (dict(X=np.eye(2), y=np.array([1, 1]), method="gibbs"), "'method'"),
    (dict(X=np.eye(2), y=np.array([1, 1]), n_chains=0), "'n_chains'"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        sample_version_space(**kwargs)
