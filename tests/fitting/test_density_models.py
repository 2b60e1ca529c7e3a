"""Density models: synthetic curves from known densities are recovered, the true family wins."""

import numpy as np
import pytest

from badminima.fitting import LearningCurveFit, compare_models, plan_sample_size
from badminima.theory import RareGoodTail, ShiftedBeta, learning_curve

SIZES = np.geomspace(20, 20000, 10).round()


def _runs(density, seed, rel_noise=0.03, seeds=3):
    """Per-run errors: the exact E_n of ``density`` with Gaussian relative noise."""
    rng = np.random.default_rng(seed)
    n = np.repeat(SIZES, seeds)
    mean = learning_curve(density, n)
    return n, mean * (1 + rel_noise * rng.standard_normal(n.size))


def test_prediction_is_the_theory_learning_curve():
    n, err = _runs(ShiftedBeta(1.2, 3.0, eps_min=0.03), seed=0)
    fit = LearningCurveFit("shifted-beta", n_bootstrap=0).fit(n, err)
    np.testing.assert_array_equal(fit.predict(SIZES), learning_curve(fit.density_, SIZES))
    p = fit.params_
    closed = p["eps_min"] + (1 - p["eps_min"]) * p["a"] / (p["a"] + p["b"] + SIZES)
    np.testing.assert_allclose(fit.predict(SIZES), closed, rtol=1e-10)


def test_rare_good_tail_recovered_and_ranked_first():
    truth = {"eps_min": 0.02, "c": 0.5, "gamma": 1.0}
    n, err = _runs(RareGoodTail(**truth), seed=1)
    reports = compare_models(n, err, models=("shifted-beta", "rare-good-tail", "exp3"),
                             n_bootstrap=15)
    assert reports[0].model == "rare-good-tail"
    best = reports[0].estimator
    assert best.aic_ < min(r.estimator.aic_ for r in reports[1:]) - 10
    for name, value in truth.items():
        assert abs(best.params_[name] - value) < 4 * best.stderr_[name], name
    assert 0.2 < best.chi2_red_ < 4


def test_shifted_beta_recovered_and_preferred_by_aic():
    truth = {"eps_min": 0.03, "a": 1.2, "b": 3.0}
    n, err = _runs(ShiftedBeta(truth["a"], truth["b"], eps_min=truth["eps_min"]), seed=2)
    sb = LearningCurveFit("shifted-beta", n_bootstrap=30).fit(n, err)
    for name, value in truth.items():
        assert abs(sb.params_[name] - value) < 4 * sb.stderr_[name], name
    wrong = LearningCurveFit("exp3", n_bootstrap=0).fit(n, err)
    assert sb.aic_ < wrong.aic_ - 10
    plan = plan_sample_size(sb, 0.035)
    p = sb.params_
    exact = (1 - p["eps_min"]) * p["a"] / (0.035 - p["eps_min"]) - p["a"] - p["b"]
    assert plan.n == int(np.ceil(exact))
    with pytest.raises(Exception, match="unreachable"):
        plan_sample_size(sb, 0.5 * p["eps_min"])


def test_likelihood_recovers_a_shifted_beta_from_posterior_draws():
    from badminima.theory import posterior
    density = ShiftedBeta(2.0, 5.0, eps_min=0.05)
    rng = np.random.default_rng(3)
    sizes = np.geomspace(5, 2000, 8).round()
    n = np.repeat(sizes, 40)
    err = np.concatenate([posterior(density, s).sample(40, rng) for s in sizes])
    fit = LearningCurveFit("shifted-beta", loss="likelihood", n_bootstrap=0).fit(n, err)
    assert fit.params_["eps_min"] == pytest.approx(0.05, abs=0.01)
    assert fit.params_["a"] == pytest.approx(2.0, rel=0.5)
    assert fit.bic_ > fit.aic_  # ln(320 runs) > 2


def test_memorization_fits_and_reports_rho():
    n, err = _runs(ShiftedBeta(1.2, 3.0, eps_min=0.03), seed=4)
    fit = LearningCurveFit("memorization", n_bootstrap=0).fit(n, err)
    assert set(fit.params_) == {"eps_min", "a", "b", "rho"}
    assert 0 <= fit.params_["rho"] <= 0.999
    assert fit.params_["eps_min"] == pytest.approx(0.03, abs=0.003)
    assert fit.chi2_red_ < 5
