"""The :class:`Density` base class of true-error densities D(eps) on [0, 1].

Modelled on ``scipy.stats``: the public methods validate and broadcast their inputs once;
the private methods hold a family's formulas. Everything the section-2 machinery of
docs/science.md needs is expressed through four *tilted* hooks with a consistency rate ``r``:

.. math::

    Z(n, r) = E_D[(1 - r\\,\\epsilon)^n], \\qquad
    Q_{n,r}(\\epsilon) = D(\\epsilon) (1 - r\\,\\epsilon)^n / Z(n, r).

``r = 1`` is the separable case (a classifier with error eps fits n samples with
probability (1 - eps)^n, docs/science.md §2); ``r = 1 - rho`` is the memorization model (§3).

Extension contract
------------------
A new family on support ``(lo, hi)`` only overrides ``_u_logpdf(t, log_t, log1m_t)``: the
normalized log density of the *unit* variable ``t = (eps - lo) / (hi - lo)`` (the three
arguments are the same point, with logs accurate near 0 and 1). Everything else is
inherited from vectorized log-space quadrature (:mod:`badminima.theory._quadrature`),
because the affine map reduces the eps-level problem to the unit one exactly:
``1 - r eps = (1 - r lo)(1 - r' t)`` with ``r' = r (hi - lo) / (1 - r lo)``. A family with
closed forms overrides the unit hooks ``_u_log_z``, ``_u_mean_std``, ``_u_log_cdf_sf``
(and ``_posterior``); densities that are not unit-level (finite sets, mixtures) override
the eps-level hooks ``_log_z``, ``_mean_var``, ``_log_cdf_sf``, ``_posterior``, ``_logpdf``.
Composite densities call those of their parts through the public, non-validating
``tilted_log_z``, ``tilted_mean_var``, ``tilted_mean_std``, ``tilted_log_cdf_sf``,
``tilted_posterior``, ``consistency_rate`` and ``eps1_candidates``.

Every section-2 quantity is a method here (``log_acceptance``, ``learning_curve``,
``error_std``, ``posterior``, ``bad_fraction``, ``log_bad_fraction``, ``bad_fraction_bound``,
``log_bad_fraction_bound``, ``sample_size``), as ``scipy.stats`` distributions carry ``pdf``
and ``sf``; the functions of :mod:`badminima.theory.quantities` and
:mod:`badminima.theory.bounds` are one-line wrappers that also accept a spec string.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from badminima.errors import InvalidParameterError
from badminima.search import smallest_n
from badminima.theory import _quadrature
from badminima.theory._eps1 import best_log_bound
from badminima.validation import as_generator, check_sample_sizes, check_unit_interval

_PPF_ITERATIONS = 64
_SAMPLE_TABLE_STEP = 0.004


@dataclass(frozen=True)
class SampleSize:
    """Smallest n with ``B_n(eps0) <= delta``: from the exact B_n and from the bound.

    ``None`` where no finite n reaches delta (D has no mass at or below eps0).
    """

    exact: int | None
    from_bound: int | None


class Density:
    """A true-error density D(eps) on ``support = (lo, hi)`` within [0, 1].

    Public methods accept array-likes and broadcast; ``n`` must hold non-negative integers
    (as floats, so ``n = 1e9`` and beyond is exact). See the module docstring for the
    extension contract.
    """

    def __init__(self, lo: float = 0.0, hi: float = 1.0):
        self._lo, self._hi = float(lo), float(hi)

    # ------------------------------------------------------------------ public API
    @property
    def support(self) -> tuple[float, float]:
        """``(lo, hi)``: the closed interval outside which D vanishes."""
        return (self._lo, self._hi)

    def logpdf(self, eps):
        """Log density at ``eps`` (``-inf`` outside the support)."""
        eps = np.asarray(eps, dtype=float)
        out = np.full(eps.shape, -np.inf)
        inside = (eps >= self._lo) & (eps <= self._hi)
        if np.any(inside):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[inside] = self._logpdf(eps[inside])
        out[np.isnan(eps)] = np.nan
        return out[()] if out.ndim == 0 else out

    def pdf(self, eps):
        """Density at ``eps``."""
        return np.exp(self.logpdf(eps))

    def logcdf(self, eps):
        """``log P_D(eps' <= eps)``, accurate when the probability is tiny."""
        return self._log_cdf_sf(np.asarray(eps, dtype=float), 0.0, 1.0)[0][()]

    def logsf(self, eps):
        """``log P_D(eps' > eps)``, accurate in the upper tail."""
        return self._log_cdf_sf(np.asarray(eps, dtype=float), 0.0, 1.0)[1][()]

    def cdf(self, eps):
        """``P_D(eps' <= eps)``."""
        return np.exp(self.logcdf(eps))

    def sf(self, eps):
        """``P_D(eps' > eps) = 1 - cdf``, computed directly (no cancellation)."""
        return np.exp(self.logsf(eps))

    def ppf(self, q):
        """Quantile function: the smallest ``eps`` with ``cdf(eps) >= q``."""
        q = np.asarray(q, dtype=float)
        if np.any(~((q >= 0) & (q <= 1))):
            raise InvalidParameterError(
                f"The 'q' parameter of {type(self).__name__}.ppf must hold probabilities in "
                f"[0, 1]. Got {q[~((q >= 0) & (q <= 1))].ravel()[0]!r} instead.")
        return self._ppf(q)[()]

    def sample(self, size, rng):
        """Draw ``size`` errors from D with ``rng`` (a numpy Generator or an int seed)."""
        rng = as_generator(rng, f"{type(self).__name__}.sample")
        return self._sample(size, rng)

    def mean(self) -> float:
        """``E_D[eps]``."""
        return float(self._mean_var(np.asarray(0.0), 1.0)[0])

    def var(self) -> float:
        """``Var_D[eps]``."""
        return float(self._mean_var(np.asarray(0.0), 1.0)[1])

    def std(self) -> float:
        """Standard deviation of eps under D."""
        return float(np.sqrt(self.var()))

    # ------------------------------------- section-2 quantities (scipy.stats style methods)
    # The functions of badminima.theory (quantities, bounds) are one-line wrappers of these
    # that also take a spec string; error messages name the function (``learning_curve``).
    def log_acceptance(self, n):
        """``log Z_n``: log probability that a prior draw has zero training error on n samples.

        Notes
        -----
        ``Z_n = E_D[(1 - eps)^n]`` (docs/science.md §2): the acceptance rate of Guess & Check.
        For :class:`~badminima.theory.Memorization`, ``E_D[(1 - (1 - rho) eps)^n]``.
        ``Z_0 = 1`` exactly.
        """
        n = check_sample_sizes("n", n, "log_acceptance")
        # Z_0 = E_D[1] = 1 for every (normalized) density: exactly 0, not quadrature's 1e-15
        return np.where(n == 0, 0.0, self._log_z(n, 1.0))[()]

    def log_moment(self, n):
        """``log E_D[(1 - eps)^n]`` of the prior D itself: the 0.1 name, kept as an alias.

        Equal to :meth:`log_acceptance` (the one name for ``log Z_n``) except that it is the
        raw quadrature value at ``n = 0`` and that, for
        :class:`~badminima.theory.Memorization`, it ignores ``rho`` (the moment of the base D).
        """
        n = check_sample_sizes("n", n, f"{type(self).__name__}.log_moment")
        return self._log_z(n, 1.0)[()]

    def learning_curve(self, n):
        """``E_n``: mean true error of a random global minimum after n samples.

        Notes
        -----
        ``E_n = int eps Q_n(eps) d eps = 1 - Z_{n+1} / Z_n`` (docs/science.md §2), evaluated as
        the mean of Q_n directly (closed form or quadrature), which keeps full relative
        precision when ``E_n`` is tiny and ``1 - Z_{n+1}/Z_n`` would cancel.
        """
        n = check_sample_sizes("n", n, "learning_curve")
        return self._mean_var(n, 1.0)[0][()]

    def error_std(self, n):
        """Standard deviation of the true error under Q_n (docs/science.md §2, "Spread").

        Notes
        -----
        ``Var_n = Z_{n+2}/Z_n - (Z_{n+1}/Z_n)^2`` in exact arithmetic; computed as the central
        second moment of Q_n so that it does not cancel, and in units of the mean (closed
        forms: in log space) so that the std of n = 1e300 (about 1e-300) does not underflow.
        """
        n = check_sample_sizes("n", n, "error_std")
        return self._mean_std(n, 1.0)[1][()]

    def posterior(self, n) -> "Density":
        """Q_n as a density object (``logpdf``, ``cdf``, ``ppf``, ``sample``, ...); scalar ``n``.

        Notes
        -----
        ``Q_n(eps) = D(eps) (1 - eps)^n / Z_n`` (docs/science.md §2): the density of the true
        error among classifiers with zero training error, in the annealed approximation.
        """
        n = check_sample_sizes("n", n, "posterior")
        if n.ndim != 0:
            raise InvalidParameterError(
                f"The 'n' parameter of posterior must be a single non-negative integer. Got shape {n.shape}.")
        return self._posterior(float(n), 1.0)

    def bad_fraction(self, eps0, n):
        """``B_n(eps0)``: the fraction of global minima whose true error exceeds ``eps0``.

        Notes
        -----
        ``B_n(eps0) = int_{eps0}^1 Q_n(eps) d eps`` (docs/science.md §2), computed as the upper
        tail of Q_n in log space (``1 - I_{eps0}(a, b + n)`` for Beta). Broadcasts ``eps0``
        with ``n``.
        """
        return np.exp(self._log_bad_fraction(eps0, n, "bad_fraction"))

    def log_bad_fraction(self, eps0, n):
        """``log B_n(eps0)``, finite where ``B_n`` itself underflows (n = 1e6 and beyond).

        Notes
        -----
        The log upper tail of Q_n that :meth:`bad_fraction` exponentiates (docs/science.md §2).
        """
        return self._log_bad_fraction(eps0, n, "log_bad_fraction")

    def bad_fraction_bound(self, eps0, n):
        """The exponential bound on ``B_n(eps0)`` with the best ``eps1``: ``(bound, eps1)``.

        See :meth:`log_bad_fraction_bound` for the formula; the bound is capped at 1.
        """
        log_b, eps1 = self._log_bad_fraction_bound(eps0, n, "bad_fraction_bound")
        return np.exp(np.minimum(log_b, 0.0))[()], eps1

    def bound(self, eps0, n):
        """Alias of :meth:`bad_fraction_bound` (the name of the function it mirrors)."""
        return self.bad_fraction_bound(eps0, n)

    def log_bad_fraction_bound(self, eps0, n):
        """Log of the exponential bound on ``B_n(eps0)`` with the best ``eps1``: ``(log_bound, eps1)``.

        Not capped at 0 (a positive value says by how much the bound is vacuous) and finite
        where the bound itself underflows.

        Notes
        -----
        For every ``eps1 < eps0`` (docs/science.md §2),

        .. math::

            B_n(\\epsilon_0) \\le \\left(\\frac{1 - \\epsilon_0}{1 - \\epsilon_1}\\right)^n
            \\frac{P_D(\\epsilon > \\epsilon_0)}{P_D(\\epsilon \\le \\epsilon_1)},

        because ``(1 - eps)^n <= (1 - eps0)^n`` above eps0 and ``>= (1 - eps1)^n`` below eps1.
        The same argument with ``(1 - r eps)^n`` covers :class:`Memorization`. The best eps1 is
        found on the atoms for empirical densities (the bound is smallest there) and by a
        refined grid search otherwise; any eps1 gives a valid bound. When D puts no mass at or
        below any eps1 < eps0 the log bound is ``inf`` (eps1 is then NaN).
        """
        return self._log_bad_fraction_bound(eps0, n, "log_bad_fraction_bound")

    def sample_size(self, eps0: float, delta: float) -> SampleSize:
        """Smallest training-set size with at most a fraction ``delta`` of bad global minima.

        Notes
        -----
        ``B_n(eps0)`` and its bound are non-increasing in n (reweighting by the decreasing
        ``(1 - eps)`` moves Q_n to smaller errors), so a doubling search followed by a batched
        bisection (:func:`badminima.search.smallest_n`) finds the smallest n for each
        (docs/science.md §2, last item). n is searched up to ``2**62``.
        """
        eps0 = float(check_unit_interval("eps0", eps0, "sample_size"))
        delta = float(check_unit_interval("delta", delta, "sample_size"))
        exact = smallest_n(lambda n: self.bad_fraction(eps0, n), delta)
        from_bound = smallest_n(lambda n: self.bad_fraction_bound(eps0, n)[0], delta)
        return SampleSize(exact=exact, from_bound=from_bound)

    def _log_bad_fraction(self, eps0, n, owner: str):
        eps0 = check_unit_interval("eps0", eps0, owner)
        n = check_sample_sizes("n", n, owner)
        eps0, n = np.broadcast_arrays(eps0, n)
        return self._log_cdf_sf(eps0, n, 1.0)[1][()]

    def _log_bad_fraction_bound(self, eps0, n, owner: str):
        eps0 = check_unit_interval("eps0", eps0, owner)
        n = check_sample_sizes("n", n, owner)
        eps0, n = (np.array(x, dtype=float) for x in np.broadcast_arrays(eps0, n))
        log_sf0 = self._log_cdf_sf(eps0, 0.0, 1.0)[1]
        log_b, eps1 = best_log_bound(self.logcdf, self._lo, eps0, n, self._consistency_rate, log_sf0,
                                     self._eps1_candidates(eps0))
        return log_b[()], eps1[()]

    # ---------------------------------------------- tilted hooks, public for composites
    # Non-validating: ``n`` (and ``eps``) are float arrays already checked by a public method.
    # Composite densities (Mixture, Memorization) call these on their parts; a family
    # overrides the private hook of the same name.
    def tilted_log_z(self, n, r):
        """``log Z(n, r) = log E_D[(1 - r eps)^n]``."""
        return self._log_z(n, r)

    def tilted_mean_var(self, n, r):
        """``(mean, variance)`` of ``Q_{n,r}``."""
        return self._mean_var(n, r)

    def tilted_mean_std(self, n, r):
        """``(mean, standard deviation)`` of ``Q_{n,r}`` (the std without underflow)."""
        return self._mean_std(n, r)

    def tilted_log_cdf_sf(self, eps, n, r):
        """``(log P_Q(eps' <= eps), log P_Q(eps' > eps))`` under ``Q_{n,r}``."""
        return self._log_cdf_sf(eps, n, r)

    def tilted_posterior(self, n: float, r: float) -> "Density":
        """``Q_{n,r}`` as a density."""
        return self._posterior(n, r)

    @property
    def consistency_rate(self) -> float:
        """Rate r of the consistency probability ``(1 - r eps)^n`` (1: separable)."""
        return self._consistency_rate

    def eps1_candidates(self, eps0):
        """Candidate eps1 values for the exponential bound, or None for a continuous search."""
        return self._eps1_candidates(eps0)

    @property
    def _consistency_rate(self) -> float:
        return 1.0

    def _eps1_candidates(self, eps0):
        return None

    # ------------------------------------------------------ eps-level tilted hooks
    def _unit_rate(self, n, r):
        """Unit-level rate ``r'`` and log offset ``n log(1 - r lo)`` of the affine reduction."""
        width = self._hi - self._lo
        denom = 1.0 - r * self._lo
        r_unit = r * width / denom
        if abs(r_unit - 1.0) < 1e-15:
            r_unit = 1.0
        offset = 0.0 if r * self._lo == 0.0 else n * np.log1p(-r * self._lo)
        return r_unit, offset

    def _log_z(self, n, r):
        r_unit, offset = self._unit_rate(n, r)
        return offset + self._u_log_z(n, r_unit)

    def _mean_var(self, n, r):
        r_unit, _ = self._unit_rate(n, r)
        mean, var = self._u_mean_var(n, r_unit)
        width = self._hi - self._lo
        return self._lo + width * mean, width * width * var

    def _mean_std(self, n, r):
        """Mean and standard deviation of Q_{n,r}; the std keeps its precision where the
        variance underflows (n up to 1e300). Densities that override only the eps-level
        ``_mean_var`` get its square root."""
        if type(self)._mean_var is not Density._mean_var:
            mean, var = self._mean_var(n, r)
            return mean, np.sqrt(np.maximum(var, 0.0))
        r_unit, _ = self._unit_rate(n, r)
        mean, std = self._u_mean_std(n, r_unit)
        return self._lo + (self._hi - self._lo) * mean, (self._hi - self._lo) * std

    def _log_cdf_sf(self, eps, n, r):
        r_unit, _ = self._unit_rate(n, r)
        t0 = np.clip((eps - self._lo) / (self._hi - self._lo), 0.0, 1.0)
        return self._u_log_cdf_sf(t0, n, r_unit)

    def _posterior(self, n: float, r: float) -> "Density":
        return Tilted(self, n, r)

    def _logpdf(self, eps):
        width = self._hi - self._lo
        if type(self)._u_logpdf is Density._u_logpdf:
            raise NotImplementedError(f"{type(self).__name__} defines neither _logpdf nor _u_logpdf")
        return self._u_logpdf((eps - self._lo) / width, np.log((eps - self._lo) / width),
                              np.log((self._hi - eps) / width)) - np.log(width)

    def _ppf(self, q):
        """Quantiles by bisection on the cdf (both tails compared in log space)."""
        lo = np.full(q.shape, self._lo)
        hi = np.full(q.shape, self._hi)
        lower = q < 0.5
        with np.errstate(divide="ignore"):
            target = np.where(lower, np.log(q), np.log1p(-q))
        for _ in range(_PPF_ITERATIONS):
            mid = 0.5 * (lo + hi)
            log_cdf, log_sf = self._log_cdf_sf(mid, 0.0, 1.0)
            below = np.where(lower, log_cdf < target, log_sf > target)
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return np.where(q <= 0, self._lo, np.where(q >= 1, self._hi, hi))

    def _sample(self, size, rng):
        """Inverse-transform sampling on a fine cdf table of the unit variable."""
        s, cdf = self._sample_table()
        u = rng.random(size)
        t = expit(np.interp(u, cdf, s))
        return self._lo + (self._hi - self._lo) * t

    def _sample_table(self):
        if getattr(self, "_table", None) is None:
            self._table = _quadrature.cdf_table(self._u_logpdf, _SAMPLE_TABLE_STEP)
        return self._table

    # ------------------------------------------------------ unit-level hooks
    def _u_logpdf(self, t, log_t, log1m_t):
        if type(self)._logpdf is Density._logpdf:
            raise NotImplementedError(f"{type(self).__name__} defines neither _logpdf nor _u_logpdf")
        width = self._hi - self._lo
        return self._logpdf(self._lo + width * t) + np.log(width)

    def _u_log_z(self, n, r):
        return _quadrature.log_integral(self._u_logpdf, 0.0, 1.0, n, r)

    def _u_mean_var(self, n, r):
        mean, std = self._u_mean_std(n, r)
        return mean, std * std

    def _u_mean_std(self, n, r):
        _, mean, std = _quadrature.log_integral(self._u_logpdf, 0.0, 1.0, n, r, moments=True)
        return mean, std

    def _u_log_cdf_sf(self, t0, n, r):
        below = _quadrature.log_integral(self._u_logpdf, 0.0, t0, n, r)
        above = _quadrature.log_integral(self._u_logpdf, t0, 1.0, n, r)
        total = np.logaddexp(below, above)
        return below - total, above - total

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Tilted(Density):
    """``Q(eps) = D(eps) (1 - r eps)^n / Z(n, r)``: the posterior of a unit-level density.

    Notes
    -----
    In the unit variable ``Q_u(t) = D_u(t) (1 - r' t)^n / Z_u(n, r')`` with ``r'`` from the
    affine reduction (see :class:`Density`); all methods then follow from quadrature. This is
    the density of the true error among global minima, docs/science.md §2 (``r = 1``) and §3.
    """

    def __init__(self, base: Density, n: float, r: float = 1.0):
        super().__init__(*base.support)
        self.base, self.n, self.r = base, float(n), float(r)
        self._r_unit, _ = base._unit_rate(self.n, self.r)
        self._log_norm = float(base._u_log_z(np.asarray(self.n), self._r_unit))

    def _u_logpdf(self, t, log_t, log1m_t):
        with np.errstate(divide="ignore", invalid="ignore"):
            log_c = log1m_t if self._r_unit == 1.0 else np.log1p(-self._r_unit * t)
            tilt = 0.0 if self.n == 0 else self.n * log_c
        return self.base._u_logpdf(t, log_t, log1m_t) + tilt - self._log_norm

    def __repr__(self) -> str:
        return f"Tilted({self.base!r}, n={self.n:g}, r={self.r:g})"
