"""Printed and plotted quantities keep their precision where the plain values under/overflow."""

import warnings

import numpy as np
import pytest

from badminima.theory import (Beta, Memorization, PowerLaw, RareGoodTail, ShiftedBeta, SphericalPerceptron,
                              bad_fraction, bad_fraction_bound, error_std, log_acceptance, log_bad_fraction,
                              log_bad_fraction_bound)


@pytest.mark.parametrize("density, std", [
    (Beta(2, 30), np.sqrt(2.0) * 1e-300),
    (PowerLaw(2, 0.5), 0.5 * np.sqrt(3.0) * 1e-300),
    (SphericalPerceptron(10), 3e-300),
])
def test_std_at_n_1e300_is_finite_positive_and_warning_free(density, std):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = error_std(density, 1e300)
    assert value == pytest.approx(std, rel=1e-3)


@pytest.mark.parametrize("density", [SphericalPerceptron(10), RareGoodTail(0.01, 0.5, 1.0), PowerLaw(2, 0.5),
                                     Memorization(Beta(2, 5), 0.3)])
def test_log_acceptance_at_zero_is_exactly_zero(density):
    assert log_acceptance(density, [0, 10])[0] == 0.0
    assert log_acceptance(density, 0) == 0.0


def test_log_bad_fraction_continues_where_the_fraction_underflows():
    density = Beta(2, 30)
    n = np.array([10.0, 1e4, 1e6])
    log_b = log_bad_fraction(density, 0.1, n)
    assert np.all(np.isfinite(log_b))
    assert log_b[0] == pytest.approx(np.log(bad_fraction(density, 0.1, 10)), rel=1e-12)
    # B_n(eps0) = 1 - I_eps0(a, b + n) ~ (1 - eps0)^(b + n) poly(n): slope log(0.9) per sample
    assert (log_b[2] - log_b[1]) / (n[2] - n[1]) == pytest.approx(np.log(0.9), rel=1e-3)
    shifted = log_bad_fraction(ShiftedBeta(1, 5, 0.02), 0.1, 1e6)
    assert np.isfinite(shifted) and shifted < -8e4


def test_log_bound_is_the_log_of_the_bound_and_bounds_the_fraction():
    density = Beta(2, 30)
    n = np.array([10.0, 1000.0, 1e6])
    log_bound, eps1 = log_bad_fraction_bound(density, 0.1, n)
    bound, eps1_capped = bad_fraction_bound(density, 0.1, n)
    np.testing.assert_allclose(bound, np.exp(np.minimum(log_bound, 0.0)))
    np.testing.assert_array_equal(eps1, eps1_capped)
    assert np.all(log_bound >= log_bad_fraction(density, 0.1, n) - 1e-9)
    assert np.isfinite(log_bound[-1]) and bound[-1] == 0.0
