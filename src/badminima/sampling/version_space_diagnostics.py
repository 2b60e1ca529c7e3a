"""Convergence diagnostics for several Markov chains: split R-hat and effective sample size.

Both take a trace ``x[c, s]`` (chain ``c``, draw ``s``) of a scalar tracked quantity (here the
true error of the sampled global minimum).

References
----------
A. Gelman et al., *Bayesian Data Analysis*, 3rd ed., section 11.4-11.5 (split R-hat, ESS).
C. J. Geyer, "Practical Markov chain Monte Carlo", Statistical Science 7 (1992)
(initial monotone sequence estimator).
"""

from __future__ import annotations

import numpy as np

from badminima.errors import InvalidParameterError

__all__ = ["split_rhat", "effective_sample_size", "mean_stderr"]


def _trace(x, owner: str, min_draws: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < min_draws or not np.all(np.isfinite(x)):
        raise InvalidParameterError(
            f"The 'x' parameter of {owner} must be a finite 2-d array (chains, draws) with at least "
            f"{min_draws} draws per chain. Got shape {x.shape} instead.")
    return x


def split_rhat(x) -> float:
    """Split potential scale reduction factor R-hat of a multi-chain trace.

    Each chain is cut into halves (so ``2 C`` chains of ``m = S // 2`` draws); with ``B`` the
    between-chain and ``W`` the within-chain variance,

    .. math:: \\hat R = \\sqrt{\\frac{(m-1)/m \\, W + B/m}{W}}.

    Values near 1 (below ~1.01-1.05) indicate the chains agree. A trace that is constant in
    every chain returns 1.0 when all chains agree and ``inf`` otherwise.

    References
    ----------
    Gelman et al., Bayesian Data Analysis (3rd ed.), eq. (11.4).
    """
    x = _trace(x, "split_rhat", 4)
    m = x.shape[1] // 2
    halves = np.concatenate([x[:, :m], x[:, x.shape[1] - m:]], axis=0)
    means = halves.mean(axis=1)
    within = halves.var(axis=1, ddof=1).mean()
    between = m * means.var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else float("inf")
    var_plus = (m - 1) / m * within + between / m
    return float(np.sqrt(var_plus / within))


def _autocovariance(x: np.ndarray) -> np.ndarray:
    """Biased autocovariance of each row at lags 0..S-1, by FFT."""
    s = x.shape[1]
    centered = x - x.mean(axis=1, keepdims=True)
    size = 1 << (2 * s - 1).bit_length()
    spectrum = np.fft.rfft(centered, n=size, axis=1)
    return np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :s] / s


def effective_sample_size(x) -> float:
    """Multi-chain effective sample size of a trace, Geyer's initial monotone sequence.

    With ``rho_t = 1 - (W - mean_c acov_c(t)) / var_plus`` the combined autocorrelation
    (Gelman et al. eq. 11.7), pairs ``P_k = rho_{2k} + rho_{2k+1}`` are summed while positive
    and made monotone, and

    .. math:: \\mathrm{ESS} = \\frac{C S}{-1 + 2 \\sum_k P_k},

    capped at ``C S log10(C S)`` as in Stan. A constant trace returns ``C S``.
    """
    x = _trace(x, "effective_sample_size", 4)
    chains, draws = x.shape
    acov = _autocovariance(x)
    within = acov[:, 0].mean() * draws / (draws - 1)
    var_plus = within * (draws - 1) / draws + (x.mean(axis=1).var(ddof=1) if chains > 1 else 0.0)
    if var_plus == 0:
        return float(chains * draws)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[: draws - draws % 2].reshape(-1, 2).sum(axis=1)
    positive = np.argmax(pairs <= 0) if np.any(pairs <= 0) else pairs.size
    pairs = np.minimum.accumulate(pairs[:max(positive, 1)])
    tau = -1.0 + 2.0 * pairs.sum()
    total = chains * draws
    return float(min(total / max(tau, 1.0 / np.log10(max(total, 10))), total * np.log10(max(total, 10))))


def mean_stderr(x) -> tuple[float, float, float, float]:
    """Mean of a multi-chain trace, its Monte Carlo standard error ``sd / sqrt(ESS)``, ESS, R-hat."""
    x = _trace(x, "mean_stderr", 4)
    ess = effective_sample_size(x)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(ess)), ess, split_rhat(x)
