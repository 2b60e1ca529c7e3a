"""Learning-curve laws: formulas, recovery by the shared fitting code, ranking, planning."""

import numpy as np
import pytest

from badminima.errors import FitError
from badminima.fitting import LearningCurveFit, compare_models, plan_sample_size
from badminima.fitting import laws


def test_law_formulas_at_points():
    assert laws.pow3(100.0, 0.1, 2.0, 0.5) == pytest.approx(0.3)
    assert laws.pow4(98.0, 0.1, 2.0, 0.5, 2.0) == pytest.approx(0.3)
    assert laws.mmf4(0.0, 0.6, 5.0, 0.1, 1.0) == pytest.approx(0.6)
    assert laws.mmf4(5.0, 0.6, 5.0, 0.1, 1.0) == pytest.approx(0.35)
    assert laws.wbl4(4.0, 0.1, 0.4, 0.5, 0.5) == pytest.approx(0.1 + 0.4 * np.exp(-1.0))
    assert laws.exp3(10.0, 0.1, 0.4, 0.1) == pytest.approx(0.1 + 0.4 * np.exp(-1.0))


def _pow3_runs(seed=0, rel_noise=0.02, seeds=4):
    rng = np.random.default_rng(seed)
    n = np.repeat(np.geomspace(50, 20000, 9).round(), seeds)
    truth = laws.pow3(n, 0.02, 1.5, 0.5)
    return n, truth + rng.normal(0.0, rel_noise * truth)


def test_pow3_recovered_within_bootstrap_errors():
    n, err = _pow3_runs()
    fit = LearningCurveFit("pow3", n_bootstrap=40, seed=1).fit(n, err)
    for name, true in {"a": 0.02, "b": 1.5, "c": 0.5}.items():
        assert abs(fit.params_[name] - true) < 4 * fit.stderr_[name], name
    assert 0.2 < fit.chi2_red_ < 5
    assert fit.density_ is None


def test_jacobian_errors_agree_with_bootstrap_in_scale():
    n, err = _pow3_runs(seed=2)
    # without the prior: the Laplace covariance with it adds the prior's misfit term, which the
    # bootstrap over runs does not see
    boot = LearningCurveFit("pow3", n_bootstrap=40, prior="none").fit(n, err)
    jac = LearningCurveFit("pow3", n_bootstrap=0, prior="none").fit(n, err)
    for name in ("a", "b", "c"):
        assert 0.2 < jac.stderr_[name] / boot.stderr_[name] < 5, name


def test_ranking_picks_pow3_over_exponential_laws():
    n, err = _pow3_runs(seed=3)
    reports = compare_models(n, err, models=("exp3", "wbl4", "pow3"), n_bootstrap=0)
    assert reports[0].model == "pow3"
    assert reports[0].extrapolation_error < 0.05
    assert reports[0].estimator.aic_ < min(r.estimator.aic_ for r in reports[1:])


def test_plan_inverts_the_fitted_law():
    n, err = _pow3_runs(seed=4)
    fit = LearningCurveFit("pow3", n_bootstrap=20).fit(n, err)
    a, b, c = (fit.params_[k] for k in "abc")
    plan = plan_sample_size(fit, 0.03)
    exact = ((0.03 - a) / b) ** (-1.0 / c)
    assert plan.n == int(np.ceil(exact))
    assert plan.low <= plan.n <= plan.high
    with pytest.raises(FitError, match="unreachable"):
        plan_sample_size(fit, 0.5 * a)


def test_too_few_sizes_and_likelihood_of_a_law_raise():
    with pytest.raises(FitError, match="4 parameters but the data have only 3"):
        LearningCurveFit("pow4", prior="none").fit([10, 100, 1000], [0.5, 0.3, 0.2])
    with pytest.raises(FitError, match="needs a density model"):
        LearningCurveFit("pow3", loss="likelihood").fit([10, 100, 1000], [0.5, 0.3, 0.2])


def test_seeded_fits_are_reproducible():
    n, err = _pow3_runs(seed=5)
    a = LearningCurveFit("wbl4", seed=7, n_bootstrap=5).fit(n, err)
    b = LearningCurveFit("wbl4", seed=7, n_bootstrap=5).fit(n, err)
    assert a.params_ == b.params_ and a.stderr_ == b.stderr_


def test_invalid_estimator_parameters():
    with pytest.raises(ValueError, match="'model' parameter of LearningCurveFit"):
        LearningCurveFit("gauss").fit([10, 100], [0.3, 0.2])
    with pytest.raises(ValueError, match="'n_bootstrap'"):
        LearningCurveFit("pow3", n_bootstrap=-1).fit([10, 100], [0.3, 0.2])
    with pytest.raises(FitError, match="not fitted"):
        LearningCurveFit("pow3").predict([10])
