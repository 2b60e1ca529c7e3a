"""RareGoodTail, Mixture, Memorization and Empirical against independent computations."""

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp

from badminima.theory import (
    Beta,
    Empirical,
    Memorization,
    Mixture,
    PowerLaw,
    RareGoodTail,
    ShiftedBeta,
    SphericalPerceptron,
    bad_fraction,
    error_std,
    learning_curve,
    log_acceptance,
    posterior,
)

mpmath.mp.dps = 30


def test_rare_good_tail_against_mpmath():
    m, c, g = 0.01, 0.5, 1.0
    d = RareGoodTail(m, c, g)
    dens = lambda e: mpmath.exp(-c * (e - m) ** (-g)) if e > m else mpmath.mpf(0)
    z0 = mpmath.quad(dens, [m, m + 0.1, 1])
    for n in (0, 10, 1000):
        pts = [*np.linspace(m, 0.1, 40), 0.3, 1]  # many breakpoints: the peak is sharp
        z = mpmath.quad(lambda e: dens(e) * (1 - e) ** n, pts)
        mean = mpmath.quad(lambda e: e * dens(e) * (1 - e) ** n, pts) / z
        assert float(log_acceptance(d, n)) == pytest.approx(float(mpmath.log(z / z0)), rel=1e-9, abs=1e-10)
        assert float(learning_curve(d, n)) == pytest.approx(float(mean), rel=1e-9)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0])
def test_rare_good_tail_power_law_exponent_below_one(gamma):
    d = RareGoodTail(0.02, 0.3, gamma)
    n = np.array([1e8, 1e9])
    excess = learning_curve(d, n) - 0.02
    slope = np.diff(np.log(excess)) / np.diff(np.log(n))
    assert slope[0] == pytest.approx(-1 / (1 + gamma), abs=0.02)


def test_mixture_of_betas_is_exact_combination():
    comps = [Beta(2, 30), Beta(1, 3)]
    w = np.array([0.25, 0.75])
    d = Mixture(comps, w)
    n = np.array([0, 5, 100, 1e6])
    z = np.stack([np.exp(log_acceptance(c, n)) for c in comps])
    pi = w[:, None] * z / (w[:, None] * z).sum(0)
    means = np.stack([learning_curve(c, n) for c in comps])
    np.testing.assert_allclose(learning_curve(d, n), (pi * means).sum(0), rtol=1e-12)
    np.testing.assert_allclose(log_acceptance(d, n), np.log((w[:, None] * z).sum(0)), rtol=1e-12, atol=1e-15)
    b = np.stack([bad_fraction(c, 0.05, n) for c in comps])
    np.testing.assert_allclose(bad_fraction(d, 0.05, n), (pi * b).sum(0), rtol=1e-12)


@pytest.mark.parametrize("rho", [0.2, 0.7])
def test_memorization_against_mpmath(rho):
    a, b = 2.0, 10.0
    d = Memorization(Beta(a, b), rho)
    r = 1 - rho
    for n in (0, 10, 500):
        f = lambda e, j: e ** (a - 1 + j) * (1 - e) ** (b - 1) * (1 - r * e) ** n
        z = mpmath.quad(lambda e: f(e, 0), [0, 0.02, 0.1, 1])
        mean = mpmath.quad(lambda e: f(e, 1), [0, 0.02, 0.1, 1]) / z
        assert float(log_acceptance(d, n)) == pytest.approx(float(mpmath.log(z / mpmath.beta(a, b))), rel=1e-10, abs=1e-12)
        assert float(learning_curve(d, n)) == pytest.approx(float(mean), rel=1e-9)


def test_memorization_learning_curve_is_not_raw_moment_ratio():
    d = Memorization(ShiftedBeta(1.0, 4.0, 0.05), 0.4)
    n = np.array([3.0, 30.0, 300.0])
    log_z = log_acceptance(d, n)
    log_z1 = log_acceptance(d, n + 1)
    np.testing.assert_allclose(learning_curve(d, n), -np.expm1(log_z1 - log_z) / 0.6, rtol=1e-9)
    raw = -np.expm1(d.log_moment(n + 1) - d.log_moment(n))
    assert np.all(np.abs(learning_curve(d, n) - raw) > 1e-3)


def test_memorization_rho_zero_is_separable():
    base = Beta(2, 30)
    n = np.array([0, 10, 1e6])
    np.testing.assert_allclose(learning_curve(Memorization(base, 0.0), n), learning_curve(base, n), rtol=1e-12)
    np.testing.assert_allclose(bad_fraction(Memorization(base, 0.0), 0.05, n), bad_fraction(base, 0.05, n), rtol=1e-12)


