"""The prior over curve shapes: the shipped file, learning it, the posterior, ``prior=``."""

import json

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.errors import DataError, InvalidParameterError
from badminima.fitting import LearningCurveFit, get_model, laws
from badminima.fitting.parametric import _Transform
from badminima.fitting.prior import (
    CurvePrior,
    ParameterPrior,
    learn_curve_prior,
    MIN_SD,
    learn_parameter_prior,
    load_prior,
    resolve_prior,
)

RNG = np.random.default_rng(3)
N = np.repeat(np.geomspace(20, 2000, 7).round(), 3)
ERRORS = laws.pow3(N, 0.04, 1.2, 0.45) * (1 + RNG.normal(0, 0.03, N.size))


def _coords(model, theta):
    return _Transform(get_model(model), 1.0).to_u(theta)


@pytest.mark.parametrize("model", ["pow3", "pow4", "mmf4", "pow2-tail", "shifted-beta"])
def test_shipped_prior_loads_and_is_valid(model):
    prior = load_prior()
    assert prior.source and "even OpenML ids" in prior.source
    p = prior.get(model)
    assert p.k == get_model(model).n_params and p.n_curves >= 20
    assert np.all(np.linalg.eigvalsh(p.cov) > 0) and 0 < p.misfit < 0.5
    assert prior.get("nonparametric") is None  # the free-form density has no prior
    assert CurvePrior.from_dict(json.loads(json.dumps(prior.to_dict()))).get(model).k == p.k


def test_learning_recovers_the_population_mean():
    """Curves drawn from a known population of pow3 parameters: the prior's mean is close."""
    rng = np.random.default_rng(0)
    mean = np.array([0.05, np.log(1.5), np.log(0.5)])
    sd = np.array([0.01, 0.3, 0.15])
    n = np.repeat(np.geomspace(16, 4096, 9).round(), 3)
    estimates = []
    for _ in range(30):
        u = mean + sd * rng.normal(size=3)
        a, b, c = u[0], np.exp(u[1]), np.exp(u[2])
        errors = laws.pow3(n, a, b, c) * (1 + rng.normal(0, 0.01, n.size))
        fit = LearningCurveFit("pow3", n_bootstrap=0, prior="none").fit(n, np.clip(errors, 0, 1))
        estimates.append(_coords("pow3", fit.result_.theta))
    learned = learn_parameter_prior(np.array(estimates), misfits=[0.01] * 30)
    assert np.all(np.abs(learned.mean - mean) < 3 * sd / np.sqrt(30) + 0.02)
    learned_sd = np.sqrt(np.diag(learned.cov))
    assert np.all(np.abs(learned_sd[1:] / sd[1:] - 1) < 0.6)
    assert learned_sd[0] == pytest.approx(MIN_SD)  # the floor of a prior's spread
    assert learned.misfit == pytest.approx(0.01) and learned.n_curves == 30


def test_learning_needs_enough_curves_and_skips_models_without():
    with pytest.raises(InvalidParameterError, match="at least 5"):
        learn_parameter_prior(np.zeros((3, 2)))
    prior = learn_curve_prior({"pow3": np.random.default_rng(1).normal(size=(8, 3)),
                               "pow4": np.zeros((2, 4))})
    assert prior.get("pow3") is not None and prior.get("pow4") is None


def test_a_very_wide_prior_gives_the_fit_without_prior():
    base = load_prior().get("pow3")
    wide = CurvePrior({"pow3": ParameterPrior(base.mean, base.cov * 1e10, 0.0)})
    with_prior = LearningCurveFit("pow3", n_bootstrap=0, prior=wide).fit(N, ERRORS)
    without = LearningCurveFit("pow3", n_bootstrap=0, prior="none").fit(N, ERRORS)
    for name in ("a", "b", "c"):
        assert with_prior.params_[name] == pytest.approx(without.params_[name], rel=1e-3, abs=1e-5)
    assert with_prior.predict([1e5])[0] == pytest.approx(without.predict([1e5])[0], rel=1e-3)


def test_prior_none_reproduces_the_fits_before_the_prior():
    """Numbers pinned from the code before issue 19 (same curve, same settings)."""
    expected = {"auto": [0.0661057078554019, 0.04511470118805518],
                "pow3": [0.06835322281704209, 0.05420157937167428],
                "shifted-beta": [0.07575784449994837, 0.07181156845931935]}
    for model, values in expected.items():
        fit = LearningCurveFit(model, n_bootstrap=0, prior="none").fit(N, ERRORS)
        assert fit.predict([5000.0, 50000.0]) == pytest.approx(values, rel=1e-6)
    low, high = LearningCurveFit("auto", n_bootstrap=0, prior="none").fit(N, ERRORS) \
        .predict_interval([50000.0])
    assert (low[0], high[0]) == pytest.approx((0.03276123, 0.06212636), rel=1e-5)


