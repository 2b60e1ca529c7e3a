"""PiecewiseUniform: closed-form moments against exact mpmath sums, n from 0 to 1e8."""

import mpmath
import numpy as np
import pytest

from badminima.errors import InvalidParameterError
from badminima.theory import (PiecewiseUniform, bad_fraction, error_std, learning_curve,
                              log_acceptance, posterior)

mpmath.mp.dps = 50
EDGES = np.array([0.0, 1e-4, 0.01, 0.02, 0.021, 0.3, 1.0])
WEIGHTS = np.array([0.1, 0.0, 0.3, 0.2, 0.3, 0.1])


def _exact(n, eps0=0.015):
    """log Z_n, E_n, sd_n, B_n(eps0) from the antiderivatives of (1 - eps)^n eps^k."""
    n = mpmath.mpf(n)

    def power(a, b, k):  # int_a^b eps^k (1 - eps)^n
        a, b = mpmath.mpf(a), mpmath.mpf(b)
        return mpmath.quad(lambda e: e ** k * (1 - e) ** n, mpmath.linspace(a, b, 40))

    z = m1 = m2 = bad = 0
    for a, b, w in zip(EDGES[:-1], EDGES[1:], WEIGHTS):
        if w == 0:
            continue
        h = mpmath.mpf(b) - mpmath.mpf(a)
        z += w * ((1 - mpmath.mpf(a)) ** (n + 1) - (1 - mpmath.mpf(b)) ** (n + 1)) / ((n + 1) * h)
        m1 += w * power(a, b, 1) / h
        m2 += w * power(a, b, 2) / h
        if b > eps0:
            lo = max(mpmath.mpf(a), mpmath.mpf(eps0))
            bad += w * ((1 - lo) ** (n + 1) - (1 - mpmath.mpf(b)) ** (n + 1)) / ((n + 1) * h)
    return (float(mpmath.log(z)), float(m1 / z), float(mpmath.sqrt(m2 / z - (m1 / z) ** 2)),
            float(bad / z))


@pytest.mark.parametrize("n", [0, 1, 3, 100, 1e4, 1e6, 1e8])
def test_moments_match_mpmath(n):
    d = PiecewiseUniform(EDGES, WEIGHTS)
    log_z, mean, sd, bad = _exact(n)
    assert float(log_acceptance(d, n)) == pytest.approx(log_z, rel=1e-13, abs=1e-15)
    assert float(learning_curve(d, n)) == pytest.approx(mean, rel=1e-12)
    assert float(error_std(d, n)) == pytest.approx(sd, rel=1e-9)
    if bad > 1e-300:
        assert float(bad_fraction(d, 0.015, n)) == pytest.approx(bad, rel=1e-10)


def test_cdf_ppf_pdf_and_posterior():
    d = PiecewiseUniform(EDGES, WEIGHTS)
    q = np.array([0.01, 0.2, 0.5, 0.9])
    np.testing.assert_allclose(d.cdf(d.ppf(q)), q, rtol=1e-12)
    assert float(d.pdf(0.015)) == pytest.approx(0.3 / 0.01)
    post = posterior(d, 1000)
    assert post.mean() == pytest.approx(float(learning_curve(d, 1000)), rel=1e-13)
    assert float(learning_curve(post, 500)) == pytest.approx(float(learning_curve(d, 1500)), rel=1e-12)
    draws = PiecewiseUniform([0.1, 0.2, 0.4], [1, 1]).sample(100_000, 0)
    assert draws.mean() == pytest.approx(0.225, rel=0.01)


@pytest.mark.parametrize("edges, weights, match", [
    ([0.2, 0.1], [1.0], "'edges'"), ([0.0, 1.5], [1.0], "'edges'"),
    ([0.0, 0.5, 1.0], [1.0], "one entry per cell"), ([0.0, 1.0], [-1.0], "'weights'"),
])
def test_invalid_parameters(edges, weights, match):
    with pytest.raises(InvalidParameterError, match=match):
        PiecewiseUniform(edges, weights)


def test_from_log_weights_keeps_probabilities_below_float_range():
    edges = np.linspace(0.0, 1.0, 5)
    log_w = np.array([0.0, -800.0, -1600.0, -2400.0])  # exp underflows to 0 past the first cell
    d = PiecewiseUniform.from_log_weights(edges, log_w)
    assert d.weights[1] == 0.0
    # the posterior's log density keeps the exact log weight of the second cell
    q = d.posterior(0)
    assert q.logpdf(0.375) == pytest.approx(-800.0 + np.log(4.0), rel=1e-12)
    same = PiecewiseUniform.from_log_weights(edges, [0.0, -1.0, -2.0, -3.0])
    plain = PiecewiseUniform(edges, np.exp([0.0, -1.0, -2.0, -3.0]))
    np.testing.assert_allclose(same.learning_curve([0, 10, 1e6]), plain.learning_curve([0, 10, 1e6]), rtol=1e-12)
