"""Empirical cdf/sf and the exponential bound: sorted-atom fast paths against brute force."""

import numpy as np
import pytest
from scipy.special import logsumexp

from badminima.theory import Empirical, Memorization, Mixture, bad_fraction, bad_fraction_bound, posterior

N_VALUES = np.array([0.0, 1.0, 3.0, 40.0, 1e3, 1e6, 1e9])


def _atoms(seed, k):
    """Errors with ties, exact 0 and 1, and optional weights."""
    rng = np.random.default_rng(seed)
    errors = np.round(rng.beta(2, 5, k), int(rng.integers(1, 5)))
    errors[rng.random(k) < 0.05] = 0.0
    errors[rng.random(k) < 0.05] = 1.0
    weights = rng.random(k) if seed % 2 else None
    return errors, weights


def _brute_log_cdf_sf(errors, weights, x, n, r=1.0):
    """One log-sum-exp over the raw samples per query point."""
    w = np.ones_like(errors) if weights is None else weights
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.log(w) + (0.0 if n == 0 else n * np.log1p(-r * errors))
    total = logsumexp(terms)
    cdf = np.array([logsumexp(np.where(errors <= v, terms, -np.inf)) for v in x]) - total
    sf = np.array([logsumexp(np.where(errors > v, terms, -np.inf)) for v in x]) - total
    return cdf, sf


def _assert_log_close(got, want):
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_cdf_sf_and_posterior_match_brute_force(seed):
    errors, weights = _atoms(seed, int(np.random.default_rng(seed).integers(1, 200)))
    d = Empirical(errors, weights)
    x = np.concatenate([np.random.default_rng(seed).random(30), d.values, [0.0, 1.0]])
    for n in N_VALUES:
        want_cdf, want_sf = _brute_log_cdf_sf(errors, weights, x, n)
        q = posterior(d, n)
        _assert_log_close(q.logcdf(x), want_cdf)
        _assert_log_close(q.logsf(x), want_sf)
        np.testing.assert_allclose(q.cdf(x) + q.sf(x), 1.0, rtol=1e-12)
        eps0 = x[(x > 0) & (x < 1)]
        np.testing.assert_allclose(bad_fraction(d, eps0, n), np.exp(want_sf[(x > 0) & (x < 1)]),
                                   rtol=1e-11, atol=1e-300)
    want_cdf, want_sf = _brute_log_cdf_sf(errors, weights, x, 0)
    _assert_log_close(d.logcdf(x), want_cdf)
    _assert_log_close(d.logsf(x), want_sf)


def test_tilted_cdf_mixes_many_n_in_one_call_and_keeps_the_shape():
    errors, weights = _atoms(3, 150)
    d = Empirical(errors, weights)
    x = np.linspace(0, 1, 13)
    n = np.array([[0.0], [7.0], [1e5]])
    for r in (1.0, 0.6):
        log_cdf, log_sf = d._log_cdf_sf(x[None, :], n, r)
        assert log_cdf.shape == (3, 13)
        for i, size in enumerate(n[:, 0]):
            want_cdf, want_sf = _brute_log_cdf_sf(errors, weights, x, size, r)
            _assert_log_close(log_cdf[i], want_cdf)
            _assert_log_close(log_sf[i], want_sf)
    assert np.shape(d.cdf(0.3)) == () and d.cdf(np.empty((0, 2))).shape == (0, 2)


def _brute_bound(errors, weights, eps0, n, rate=1.0):
    """min over atoms eps1 < eps0 of the docs/science.md §2 bound, one atom at a time."""
    w = np.ones_like(errors) if weights is None else weights
    w = w / w.sum()
    sf0 = w[errors > eps0].sum()
    best, arg = np.inf, np.nan
    for eps1 in np.unique(errors[errors < eps0]):
        cdf1 = w[errors <= eps1].sum()
        with np.errstate(divide="ignore"):
            log_b = (0.0 if n == 0 else n * (np.log1p(-rate * eps0) - np.log1p(-rate * eps1))) \
                + np.log(sf0) - np.log(cdf1)
        if log_b < best:
            best, arg = log_b, eps1
    return np.exp(min(best, 0.0)), (arg if np.isfinite(best) else np.nan)


@pytest.mark.parametrize("seed", range(6))
def test_bound_matches_brute_force(seed):
    errors, weights = _atoms(seed, 120)
    d = Empirical(errors, weights)
    eps0 = np.array([0.05, 0.2, 0.5, 0.95])[:, None]
    for density, rate in ((d, 1.0), (Memorization(d, 0.4), 0.6)):
        bound, eps1 = bad_fraction_bound(density, eps0, N_VALUES[None, :])
        assert bound.shape == eps1.shape == (4, N_VALUES.size)
        for i, e0 in enumerate(eps0[:, 0]):
            for j, n in enumerate(N_VALUES):
                want, arg = _brute_bound(errors, weights, e0, n, rate)
                assert bound[i, j] == pytest.approx(want, rel=1e-12, abs=1e-300)
                np.testing.assert_equal(eps1[i, j], arg)


def test_bound_edge_cases():
    # no atom below eps0: inf (capped at 1); no mass above eps0: 0; eps1 NaN in both
    bound, eps1 = bad_fraction_bound(Empirical([0.3, 0.4]), 0.2, [0, 10])
    np.testing.assert_array_equal(bound, 1.0)
    assert np.all(np.isnan(eps1))
    bound, eps1 = bad_fraction_bound(Empirical([0.1, 0.15]), 0.2, [0, 10])
    np.testing.assert_array_equal(bound, 0.0)
    assert np.all(np.isnan(eps1))
    mix = Mixture([Empirical([0.05, 0.3]), Empirical([0.1, 0.6])], [1, 3])
    bound, eps1 = bad_fraction_bound(mix, 0.2, 50)
    want = min((0.8 / (1 - e1)) ** 50 * float(mix.sf(0.2)) / float(mix.cdf(e1)) for e1 in (0.05, 0.1))
    assert float(bound) == pytest.approx(want, rel=1e-12)
    assert float(eps1) in (0.05, 0.1)


def test_bound_and_posterior_cdf_scale_to_many_distinct_atoms():
    rng = np.random.default_rng(0)
    d = Empirical(rng.beta(2, 8, 200_000))  # continuous errors: 2e5 distinct atoms
    assert d.values.size == 200_000
    n = np.round(np.geomspace(1, 1e6, 50))
    n = np.unique(np.concatenate([n, np.arange(50.0)]))[:50]
    bound, eps1 = bad_fraction_bound(d, 0.3, n)  # timed in benchmarks/bench_theory.py
    assert bound.shape == (50,) and np.all(eps1 < 0.3)
    assert np.all(bound >= bad_fraction(d, 0.3, n) * (1 - 1e-9))
    big = Empirical(rng.beta(2, 8, 1_000_000))
    cdf = posterior(big, 100).cdf(np.linspace(0, 1, 201))
    assert np.all(np.diff(cdf) >= 0) and cdf[-1] == pytest.approx(1.0, rel=1e-12)
