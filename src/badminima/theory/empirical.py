"""The empirical true-error density of a finite or sampled classifier set (docs/science.md §2)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from badminima.errors import InvalidParameterError
from badminima.theory.base import Density

#: Matrix entries per chunk of the (n values x distinct errors) log-weight matrix.
_CHUNK_ENTRIES = 2_000_000
#: Log-weight margin below which atoms are skipped in moment sums (e^-50 ~ 2e-22).
_PRUNE = 50.0


def _log(x):
    with np.errstate(divide="ignore"):
        return np.log(x)


class Empirical(Density):
    """D as the (weighted) empirical distribution of errors ``eps_k``.

    Parameters
    ----------
    errors : array_like
        True errors in [0, 1] of the members of a finite H or of classifiers sampled from the
        prior (e.g. test-set errors ``k / N_test``).
    weights : array_like, optional
        Non-negative prior weights, one per error (default: uniform).

    Notes
    -----
    Equal errors are merged (``np.unique``), so the cost of every quantity scales with the
    number of *distinct* errors, which is small for test-set errors. Q_n puts weight
    ``w_k (1 - eps_k)^n`` on atom k, normalized in log space (docs/science.md §2):

    .. math::

        \\log Z_n = \\operatorname{logsumexp}_k [\\log w_k + n \\log(1 - \\epsilon_k)].

    ``logpdf`` is the log *probability mass* at an atom (``-inf`` between atoms): D is a
    density with respect to counting measure on the atoms.
    """

    def __init__(self, errors, weights=None):
        errors = self._check_errors(errors)
        if weights is None:
            weights = np.ones_like(errors)
        else:
            weights = np.asarray(weights, dtype=float).ravel()
            if weights.shape != errors.shape:
                raise InvalidParameterError(
                    f"The 'weights' parameter of Empirical must have one entry per error "
                    f"({errors.size}). Got {weights.size} instead.")
            if not np.all(np.isfinite(weights) & (weights >= 0)) or weights.sum() <= 0:
                raise InvalidParameterError(
                    "The 'weights' parameter of Empirical must hold finite non-negative numbers "
                    "with a positive sum.")
        values, inverse = np.unique(errors, return_inverse=True)
        mass = np.bincount(inverse.ravel(), weights=weights, minlength=values.size)
        keep = mass > 0
        self._set_atoms(values[keep], _log(mass[keep]) - np.log(mass[keep].sum()))

    @staticmethod
    def _check_errors(errors):
        try:
            errors = np.asarray(errors, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"The 'errors' parameter of Empirical must be an array of floats in [0, 1]. "
                f"Got {errors!r} instead.") from exc
        if errors.size == 0:
            raise InvalidParameterError("The 'errors' parameter of Empirical must not be empty.")
        bad = ~((errors >= 0) & (errors <= 1))
        if np.any(bad):
            raise InvalidParameterError(
                f"The 'errors' parameter of Empirical must hold floats in [0, 1]. "
                f"Got {errors[bad][0]!r} instead.")
        return errors

    @classmethod
    def from_histogram(cls, values, counts) -> "Empirical":
        """D from distinct error values and their counts (or any non-negative weights)."""
        return cls(values, counts)

    @classmethod
    def _from_log_weights(cls, values, log_w) -> "Empirical":
        self = cls.__new__(cls)
        keep = np.isfinite(log_w)
        self._set_atoms(values[keep], log_w[keep] - logsumexp(log_w[keep]))
        return self

    def _set_atoms(self, values, log_w):
        super().__init__(float(values[0]), float(values[-1]))
        self._values, self._log_w = values, log_w
        self._table = None
        self._cum0 = None

    @property
    def values(self) -> np.ndarray:
        """The distinct errors (sorted)."""
        return self._values

    @property
    def probabilities(self) -> np.ndarray:
        """The probability of each distinct error."""
        return np.exp(self._log_w)

    # ------------------------------------------------------------------ formulas
    def _chunks(self, size: int):
        rows = max(1, _CHUNK_ENTRIES // self._values.size)
        for start in range(0, size, rows):
            yield slice(start, min(size, start + rows))

    def _log_terms(self, n, r):
        """``log w_k + n log(1 - r eps_k)`` as a (len(n), K) matrix."""
        with np.errstate(divide="ignore", invalid="ignore"):
            log_c = np.log1p(-r * self._values)
            terms = n[:, None] * log_c[None, :]
        terms = np.where(n[:, None] == 0, 0.0, terms)
        return self._log_w[None, :] + terms

    def _moments(self, n, r):
        """``(log Z, mean, var)`` of the tilted weights, for a flat array ``n``.

        Rows are processed in chunks of sorted n; an atom whose log weight is more than
        ``_PRUNE`` below the best atom's for every n of the chunk contributes < 1e-20
        relative and is skipped, so large n touch only the few smallest errors. The sums are
        one matrix product with ``[1, u - u0, (u - u0)^2]`` (``u0``: a central atom).
        """
        order = np.argsort(n, kind="stable")
        sorted_n = n[order]
        with np.errstate(divide="ignore"):
            log_c = np.log1p(-r * self._values)
        log_z, mean, var = (np.empty(n.size) for _ in range(3))
        for sl in self._chunks(n.size):
            rows = sorted_n[sl]
            n_lo, n_hi = rows[0], rows[-1]
            with np.errstate(invalid="ignore"):
                best = np.max(self._log_w + np.where(n_hi == 0, 0.0, n_hi * log_c))
                upper = self._log_w + np.where(n_lo == 0, 0.0, n_lo * log_c)
            keep = upper >= best - _PRUNE
            u, lw, lc = self._values[keep], self._log_w[keep], log_c[keep]
            with np.errstate(invalid="ignore"):
                terms = lw[None, :] + np.where(rows[:, None] == 0, 0.0, rows[:, None] * lc[None, :])
            top = np.max(terms, axis=1, keepdims=True)
            weights = np.exp(terms - top)
            u0 = u[np.argmax(terms[rows.size // 2])]
            d = u - u0
            sums = weights @ np.stack([np.ones_like(u), d, d * d], axis=1)
            idx = order[sl]
            log_z[idx] = top[:, 0] + np.log(sums[:, 0])
            shift = sums[:, 1] / sums[:, 0]
            mean[idx] = u0 + shift
            var[idx] = np.maximum(sums[:, 2] / sums[:, 0] - shift * shift, 0.0)
        return log_z, mean, var

    def _log_z(self, n, r):
        n = np.asarray(n, dtype=float)
        return self._moments(n.ravel(), r)[0].reshape(n.shape)

    def _mean_var(self, n, r):
        n = np.asarray(n, dtype=float)
        _, mean, var = self._moments(n.ravel(), r)
        return mean.reshape(n.shape), var.reshape(n.shape)

    def _cumulative(self, n, r):
        """Normalized log cdf and log sf of the tilted weights at every gap between atoms.

        Returns two ``(len(n), K + 1)`` arrays: column ``j`` holds the log mass of atoms
        ``< j`` (cdf) and ``>= j`` (sf), from cumulative ``logaddexp`` sums that stay exact
        when the masses underflow. ``n = 0`` (D itself, every posterior) is cached.
        """
        if n.size == 1 and n[0] == 0 and self._cum0 is not None:
            return self._cum0
        terms = self._log_terms(n, r)
        up = np.logaddexp.accumulate(terms, axis=1)
        down = np.logaddexp.accumulate(terms[:, ::-1], axis=1)[:, ::-1]
        total = up[:, -1:]
        ninf = np.full((terms.shape[0], 1), -np.inf)
        cum = (np.hstack([ninf, up]) - total, np.hstack([down, ninf]) - total)
        if n.size == 1 and n[0] == 0:
            self._cum0 = cum
        return cum

    def _log_cdf_sf(self, eps, n, r):
        """Tilted log cdf and log sf by lookup in :meth:`_cumulative`.

        The cumulative sums cost O(K) once per distinct ``n``; each query point is then one
        ``searchsorted`` (O(log K)), so D's cdf at K points is O(K log K), not O(K^2).
        """
        eps, n = np.broadcast_arrays(np.asarray(eps, dtype=float), np.asarray(n, dtype=float))
        shape = eps.shape
        eps, n = eps.ravel(), n.ravel()
        below = np.searchsorted(self._values, eps, side="right")
        levels, which = np.unique(n, return_inverse=True)
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(levels.size + 1))
        log_cdf, log_sf = np.empty(eps.size), np.empty(eps.size)
        for sl in self._chunks(levels.size):
            up, down = self._cumulative(levels[sl], r)
            idx = order[bounds[sl.start]:bounds[sl.stop]]
            rows = which[idx] - sl.start
            log_cdf[idx] = up[rows, below[idx]]
            log_sf[idx] = down[rows, below[idx]]
        return log_cdf.reshape(shape), log_sf.reshape(shape)

    def _posterior(self, n, r):
        terms = self._log_terms(np.array([float(n)]), r)[0]
        return Empirical._from_log_weights(self._values, terms)

    def _logpdf(self, eps):
        idx = np.clip(np.searchsorted(self._values, eps), 0, self._values.size - 1)
        return np.where(self._values[idx] == eps, self._log_w[idx], -np.inf)

    def _ppf(self, q):
        cdf = np.cumsum(np.exp(self._log_w))
        idx = np.clip(np.searchsorted(cdf, q * cdf[-1], side="left"), 0, self._values.size - 1)
        return self._values[idx]

    def _sample(self, size, rng):
        p = np.exp(self._log_w)
        return rng.choice(self._values, size=size, p=p / p.sum())

    def _eps1_candidates(self, eps0):
        return self._values

    def __repr__(self) -> str:
        return f"Empirical({self._values.size} distinct errors in [{self._lo:g}, {self._hi:g}])"
