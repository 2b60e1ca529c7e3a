"""Split R-hat and ESS against cases with known answers."""

import numpy as np
import pytest

from badminima.errors import InvalidParameterError
from badminima.sampling.version_space_diagnostics import effective_sample_size, mean_stderr, split_rhat


def _ar1(rho, chains, draws, seed):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((chains, draws)) * np.sqrt(1 - rho ** 2)
    x = np.empty((chains, draws))
    x[:, 0] = rng.standard_normal(chains)
    for s in range(1, draws):
        x[:, s] = rho * x[:, s - 1] + noise[:, s]
    return x


def test_independent_chains_have_rhat_one_and_full_ess():
    x = np.random.default_rng(0).standard_normal((4, 2000))
    assert split_rhat(x) == pytest.approx(1.0, abs=0.01)
    assert effective_sample_size(x) == pytest.approx(8000, rel=0.15)


def test_ar1_ess_matches_the_closed_form():
    # AR(1) with coefficient rho: integrated autocorrelation time (1 + rho) / (1 - rho).
    rho = 0.8
    x = _ar1(rho, chains=4, draws=20000, seed=1)
    assert effective_sample_size(x) == pytest.approx(80000 * (1 - rho) / (1 + rho), rel=0.15)


def test_disagreeing_chains_have_large_rhat():
    x = np.random.default_rng(2).standard_normal((4, 500)) + np.array([[0.0], [0.0], [0.0], [2.0]])
    assert split_rhat(x) > 1.2
    drifting = np.random.default_rng(3).standard_normal((4, 500)) + np.linspace(0, 3, 500)
    assert split_rhat(drifting) > 1.2


def test_mean_stderr_uses_the_ess():
    x = _ar1(0.5, chains=4, draws=5000, seed=4)
    mean, stderr, ess, rhat = mean_stderr(x)
    assert mean == pytest.approx(x.mean())
    assert stderr == pytest.approx(x.std(ddof=1) / np.sqrt(ess))
    assert ess < x.size / 2 and rhat < 1.02


def test_constant_trace():
    assert split_rhat(np.ones((4, 10))) == 1.0
    assert effective_sample_size(np.ones((4, 10))) == 40


@pytest.mark.parametrize("bad", [np.ones(10), np.ones((4, 3)), np.full((4, 10), np.nan)])
def test_bad_trace_raises(bad):
    with pytest.raises(InvalidParameterError, match="'x' parameter of split_rhat"):
        split_rhat(bad)


def test_rhat_and_ess_are_arviz_rank_normalized():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz
    from badminima.sampling.version_space_diagnostics import tail_ess
    x = _ar1(0.6, chains=4, draws=1000, seed=5) ** 3  # heavy tails: rank-normalization matters
    assert split_rhat(x) == pytest.approx(float(arviz.rhat(x, method="rank")))
    assert effective_sample_size(x) == pytest.approx(float(arviz.ess(x, method="bulk")))
    assert tail_ess(x) == pytest.approx(float(arviz.ess(x, method="tail")))
    assert tail_ess(x) < x.size
