"""``LearningCurveFit`` is a scikit-learn estimator; every model name has one registry entry."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from badminima.errors import FitError, InvalidParameterError
from badminima.fitting import MODEL_NAMES, LearningCurveFit, get_model, laws

N = np.repeat([50, 100, 200, 400, 800, 1600], 3).astype(float)
ERRORS = laws.pow3(N, 0.05, 2.0, 0.5) * (1 + 0.02 * np.tile([-1.0, 0.0, 1.0], 6))


def test_params_clone_repr():
    est = LearningCurveFit("pow3", n_bootstrap=0)
    assert est.get_params()["model"] == "pow3"
    assert repr(est) == "LearningCurveFit(model='pow3', n_bootstrap=0)"
    copy = clone(est).set_params(seed=3)
    assert copy.seed == 3 and est.seed == 0
    assert LearningCurveFit().model == "auto"


def test_check_is_fitted_and_fitted_attributes():
    est = LearningCurveFit("pow3", n_bootstrap=0)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(FitError, match="not fitted"):
        est.predict([10])
    est.fit(N, ERRORS)
    check_is_fitted(est)
    assert set(est.params_) == {"a", "b", "c"} and est.params_["a"] == pytest.approx(0.05, abs=0.01)
    assert clone(est).get_params() == est.get_params() and not hasattr(clone(est), "params_")


def test_two_dimensional_input_is_rejected():
    with pytest.raises(FitError, match="n must be 1-D .* shape \\(18, 1\\)"):
        LearningCurveFit("pow3").fit(N[:, None], ERRORS)
    with pytest.raises(FitError, match="errors must be 1-D"):
        LearningCurveFit("pow3").fit(N, np.c_[ERRORS, ERRORS])


@pytest.mark.parametrize("params, name", [({"model": "gauss"}, "model"), ({"loss": "l1"}, "loss"),
                                          ({"n_starts": 0}, "n_starts"), ({"eps_max": 1.5}, "eps_max")])
def test_each_parameter_rule_names_the_parameter(params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of LearningCurveFit"):
        LearningCurveFit(**params).fit(N, ERRORS)


def test_every_model_name_has_a_spec_and_fits():
    assert get_model("nonparametric").kind == "free-form"
    assert get_model("auto").kind == "combination"
    for name in MODEL_NAMES:
        assert get_model(name).name == name
    with pytest.raises(InvalidParameterError, match="Known models: auto"):
        get_model("gauss")


def test_last_value_baseline_predicts_the_last_mean():
    est = LearningCurveFit("last").fit(N, ERRORS)
    assert est.predict([1e5])[0] == pytest.approx(np.mean(ERRORS[-3:]))
