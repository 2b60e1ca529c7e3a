"""Exponential bound >= exact B_n (property test), sample sizes, and every input error path."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badminima.errors import InvalidParameterError
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
    bad_fraction_bound,
    learning_curve,
    log_acceptance,
    posterior,
    sample_size,
)

shape = st.floats(0.3, 40.0)
unit = st.floats(0.0, 0.6)


@st.composite
def densities(draw):
    kind = draw(st.sampled_from(["beta", "shifted", "power", "perceptron", "tail", "empirical",
                                 "mixture", "memorization"]))
    if kind == "beta":
        return Beta(draw(shape), draw(shape))
    if kind == "shifted":
        lo = draw(unit)
        return ShiftedBeta(draw(shape), draw(shape), lo, draw(st.floats(lo + 0.05, 1.0)))
    if kind == "power":
        return PowerLaw(draw(st.floats(-0.9, 10.0)), draw(st.floats(0.05, 1.0)))
    if kind == "perceptron":
        return SphericalPerceptron(draw(st.integers(2, 200)))
    if kind == "tail":
        return RareGoodTail(draw(unit), draw(st.floats(0.01, 3.0)), draw(st.floats(0.2, 3.0)))
    if kind == "empirical":
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        return Empirical(rng.beta(draw(shape), draw(shape), draw(st.integers(1, 300))))
    if kind == "mixture":
        return Mixture([Beta(draw(shape), draw(shape)), ShiftedBeta(draw(shape), draw(shape), draw(unit))],
                       [draw(st.floats(0.1, 1)), draw(st.floats(0.1, 1))])
    return Memorization(Beta(draw(shape), draw(shape)), draw(st.floats(0.0, 0.9)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=densities(), eps0=st.floats(0.01, 0.95),
       n=st.lists(st.integers(0, 10**9) | st.integers(0, 500), min_size=1, max_size=4))
def test_bound_is_never_below_exact_fraction(d, eps0, n):
    n = np.asarray(n, dtype=float)
    exact = bad_fraction(d, eps0, n)
    bound, eps1 = bad_fraction_bound(d, eps0, n)
    assert np.all(bound >= exact * (1 - 1e-9) - 1e-300)
    finite = np.isfinite(eps1)
    assert np.all(eps1[finite] < eps0)


def test_bound_for_beta_decays_exponentially_and_reports_eps1():
    d = Beta(2, 30)
    n = np.array([100.0, 200.0, 400.0])
    bound, eps1 = bad_fraction_bound(d, 0.1, n)
    assert np.all(np.diff(np.log(bound)) < 0)
    # rate at least -log((1-eps0)/(1-eps1)) per sample, eps1 reported below eps0
    assert np.all((eps1 > 0) & (eps1 < 0.1))
    explicit = ((0.9 / (1 - eps1)) ** n) * d.sf(0.1) / d.cdf(eps1)
    np.testing.assert_allclose(bound, explicit, rtol=1e-9)


def test_bound_infinite_when_no_mass_below_eps0():
    bound, eps1 = bad_fraction_bound(Empirical([0.3, 0.4]), 0.2, [0, 10])
    np.testing.assert_array_equal(bound, 1.0)
    assert np.all(np.isnan(eps1))


@pytest.mark.parametrize("d", [Beta(2, 30), SphericalPerceptron(10), Empirical(np.linspace(0.01, 0.5, 50)),
                               Memorization(Beta(1, 5), 0.3)], ids=repr)
def test_sample_size_is_smallest_n(d):
    eps0, delta = 0.1, 1e-3
    result = sample_size(d, eps0, delta)
    assert float(bad_fraction(d, eps0, result.exact)) <= delta
    assert float(bad_fraction(d, eps0, result.exact - 1)) > delta
    assert result.from_bound >= result.exact
    assert float(bad_fraction_bound(d, eps0, result.from_bound)[0]) <= delta
    assert float(bad_fraction_bound(d, eps0, result.from_bound - 1)[0]) > delta


def test_sample_size_unreachable_is_none():
    result = sample_size(ShiftedBeta(1, 1, 0.2), 0.1, 0.01)
    assert result.exact is None and result.from_bound is None


def test_broadcasting_over_n_and_eps0():
    d = Beta(2, 30)
    out = bad_fraction(d, np.array([[0.05], [0.1]]), np.array([0, 10, 100]))
    assert out.shape == (2, 3)
    assert out[1, 2] == pytest.approx(float(bad_fraction(d, 0.1, 100)), rel=1e-14)
    assert bad_fraction_bound(d, np.array([0.05, 0.1]), 10)[0].shape == (2,)
    assert np.ndim(learning_curve(d, 5)) == 0


@pytest.mark.parametrize("build, name", [
    (lambda: Beta(0, 1), "'a'"), (lambda: Beta(1, -2), "'b'"), (lambda: Beta("x", 1), "'a'"),
    (lambda: ShiftedBeta(1, 1, 0.5, 0.4), "'eps_max'"), (lambda: ShiftedBeta(1, 1, 1.0), "'eps_min'"),
    (lambda: PowerLaw(-1), "'k'"), (lambda: PowerLaw(1, 0), "'eps_max'"),
    (lambda: SphericalPerceptron(1), "'N'"), (lambda: SphericalPerceptron(2.5), "'N'"),
    (lambda: RareGoodTail(0.1, 0, 1), "'c'"), (lambda: RareGoodTail(0.1, 1, -1), "'gamma'"),
    (lambda: Empirical([]), "'errors'"), (lambda: Empirical([0.1, 1.2]), "'errors'"),
    (lambda: Empirical([0.1, 0.2], [1]), "'weights'"), (lambda: Empirical([0.1], [-1]), "'weights'"),
    (lambda: Mixture([Beta(1, 1)], [1, 2]), "'weights'"), (lambda: Mixture([], []), "'components'"),
    (lambda: Memorization(Beta(1, 1), 1.5), "'rho'"), (lambda: Memorization("beta", 0.5), "'base'"),
])
def test_bad_parameters_raise_naming_the_parameter(build, name):
    with pytest.raises(InvalidParameterError, match=name):
        build()


@pytest.mark.parametrize("call, name", [
    (lambda d: learning_curve(d, -1), "'n'"), (lambda d: learning_curve(d, 2.5), "'n'"),
    (lambda d: log_acceptance(d, [1, np.nan]), "'n'"), (lambda d: bad_fraction(d, 1.5, 1), "'eps0'"),
    (lambda d: bad_fraction(d, 0.0, 1), "'eps0'"), (lambda d: bad_fraction_bound(d, -0.1, 1), "'eps0'"),
    (lambda d: sample_size(d, 0.1, 0), "'delta'"), (lambda d: posterior(d, [1, 2]), "'n'"),
    (lambda d: learning_curve(3.0, 1), "'density'"),
    (lambda d: learning_curve("beta", 1), "missing parameter 'a'"), (lambda d: d.ppf(1.5), "'q'"),
    (lambda d: d.sample(3, None), "'rng'"),
])
def test_bad_arguments_raise(call, name):
    with pytest.raises(InvalidParameterError, match=name):
        call(Beta(2, 3))