def test_a_short_curve_is_pulled_towards_the_prior():
    n, errors = N[:9], ERRORS[:9]  # three sizes: pow3 is exactly determined, pow4 is not
    prior = load_prior()
    p = prior.get("pow3")
    free = LearningCurveFit("pow3", n_bootstrap=0, prior="none").fit(n, errors)
    pulled = LearningCurveFit("pow3", n_bootstrap=0).fit(n, errors)

    def distance(fit):
        return float(np.sum(p.whiten(_coords("pow3", fit.result_.theta)) ** 2))

    assert distance(pulled) < distance(free)
    assert pulled.result_.extras["prior_penalty"] == pytest.approx(distance(pulled))
    with pytest.raises(Exception, match="4 parameters"):
        LearningCurveFit("pow4", n_bootstrap=0, prior="none").fit(n, errors)
    pow4 = LearningCurveFit("pow4", n_bootstrap=0).fit(n, errors)  # the prior determines it
    low, high = pow4.predict_interval([1e4])
    assert 0 < low[0] < pow4.predict([1e4])[0] < high[0] < 1


@pytest.mark.parametrize("value", ["learnt", None, 3, "NONE"])
def test_bad_prior_values_raise_a_clear_error(value):
    with pytest.raises(InvalidParameterError,
                       match="'prior' parameter of LearningCurveFit must be one of 'learned', "
                             "'none' or a CurvePrior"):
        LearningCurveFit("pow3", prior=value).fit(N, ERRORS)
    with pytest.raises(InvalidParameterError, match="'prior' parameter of fit"):
        resolve_prior(value, "fit")


def test_malformed_prior_files_are_data_errors(tmp_path):
    path = tmp_path / "prior.json"
    path.write_text('{"format": 1, "models": {"pow3": {"mean": [0, 0], "cov": [[1]]}}}')
    with pytest.raises(DataError):
        load_prior(path)
    path.write_text("not json")
    with pytest.raises(DataError, match="cannot read a curve prior"):
        load_prior(path)
    with pytest.raises(DataError, match="not positive definite"):
        ParameterPrior([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], 0.0)


def _write_csv(path, n, errors):
    path.write_text("n,test_error\n" + "".join(f"{int(a)},{float(e)!r}\n"
                                               for a, e in zip(n, errors)))
    return path


def test_cli_prior_flag(tmp_path, capsys):
    short = _write_csv(tmp_path / "short.csv", N[:9], ERRORS[:9])
    curve = _write_csv(tmp_path / "curve.csv", N, ERRORS)
    # with the learned prior (default) pow4 fits three sizes; without, it cannot
    assert main(["fit", str(short), "--models", "pow4", "--json", "--bootstrap", "0"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["model"] == "pow4"
    assert main(["fit", str(short), "--models", "pow4", "--prior", "none",
                 "--bootstrap", "0"]) == 2
    assert "needs at least 4" in capsys.readouterr().err
    outs = {}
    for prior in ("learned", "none"):
        assert main(["fit", str(curve), "--models", "pow3", "--json", "--bootstrap", "0",
                     "--prior", prior]) == 0
        outs[prior] = json.loads(capsys.readouterr().out)[0]
    expected = LearningCurveFit("pow3", n_bootstrap=0, prior="none").fit(N, ERRORS).params_
    assert outs["none"]["params"] == pytest.approx(expected)
    assert outs["learned"]["params"] != outs["none"]["params"]
    assert main(["plan", str(curve), "--target-error", "0.06", "--prior", "none", "--json",
                 "--bootstrap", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] > 2000
    with pytest.raises(SystemExit) as exc:
        main(["fit", str(curve), "--prior", "bogus"])
    assert exc.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_a_prior_object_survives_clone_and_reports_its_penalty():
    from badminima.fitting import compare_models
    with_prior = compare_models(N, ERRORS, models=["pow3"], prior=load_prior(), n_bootstrap=0)[0]
    assert with_prior.extrapolation_fit.prior is not None  # cloned for the held-out refit
    assert with_prior.to_dict()["prior_penalty"] >= 0
    plain = compare_models(N, ERRORS, models=["pow3"], prior="none", n_bootstrap=0)[0]
    assert "prior_penalty" not in plain.to_dict()
