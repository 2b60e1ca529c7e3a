"""Convergence diagnostics of several chains (or independent runs), computed by ArviZ.

Every function takes a trace ``x[c, s]`` (chain or run ``c``, draw ``s``) of a scalar
quantity (here the true or test error of a sampled global minimum) and returns ArviZ's
estimate:

- :func:`split_rhat`: rank-normalized split R-hat (Vehtari et al. 2021), which replaces the
  classic split R-hat (Gelman et al., BDA3 eq. 11.4) this module used to compute by hand;
- :func:`effective_sample_size`: bulk ESS (rank-normalized, Geyer's initial monotone
  sequence), :func:`tail_ess`: the tail ESS (the smaller ESS of the 5% and 95% quantiles).

For the version-space SMC (:mod:`badminima.sampling.version_space_smc`) the "chains" are
independent runs on one training set and the "draws" are its particles: R-hat compares the
runs' particle distributions, so R-hat > 1.05 says the runs disagree (one run is not mixing).

References
----------
A. Vehtari, A. Gelman, D. Simpson, B. Carpenter and P.-C. Bürkner, "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC", Bayesian
Analysis 16 (2021).
R. Kumar et al., "ArviZ a unified library for exploratory analysis of Bayesian models in
Python", JOSS 4 (2019).
"""

from __future__ import annotations

import warnings

import numpy as np

from badminima.errors import InvalidParameterError

__all__ = ["split_rhat", "effective_sample_size", "tail_ess", "mean_stderr", "RHAT_WARNING"]

#: R-hat above this is reported as a warning (runs or chains disagree).
RHAT_WARNING = 1.05


def _arviz():
    with warnings.catch_warnings():  # ArviZ 0.2x announces its refactor on import
        warnings.simplefilter("ignore", FutureWarning)
        import arviz
    return arviz


def _trace(x, owner: str, min_draws: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < min_draws or not np.all(np.isfinite(x)):
        raise InvalidParameterError(
            f"The 'x' parameter of {owner} must be a finite 2-d array (chains, draws) with at least "
            f"{min_draws} draws per chain. Got shape {x.shape} instead.")
    return x


def split_rhat(x) -> float:
    """Rank-normalized split R-hat of a multi-chain trace (``arviz.rhat``).

    Values near 1 (below :data:`RHAT_WARNING`) indicate the chains agree. A trace that is
    constant in every chain returns 1.0 when all chains agree and ``inf`` otherwise.
    """
    x = _trace(x, "split_rhat", 4)
    if np.all(x == x.flat[0]):
        return 1.0
    value = float(_arviz().rhat(x, method="rank"))
    return float("inf") if np.isnan(value) else value


def effective_sample_size(x) -> float:
    """Bulk effective sample size of a multi-chain trace (``arviz.ess``, method ``bulk``).

    A constant trace returns ``C S``.
    """
    x = _trace(x, "effective_sample_size", 4)
    if np.all(x == x.flat[0]):
        return float(x.size)
    return float(_arviz().ess(x, method="bulk"))


def tail_ess(x) -> float:
    """Tail effective sample size (``arviz.ess``, method ``tail``); ``C S`` for a constant trace."""
    x = _trace(x, "tail_ess", 4)
    if np.all(x == x.flat[0]):
        return float(x.size)
    return float(_arviz().ess(x, method="tail"))


def mean_stderr(x) -> tuple[float, float, float, float]:
    """Mean of a multi-chain trace, its Monte Carlo standard error ``sd / sqrt(ESS)``, bulk ESS, R-hat."""
    x = _trace(x, "mean_stderr", 4)
    ess = effective_sample_size(x)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(ess)), ess, split_rhat(x)
