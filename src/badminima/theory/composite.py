"""Densities built from others: :class:`Mixture` and :class:`Memorization` (docs/science.md §3)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from badminima.errors import InvalidParameterError
from badminima.theory.base import Density
from badminima.validation import check_real


class Mixture(Density):
    """``D = sum_i w_i D_i``: a weighted mixture of densities.

    Parameters
    ----------
    components : sequence of Density
    weights : array_like
        Positive weights, one per component (normalized here).

    Notes
    -----
    Every quantity follows exactly from the components':
    ``Z_n = sum_i w_i Z_{n,i}``; ``Q_n = sum_i pi_i Q_{n,i}`` with posterior weights
    ``pi_i = w_i Z_{n,i} / Z_n``; ``E_n = sum_i pi_i E_{n,i}``; the variance by the law of
    total variance; ``B_n = sum_i pi_i B_{n,i}``.
    """

    def __init__(self, components, weights):
        components = list(components)
        if not components or not all(isinstance(c, Density) for c in components):
            raise InvalidParameterError(
                "The 'components' parameter of Mixture must be a non-empty list of Density objects.")
        weights = np.asarray(weights, dtype=float).ravel()
        if weights.size != len(components):
            raise InvalidParameterError(
                f"The 'weights' parameter of Mixture must have one entry per component "
                f"({len(components)}). Got {weights.size} instead.")
        if not np.all(np.isfinite(weights) & (weights > 0)):
            raise InvalidParameterError(
                f"The 'weights' parameter of Mixture must hold positive finite numbers. "
                f"Got {weights.tolist()!r} instead.")
        super().__init__(min(c.support[0] for c in components), max(c.support[1] for c in components))
        self.components = components
        self.weights = weights / weights.sum()
        self._log_weights = np.log(self.weights)

    def _stack(self, values):
        return np.stack([np.asarray(v, dtype=float) for v in values])

    def _log_post_weights(self, n, r):
        log_z = self._stack([c.tilted_log_z(n, r) for c in self.components])
        log_z = log_z + self._log_weights.reshape((-1,) + (1,) * (log_z.ndim - 1))
        total = logsumexp(log_z, axis=0)
        return log_z - total, total

    def _log_z(self, n, r):
        return self._log_post_weights(np.asarray(n, dtype=float), r)[1]

    def _mean_var(self, n, r):
        n = np.asarray(n, dtype=float)
        log_pi, _ = self._log_post_weights(n, r)
        pi = np.exp(log_pi)
        parts = [c.tilted_mean_var(n, r) for c in self.components]
        means = self._stack([m for m, _ in parts])
        variances = self._stack([v for _, v in parts])
        mean = np.sum(pi * means, axis=0)
        var = np.sum(pi * (variances + (means - mean) ** 2), axis=0)
        return mean, var

    def _log_cdf_sf(self, eps, n, r):
        eps, n = np.broadcast_arrays(np.asarray(eps, dtype=float), np.asarray(n, dtype=float))
        log_pi, _ = self._log_post_weights(n, r)
        parts = [c.tilted_log_cdf_sf(eps, n, r) for c in self.components]
        log_cdf = logsumexp(log_pi + self._stack([p[0] for p in parts]), axis=0)
        log_sf = logsumexp(log_pi + self._stack([p[1] for p in parts]), axis=0)
        return log_cdf, log_sf

    def _posterior(self, n, r):
        log_pi, _ = self._log_post_weights(np.asarray(float(n)), r)
        pi = np.exp(log_pi)
        keep = pi > 0
        return Mixture([c.tilted_posterior(n, r) for c, k in zip(self.components, keep) if k], pi[keep])

    def _logpdf(self, eps):
        parts = self._stack([c.logpdf(eps) for c in self.components])
        return logsumexp(parts + self._log_weights.reshape((-1,) + (1,) * (parts.ndim - 1)), axis=0)

    def _sample(self, size, rng):
        total = int(np.prod(size))
        counts = rng.multinomial(total, self.weights)
        draws = np.concatenate([c.sample(int(k), rng) for c, k in zip(self.components, counts)])
        return rng.permutation(draws).reshape(size)

    @property
    def _consistency_rate(self) -> float:
        rates = {c.consistency_rate for c in self.components}
        if len(rates) != 1:
            raise InvalidParameterError(
                "The exponential bound needs one consistency rate; the components of this Mixture "
                f"have several: {sorted(rates)}.")
        return rates.pop()

    def _eps1_candidates(self, eps0):
        found = [c.eps1_candidates(eps0) for c in self.components]
        if any(f is None for f in found):
            return None
        return np.unique(np.concatenate(found))

    def __repr__(self) -> str:
        inner = ", ".join(repr(c) for c in self.components)
        return f"Mixture([{inner}], weights={np.round(self.weights, 6).tolist()})"


class Memorization(Density):
    """Memorization model: a misclassified training point costs a prior factor ``rho``.

    Parameters
    ----------
    base : Density
        The true-error density D of the prior.
    rho : float
        Prior factor in [0, 1] paid per memorized (misclassified) training point;
        ``rho = 0`` is the separable case, ``rho = 1`` means no learning at all.

    Notes
    -----
    A network with true error eps fits each sample either correctly (probability
    ``1 - eps``) or by memorizing it (probability ``eps``, weight ``rho``), so its expected
    weight on n samples is ``(1 - eps + rho eps)^n = (1 - r eps)^n`` with ``r = 1 - rho``
    (docs/science.md §3). Hence

    .. math::

        Z_n = E_D[(1 - r\\epsilon)^n], \\qquad Q_n(\\epsilon) \\propto D(\\epsilon) (1 - r\\epsilon)^n,

    and since ``E_{Q_n}[1 - r eps] = Z_{n+1} / Z_n``,

    .. math::

        E_n = E_{Q_n}[\\epsilon] = (1 - Z_{n+1}/Z_n) / r,

    which is *not* ``1 - Z_{n+1}/Z_n`` of the raw D: memorization acts as an effective
    sample-size reduction (exactly ``n r`` to first order in eps). The code computes
    ``E_{Q_n}[eps]`` directly from the base density's tilted hooks with rate ``r``
    (``log_acceptance`` is ``log Z_n`` above). D itself (``logpdf``, ``cdf``, ``sample`` and
    the 0.1 alias ``log_moment``, the raw ``log E_D[(1 - eps)^n]``) is the base density's.
    """

    def __init__(self, base, rho):
        if not isinstance(base, Density):
            raise InvalidParameterError(
                f"The 'base' parameter of Memorization must be a Density. Got {base!r} instead.")
        self.rho = check_real("rho", rho, "Memorization", 0.0, 1.0, "both")
        super().__init__(*base.support)
        self.base = base
        self._rate = 1.0 - self.rho

    def log_moment(self, n):
        """``log E_D[(1 - eps)^n]`` of the raw D: see :meth:`Density.log_moment` (the acceptance
        ``log Z_n`` is :meth:`~badminima.theory.Density.log_acceptance`)."""
        return self.base.log_moment(n)

    def _log_z(self, n, r):
        return self.base.tilted_log_z(n, r * self._rate)

    def _mean_var(self, n, r):
        return self.base.tilted_mean_var(n, r * self._rate)

    def _mean_std(self, n, r):
        return self.base.tilted_mean_std(n, r * self._rate)

    def _log_cdf_sf(self, eps, n, r):
        return self.base.tilted_log_cdf_sf(eps, n, r * self._rate)

    def _posterior(self, n, r):
        return Memorization(self.base.tilted_posterior(n, r * self._rate), self.rho)

    def _logpdf(self, eps):
        return self.base.logpdf(eps)

    def _ppf(self, q):
        return self.base.ppf(q)

    def _sample(self, size, rng):
        return self.base.sample(size, rng)

    @property
    def _consistency_rate(self) -> float:
        return self._rate * self.base.consistency_rate

    def _eps1_candidates(self, eps0):
        return self.base.eps1_candidates(eps0)

    def __repr__(self) -> str:
        return f"Memorization({self.base!r}, rho={self.rho:g})"
