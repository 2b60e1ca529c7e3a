"""Free-form density: the section-2 Guess & Check experiment, fitted back to D."""

import numpy as np
import pytest

from badminima.errors import FitError
from badminima.fitting import LearningCurveFit
from badminima.fitting.data import curve_data
from badminima.fitting.nonparametric import _Problem, cell_edges
from badminima.theory import PiecewiseUniform, RareGoodTail, ShiftedBeta, learning_curve

A, B = 1.5, 6.0


def _guess_and_check(seed=0, population=200_000, seeds=4):
    """Sampled errors eps_k ~ Beta(A, B) and the Guess & Check learning curve they give.

    Per seed (an independent training sequence), classifier k errs first on sample T_k ~
    Geometric(eps_k): it has zero training error for every n < T_k. The survivors' mean
    error at n is the measured E_n (docs/science.md section 4, experiment 1, one pass per seed).
    """
    rng = np.random.default_rng(seed)
    eps = rng.beta(A, B, population)
    sizes = np.unique(np.geomspace(1, 400, 10).round())
    n, err = [], []
    for _ in range(seeds):
        first_error = rng.geometric(eps)
        for size in sizes:
            n.append(size)
            err.append(eps[first_error > size].mean())
    return eps, np.array(n), np.array(err)


def test_cell_curve_matches_theory_piecewise_uniform():
    rng = np.random.default_rng(0)
    sizes = np.array([1, 10, 1000, 1e6])
    data = curve_data(np.repeat(sizes, 2), rng.uniform(0.05, 0.1, 8))
    edges = cell_edges(data)
    w = rng.random(edges.size - 1)
    w[:10] = 0.0
    np.testing.assert_allclose(_Problem(edges, data, 1.0).curve(w / w.sum()),
                               learning_curve(PiecewiseUniform(edges, w), sizes), rtol=1e-12)


def test_floor_data_fitted_to_noise_level():
    """ShiftedBeta with a floor eps_min = 0.03 up to n = 60000: cells follow the curve."""
    sizes = np.geomspace(50, 60000, 10).round()
    rng = np.random.default_rng(1)
    n = np.repeat(sizes, 3)
    err = learning_curve(ShiftedBeta(1.2, 3.0, eps_min=0.03), n) * (1 + 0.03 * rng.standard_normal(n.size))
    fit = LearningCurveFit("nonparametric", n_bootstrap=0).fit(n, err)
    np.testing.assert_array_equal(fit.predict(sizes), learning_curve(fit.density_, sizes))
    assert fit.chi2_red_ < 5
    low, _ = fit.result_.extras["determined_eps_range"]
    assert low == pytest.approx(0.03, rel=0.05)


@pytest.fixture(scope="module")
def gc_fits():
    eps, n, err = _guess_and_check()
    nonparametric = LearningCurveFit("nonparametric", n_bootstrap=10).fit(n, err)
    beta = LearningCurveFit("shifted-beta", n_bootstrap=10).fit(n, err)
    return eps, n, err, nonparametric, beta


def test_nonparametric_density_agrees_with_the_sampled_errors(gc_fits):
    eps, _, _, fit, _ = gc_fits
    d = fit.density_
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert float(d.ppf(q)) == pytest.approx(np.quantile(eps, q), rel=0.12), q
    assert d.mean() == pytest.approx(eps.mean(), rel=0.03)
    low, high = fit.result_.extras["determined_eps_range"]
    assert low < np.min(fit.data_.means) and high > np.max(fit.data_.means)
    assert fit.chi2_red_ < 10


def test_section2_model_agrees_with_the_sampled_errors(gc_fits):
    eps, _, _, _, beta = gc_fits
    p, s = beta.params_, beta.stderr_
    assert p["eps_min"] < 0.002
    assert abs(p["a"] - A) < max(4 * s["a"], 0.1 * A)
    assert abs(p["b"] - B) < max(4 * s["b"], 0.1 * B)
    d = beta.density_
    assert d.mean() == pytest.approx(eps.mean(), rel=0.03)
    for q in (0.1, 0.5, 0.9):
        assert float(d.ppf(q)) == pytest.approx(np.quantile(eps, q), rel=0.05), q


def test_nonparametric_needs_three_sizes():
    with pytest.raises(FitError, match="at least 3 distinct n"):
        LearningCurveFit("nonparametric").fit([10, 10, 100, 100], [0.3, 0.31, 0.2, 0.21])
    with pytest.raises(FitError, match="only loss='wls'"):
        LearningCurveFit("nonparametric", loss="likelihood").fit([10, 100, 1000], [.3, .2, .1])


def test_real_data_like_slow_curve_is_fitted_and_extrapolated():
    """CIFAR-like: errors 0.8 -> 0.4 over n = 50..5000, binomial noise of 10000 test points."""
    sizes = np.array([50, 100, 200, 500, 1000, 2000, 5000], dtype=float)
    truth = RareGoodTail(eps_min=0.3, c=1.0, gamma=1.0)
    rng = np.random.default_rng(0)
    n = np.repeat(sizes, 3)
    err = rng.binomial(10_000, learning_curve(truth, n)) / 10_000
    fit = LearningCurveFit("nonparametric", n_bootstrap=0, eps_max=0.9).fit(n, err)
    assert fit.chi2_red_ < 10
    grid = np.unique(np.geomspace(1, 1e6, 100).round())
    assert np.all(np.diff(fit.predict(grid)) <= 1e-12)
    small = LearningCurveFit("nonparametric", n_bootstrap=0, eps_max=0.9).fit(n[n <= 500], err[n <= 500])
    big = sizes[sizes > 500]
    rel = np.abs(small.predict(big) - learning_curve(truth, big)).sum() / learning_curve(truth, big).sum()
    assert rel < 0.1