def test_empirical_one_atom():
    d = Empirical([0.2])
    n = np.array([0, 1, 100, 1e9])
    np.testing.assert_allclose(log_acceptance(d, n), n * np.log(0.8), rtol=1e-14)
    np.testing.assert_allclose(learning_curve(d, n), 0.2)
    np.testing.assert_allclose(error_std(d, n), 0.0, atol=1e-15)
    np.testing.assert_array_equal(bad_fraction(d, 0.1, n), 1.0)
    np.testing.assert_array_equal(bad_fraction(d, 0.3, n), 0.0)


def test_empirical_against_direct_sums_and_histogram():
    rng = np.random.default_rng(3)
    errors = rng.integers(0, 400, 5000) / 1000
    d = Empirical(errors)
    values, counts = np.unique(errors, return_counts=True)
    h = Empirical.from_histogram(values, counts)
    for n in (0, 7, 200):
        logw = np.log(counts) + n * np.log1p(-values)
        p = np.exp(logw - logsumexp(logw))
        assert float(log_acceptance(d, n)) == pytest.approx(logsumexp(logw) - np.log(counts.sum()), rel=1e-12, abs=1e-12)
        assert float(learning_curve(d, n)) == pytest.approx(p @ values, rel=1e-12)
        assert float(bad_fraction(d, 0.05, n)) == pytest.approx(p[values > 0.05].sum(), rel=1e-12)
        assert float(learning_curve(h, n)) == pytest.approx(float(learning_curve(d, n)), rel=1e-14)
    q = posterior(d, 200)
    np.testing.assert_allclose(q.probabilities, p, rtol=1e-10, atol=1e-300)
    assert float(q.cdf(0.05)) == pytest.approx(p[values <= 0.05].sum(), rel=1e-12)


def test_empirical_converges_to_beta_with_many_samples():
    beta = Beta(2, 30)
    d = Empirical(beta.sample(400_000, np.random.default_rng(0)))
    n = np.array([0, 10, 100])
    # statistical tolerance: E_n is a ratio of sample means; 400k draws give < 1% at these n
    np.testing.assert_allclose(learning_curve(d, n), learning_curve(beta, n), rtol=0.01)
    np.testing.assert_allclose(bad_fraction(d, 0.05, n), bad_fraction(beta, 0.05, n), rtol=0.03)


DENSITIES = [Beta(2, 30), ShiftedBeta(1, 5, 0.02, 0.9), PowerLaw(1.5, 0.6), SphericalPerceptron(7),
             RareGoodTail(0.01, 0.5, 1.0), Mixture([Beta(2, 30), Beta(3, 3)], [1, 1]),
             Memorization(Beta(2, 8), 0.5)]


@pytest.mark.parametrize("d", DENSITIES, ids=repr)
def test_density_integrates_to_one_and_quantiles_invert(d):
    from scipy.integrate import quad
    lo, hi = d.support
    total = quad(lambda e: float(d.pdf(e)), lo, hi, limit=200, points=[lo + 0.01 * (hi - lo)])[0]
    assert total == pytest.approx(1.0, rel=1e-7)
    q = np.array([1e-6, 0.1, 0.5, 0.9, 1 - 1e-6])
    np.testing.assert_allclose(d.cdf(d.ppf(q)), q, rtol=1e-8)
    np.testing.assert_allclose(d.cdf(0.3) + d.sf(0.3), 1.0, rtol=1e-12)


@pytest.mark.parametrize("d", DENSITIES, ids=repr)
def test_learning_curve_is_moment_ratio_and_samples_match(d):
    n = np.array([0.0, 4.0, 50.0])
    ratio = -np.expm1(log_acceptance(d, n + 1) - log_acceptance(d, n)) / d._consistency_rate
    np.testing.assert_allclose(learning_curve(d, n), ratio, rtol=1e-9)
    x = d.sample(20_000, np.random.default_rng(1))
    assert x.mean() == pytest.approx(d.mean(), abs=5 * d.std() / np.sqrt(x.size))
    q = posterior(d, 50)
    assert q.mean() == pytest.approx(float(learning_curve(d, 50)), rel=1e-8)
    assert float(q.sf(0.1)) == pytest.approx(float(bad_fraction(d, 0.1, 50)), rel=1e-8, abs=1e-300)
