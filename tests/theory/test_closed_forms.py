"""Closed forms of docs/science.md §2-3 reproduced to 1e-9 relative, n from 0 to 1e9."""

import mpmath
import numpy as np
import pytest

from badminima.theory import (
    Beta,
    Density,
    PowerLaw,
    ShiftedBeta,
    SphericalPerceptron,
    bad_fraction,
    error_std,
    learning_curve,
    log_acceptance,
)

N_VALUES = np.array([0, 1, 3, 10, 100, 1e3, 1e4, 1e6, 1e8, 1e9])
mpmath.mp.dps = 40


class QuadratureBeta(Density):
    """Beta through the generic extension contract only (``_u_logpdf``): no closed forms."""

    def __init__(self, a, b):
        super().__init__(0.0, 1.0)
        self.a, self.b = a, b
        self._log_b = float(mpmath.log(mpmath.beta(a, b)))

    def _u_logpdf(self, t, log_t, log1m_t):
        return (self.a - 1) * log_t + (self.b - 1) * log1m_t - self._log_b


def _mp_tail(a, b, x):
    """1 - I_x(a, b) by mpmath quadrature with breakpoints near x (independent reference)."""
    f = lambda t: mpmath.exp((a - 1) * mpmath.log(t) + (b - 1) * mpmath.log1p(-t))
    points = sorted({x, *[min(x * k, 1) for k in (1.5, 2, 4, 10, 100)], 1})
    return mpmath.quad(f, points) / mpmath.beta(a, b)


@pytest.mark.parametrize("a,b", [(2.0, 30.0), (0.5, 0.7), (7.0, 1.0)])
def test_beta_learning_curve_matches_a_over_a_b_n(a, b):
    got = learning_curve(Beta(a, b), N_VALUES)
    np.testing.assert_allclose(got, a / (a + b + N_VALUES), rtol=1e-12)
    var = a * (b + N_VALUES) / ((a + b + N_VALUES) ** 2 * (a + b + N_VALUES + 1))
    np.testing.assert_allclose(error_std(Beta(a, b), N_VALUES), np.sqrt(var), rtol=1e-12)


@pytest.mark.parametrize("a,b", [(2.0, 30.0), (0.5, 0.7)])
def test_beta_log_acceptance_against_mpmath(a, b):
    got = log_acceptance(Beta(a, b), N_VALUES)
    ref = [float(mpmath.log(mpmath.beta(a, b + n) / mpmath.beta(a, b))) for n in N_VALUES]
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("a,b", [(2.0, 30.0), (0.5, 0.7)])
def test_beta_bad_fraction_is_one_minus_regularized_incomplete_beta(a, b):
    n = np.array([0, 1, 10, 1e3, 1e6, 1e9])
    eps0 = np.minimum(0.5, 3 * a / (a + b + n))  # keeps B_n of order 1e-3..1 at every n
    got = bad_fraction(Beta(a, b), eps0, n)
    ref = np.array([float(_mp_tail(a, b + k, x)) for k, x in zip(n, eps0)])
    np.testing.assert_allclose(got, ref, rtol=1e-9)


def test_generic_quadrature_reproduces_beta_for_n_up_to_1e9():
    a, b = 2.5, 30.0
    generic, closed = QuadratureBeta(a, b), Beta(a, b)
    np.testing.assert_allclose(learning_curve(generic, N_VALUES), learning_curve(closed, N_VALUES), rtol=1e-9)
    np.testing.assert_allclose(log_acceptance(generic, N_VALUES), log_acceptance(closed, N_VALUES),
                               rtol=1e-10, atol=1e-10)
    eps0 = np.minimum(0.5, 3 * a / (a + b + N_VALUES))
    np.testing.assert_allclose(bad_fraction(generic, eps0, N_VALUES), bad_fraction(closed, eps0, N_VALUES),
                               rtol=1e-9)
    np.testing.assert_allclose(error_std(generic, N_VALUES), error_std(closed, N_VALUES), rtol=1e-8)


@pytest.mark.parametrize("eps_max", [1.0, 0.4])
@pytest.mark.parametrize("k", [0.0, 2.0, -0.5])
def test_power_law_n_times_learning_curve_tends_to_k_plus_1(k, eps_max):
    n = np.array([1e6, 1e8, 1e9])
    np.testing.assert_allclose(n * learning_curve(PowerLaw(k, eps_max), n), k + 1, rtol=2e-5)


def test_perceptron_n2_is_uniform():
    d = SphericalPerceptron(2)
    eps = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(d.pdf(eps), 1.0, rtol=1e-14)
    np.testing.assert_allclose(learning_curve(d, N_VALUES), 1 / (N_VALUES + 2), rtol=1e-9)
    np.testing.assert_allclose(log_acceptance(d, N_VALUES), -np.log1p(N_VALUES), rtol=1e-10, atol=1e-12)


def test_perceptron_n3_against_independent_quadrature():
    d = SphericalPerceptron(3)
    for n in (0, 5, 100, 10_000):
        w = lambda e, j: mpmath.sin(mpmath.pi * e) * (1 - e) ** n * e ** j
        pts = [0, min(1, 2.0 / (n + 1)), min(1, 10.0 / (n + 1)), 1]
        z = mpmath.quad(lambda e: w(e, 0), pts)
        mean = mpmath.quad(lambda e: w(e, 1), pts) / z
        assert float(log_acceptance(d, n)) == pytest.approx(float(mpmath.log(z * mpmath.pi / 2)), rel=1e-10, abs=1e-12)
        assert float(learning_curve(d, n)) == pytest.approx(float(mean), rel=1e-9)


def test_perceptron_large_n_gibbs_limit():
    # E_n ~ (N - 1) / n for n >> N (D ~ eps^(N-2) near 0 gives (k+1)/n with k = N-2)
    d = SphericalPerceptron(20)
    assert 1e9 * float(learning_curve(d, 1e9)) == pytest.approx(19.0, rel=1e-6)


def test_shifted_beta_closed_form_and_floor():
    a, b, m = 1.5, 5.0, 0.02
    d = ShiftedBeta(a, b, eps_min=m)
    np.testing.assert_allclose(learning_curve(d, N_VALUES), m + (1 - m) * a / (a + b + N_VALUES), rtol=1e-12)
    assert float(learning_curve(d, 1e9)) == pytest.approx(m, rel=1e-7)
    assert float(learning_curve(ShiftedBeta(a, b, m, 0.9), 1e9)) == pytest.approx(m, rel=1e-7)


def test_shifted_beta_with_ceiling_against_mpmath():
    a, b, m, top = 2.0, 3.0, 0.05, 0.9
    d = ShiftedBeta(a, b, m, top)
    for n in (0, 7, 300):
        dens = lambda e: ((e - m) / (top - m)) ** (a - 1) * ((top - e) / (top - m)) ** (b - 1)
        z = mpmath.quad(lambda e: dens(e) * (1 - e) ** n, [m, m + 0.05, m + 0.2, top])
        mean = mpmath.quad(lambda e: e * dens(e) * (1 - e) ** n, [m, m + 0.05, m + 0.2, top]) / z
        z0 = mpmath.quad(dens, [m, top])
        assert float(log_acceptance(d, n)) == pytest.approx(float(mpmath.log(z / z0)), rel=1e-10, abs=1e-12)
        assert float(learning_curve(d, n)) == pytest.approx(float(mean), rel=1e-10)
