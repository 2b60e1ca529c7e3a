"""Predictive distributions, ``auto`` and planning with intervals."""

import numpy as np
import pytest
from scipy import integrate

from badminima.fitting import LearningCurveFit, compare_models, laws, plan_sample_size
from badminima.fitting import auto
from badminima.fitting.auto import CANDIDATES, combination_weights, validation_splits
from badminima.fitting.predictive import PredictiveDistribution, Spread, log_scale

RNG = np.random.default_rng(1)
N = np.repeat(np.geomspace(25, 3200, 8).round(), 4)
TRUTH = laws.pow3(N, 0.02, 1.5, 0.5)
ERRORS = TRUTH * (1 + RNG.normal(0, 0.03, N.size))


def test_distribution_is_a_normalized_log_t():
    dist = PredictiveDistribution([0.1], [0.3], 4.0)
    total, _ = integrate.quad(lambda e: np.exp(dist.logpdf(e)[0]), 1e-6, 1.0, points=[0.1], limit=200)
    assert total == pytest.approx(1.0, abs=2e-3)  # the mass above 1 is ~1e-4
    low, high = dist.interval(0.8)
    assert dist.cdf(high)[0] - dist.cdf(low)[0] == pytest.approx(0.8)
    assert dist.ppf(0.5)[0] == pytest.approx(0.1)


def test_scale_grows_only_beyond_the_fitted_sizes():
    scale = log_scale(np.zeros(3), [100, 1000, np.e * 1000], 1000.0, 0.0, Spread(0.0, 0.2, 3))
    assert scale == pytest.approx([0.0, 0.0, 0.2])


@pytest.mark.parametrize("model", ["pow3", "shifted-beta", "nonparametric", "last"])
def test_every_model_has_an_interval_that_widens_with_extrapolation(model):
    est = LearningCurveFit(model, n_bootstrap=0).fit(N, ERRORS)
    n = np.array([100.0, 3200.0, 32000.0, 320000.0])
    low, high = est.predict_interval(n, level=0.8)
    mid = est.predict(n)
    assert np.all(low < mid) and np.all(mid < high)
    width = np.log(high / low)
    assert width[2] > width[1] and width[3] > width[2]
    wide_low, wide_high = est.predict_interval(n, level=0.95)
    assert np.all(wide_low <= low) and np.all(wide_high >= high)


def test_auto_weights_favour_the_candidates_that_extrapolate_the_curve():
    est = LearningCurveFit("auto", n_bootstrap=0).fit(N, ERRORS)
    weights = est.result_.extras["weights"]
    assert set(weights) == set(CANDIDATES) and sum(weights.values()) == pytest.approx(1.0)
    assert set(est.params_) == {f"w_{name}" for name in CANDIDATES}
    truth = laws.pow3(np.array([20000.0]), 0.02, 1.5, 0.5)
    assert abs(est.predict([20000.0])[0] / truth[0] - 1) < 0.25
    low, high = est.predict_interval([20000.0])
    assert low[0] < truth[0] < high[0]


def test_auto_answers_on_two_sizes_with_notes():
    n = np.repeat([100.0, 400.0], 2)
    est = LearningCurveFit("auto", n_bootstrap=0, prior="none").fit(n, laws.pow3(n, 0.05, 1.0, 0.5))
    assert validation_splits(2) == []
    notes = est.result_.extras["notes"]
    assert any(note.startswith("pow3:") and "3 parameters" in note for note in notes)
    assert list(est.params_) == ["w_pow2-tail"]
    assert np.isfinite(est.predict([1000.0])[0])
    # the learned prior determines pow3 on two sizes: both candidates answer
    est = LearningCurveFit("auto", n_bootstrap=0).fit(n, laws.pow3(n, 0.05, 1.0, 0.5))
    assert set(est.params_) == {f"w_{name}" for name in CANDIDATES}
    assert np.isfinite(est.predict([1000.0])[0])


def test_auto_falls_back_to_the_last_value_when_no_candidate_fits(monkeypatch):
    monkeypatch.setattr(auto, "CANDIDATES", ("pow4",))
    n = np.repeat([100.0, 200.0, 400.0], 2)
    est = LearningCurveFit("auto", n_bootstrap=0, prior="none").fit(n, laws.pow3(n, 0.05, 1.0, 0.5))
    assert list(est.params_) == ["w_last"]
    assert est.predict([1e4])[0] == pytest.approx(est.data_.means[-1])


def test_combination_weights_use_the_prior_without_validation():
    weights = combination_weights({"pow3": np.nan, "last": np.nan}, ("pow3", "last"))
    assert sum(weights.values()) == pytest.approx(1.0) and min(weights.values()) > 0


def test_plan_interval_comes_from_the_predictive_distribution():
    est = LearningCurveFit("pow3", n_bootstrap=0).fit(N, ERRORS)
    plan = plan_sample_size(est, 0.05, level=0.8)
    assert plan.low <= plan.n <= plan.high
    low, high = est.predict_interval([plan.low, plan.high], level=0.8)
    assert low[0] <= 0.05 + 1e-12 and high[1] <= 0.05 + 1e-12
    wide = plan_sample_size(est, 0.05, level=0.95)
    assert wide.low <= plan.low and wide.high >= plan.high


def test_report_json_carries_extrapolated_intervals():
    report = compare_models(N, ERRORS, models=["pow3"], n_bootstrap=0, level=0.9)[0]
    out = report.to_dict()
    assert out["interval_level"] == 0.9
    low, high = out["extrapolated_interval_low"], out["extrapolated_interval_high"]
    assert len(low) == len(high) == 8
    assert all(lo <= p <= hi for lo, p, hi in zip(low, out["extrapolated"], high))
