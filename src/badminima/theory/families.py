"""Parametric true-error densities: Beta, ShiftedBeta, PowerLaw, SphericalPerceptron,
RareGoodTail (docs/science.md §2 and §3).

Each family states its parameter domain at construction (raising
:class:`~badminima.errors.InvalidParameterError` naming the parameter) and holds only its
formulas; the machinery lives in :class:`~badminima.theory.base.Density`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaincc, betaincinv, betaln

from badminima.errors import InvalidParameterError
from badminima.theory import _quadrature
from badminima.theory._special import log_beta_ratio
from badminima.theory.base import Density, Tilted
from badminima.validation import check_int, check_real


def _xlog(coef: float, log_x):
    """``coef * log_x`` with ``0 * -inf = 0``."""
    return 0.0 if coef == 0.0 else coef * log_x


def _log(x):
    with np.errstate(divide="ignore"):
        return np.log(x)


class ShiftedBeta(Density):
    """Beta(a, b) stretched onto ``[eps_min, eps_max]``: a floor and a ceiling (docs/science.md §3).

    Parameters
    ----------
    a, b : float
        Positive shape parameters.
    eps_min : float
        Irreducible error (floor), in [0, 1).
    eps_max : float
        Ceiling in ``(eps_min, 1]``, e.g. chance level ``1 - 1/C``.

    Notes
    -----
    With ``t = (eps - eps_min) / w``, ``w = eps_max - eps_min``,

    .. math::

        D(\\epsilon) = \\frac{t^{a-1} (1-t)^{b-1}}{w\\, B(a, b)}.

    When ``eps_max = 1`` everything is closed form: ``1 - eps = (1 - eps_min)(1 - t)``, so
    ``log Z_n = n log(1 - eps_min) + log B(a, b+n) - log B(a, b)``,
    ``Q_n = ShiftedBeta(a, b + n, eps_min, 1)`` and
    ``E_n = eps_min + (1 - eps_min) a / (a + b + n)`` (docs/science.md §3). With ``eps_max < 1``
    the moments are hypergeometric and computed by log-space quadrature.
    """

    _owner = "ShiftedBeta"

    def __init__(self, a, b, eps_min=0.0, eps_max=1.0):
        owner = self._owner
        a = check_real("a", a, owner, 0.0, None, "neither")
        b = check_real("b", b, owner, 0.0, None, "neither")
        eps_min = check_real("eps_min", eps_min, owner, 0.0, 1.0, "left")
        eps_max = check_real("eps_max", eps_max, owner, 0.0, 1.0, "right")
        if eps_max <= eps_min:
            raise InvalidParameterError(
                f"The 'eps_max' parameter of {owner} must be greater than eps_min={eps_min!r}. "
                f"Got {eps_max!r} instead.")
        super().__init__(eps_min, eps_max)
        self.a, self.b = a, b
        self._log_beta = float(betaln(a, b))

    @property
    def eps_min(self) -> float:
        return self._lo

    @property
    def eps_max(self) -> float:
        return self._hi

    def _with_b(self, b: float) -> Density:
        return ShiftedBeta(self.a, b, self._lo, self._hi)

    def _u_logpdf(self, t, log_t, log1m_t):
        return _xlog(self.a - 1.0, log_t) + _xlog(self.b - 1.0, log1m_t) - self._log_beta

    def _u_log_z(self, n, r):
        if r != 1.0:
            return super()._u_log_z(n, r)
        return log_beta_ratio(self.a, self.b, n)

    def _u_mean_std(self, n, r):
        if r != 1.0:
            return super()._u_mean_std(n, r)
        a, bn = self.a, self.b + n
        total = a + bn
        # sqrt(a bn / (total^2 (total + 1))) in log space: finite for n up to 1e308
        log_var = np.log(a) + np.log(bn) - 2.0 * np.log(total) - np.log1p(total)
        return a / total, np.exp(0.5 * log_var)

    def _u_log_cdf_sf(self, t0, n, r):
        if r != 1.0:
            return super()._u_log_cdf_sf(t0, n, r)
        t0, bn = np.broadcast_arrays(np.asarray(t0, dtype=float), self.b + np.asarray(n, dtype=float))
        log_cdf, log_sf = _log(betainc(self.a, bn, t0)), _log(betaincc(self.a, bn, t0))
        # a tail below 1e-308 underflows in closed form: take its log from quadrature
        lost = ((log_cdf == -np.inf) | (log_sf == -np.inf)) & (t0 > 0) & (t0 < 1)
        if np.any(lost):
            log_cdf, log_sf = np.array(log_cdf, dtype=float), np.array(log_sf, dtype=float)
            log_cdf[lost], log_sf[lost] = super()._u_log_cdf_sf(t0[lost], bn[lost] - self.b, r)
        return log_cdf, log_sf

    def _posterior(self, n, r):
        r_unit, _ = self._unit_rate(n, r)
        return self._with_b(self.b + n) if r_unit == 1.0 else Tilted(self, n, r)

    def _ppf(self, q):
        return self._lo + (self._hi - self._lo) * betaincinv(self.a, self.b, q)

    def _sample(self, size, rng):
        return self._lo + (self._hi - self._lo) * rng.beta(self.a, self.b, size)

    def __repr__(self) -> str:
        return f"ShiftedBeta(a={self.a:g}, b={self.b:g}, eps_min={self._lo:g}, eps_max={self._hi:g})"


class Beta(ShiftedBeta):
    """Beta(a, b) on [0, 1] (docs/science.md §2).

    Notes
    -----
    .. math::

        D(\\epsilon) = \\epsilon^{a-1} (1-\\epsilon)^{b-1} / B(a, b), \\quad
        Z_n = B(a, b+n) / B(a, b), \\quad Q_n = \\mathrm{Beta}(a, b+n),

    so ``E_n = a / (a + b + n)`` and ``B_n(eps0) = 1 - I_{eps0}(a, b + n)``.
    """

    _owner = "Beta"

    def __init__(self, a, b):
        super().__init__(a, b, 0.0, 1.0)

    def _with_b(self, b: float) -> Density:
        return Beta(self.a, b)

    def __repr__(self) -> str:
        return f"Beta(a={self.a:g}, b={self.b:g})"


class PowerLaw(ShiftedBeta):
    """``D(eps) = (k + 1) eps^k / eps_max^(k+1)`` on ``[0, eps_max]`` (docs/science.md §2).

    Notes
    -----
    This is Beta(k + 1, 1) stretched onto ``[0, eps_max]``. Near 0 ``D ~ eps^k``, hence
    ``E_n ~ (k + 1) / n`` for large n. ``eps_max = 1`` is closed form; otherwise quadrature.
    """

    _owner = "PowerLaw"

    def __init__(self, k, eps_max=1.0):
        k = check_real("k", k, "PowerLaw", -1.0, None, "neither")
        super().__init__(k + 1.0, 1.0, 0.0, eps_max)
        self.k = k

    def __repr__(self) -> str:
        return f"PowerLaw(k={self.k:g}, eps_max={self._hi:g})"


class SphericalPerceptron(Density):
    """The spherical perceptron: ``D(eps) ∝ sin^(N-2)(pi eps)`` on [0, 1] (docs/science.md §2).

    Parameters
    ----------
    N : int
        Input dimension, at least 2.

    Notes
    -----
    A student drawn uniformly on the sphere makes an angle theta with the teacher whose
    density is ``∝ sin^(N-2) theta``; its error is ``eps = theta / pi``, so

    .. math::

        D(\\epsilon) = \\frac{\\pi \\sin^{N-2}(\\pi\\epsilon)}{B(1/2, (N-1)/2)}.

    ``N = 2`` is the uniform density (``E_n = 1/(n+2)``). The learning curve is the annealed
    Gibbs-learning curve, ``E_n ~ N / n`` for ``n >> N``; moments come from quadrature.
    """

    def __init__(self, N):
        self.N = check_int("N", N, "SphericalPerceptron", 2, None)
        super().__init__(0.0, 1.0)
        self._log_norm = float(betaln(0.5, (self.N - 1) / 2.0) - np.log(np.pi))

    def _u_logpdf(self, t, log_t, log1m_t):
        if self.N == 2:
            return np.zeros_like(t) - self._log_norm
        near = np.where(t <= 0.5, t, np.exp(log1m_t))
        with np.errstate(divide="ignore"):
            return (self.N - 2) * np.log(np.sin(np.pi * near)) - self._log_norm

    def _sample(self, size, rng):
        z1 = rng.standard_normal(size)
        rest = rng.chisquare(self.N - 1, size)
        return np.arctan2(np.sqrt(rest), z1) / np.pi

    def __repr__(self) -> str:
        return f"SphericalPerceptron(N={self.N})"


class RareGoodTail(Density):
    """Thin left tail: ``D(eps) ∝ exp(-c (eps - eps_min)^(-gamma))`` on (eps_min, 1] (docs/science.md §3).

    Parameters
    ----------
    eps_min : float
        Floor in [0, 1).
    c, gamma : float
        Positive tail scale and exponent.

    Notes
    -----
    Good solutions are exponentially rare near the floor. A saddle point of
    ``-c x^(-gamma) - n x`` at ``x* = (c gamma / n)^(1/(1+gamma))`` gives
    ``E_n ~ eps_min + A n^(-1/(1+gamma))``: a power-law learning curve with exponent below 1.
    In the unit variable ``t = (eps - eps_min)/(1 - eps_min)`` the density is
    ``exp(-C t^(-gamma)) / K`` with ``C = c (1 - eps_min)^(-gamma)``; ``K`` and every moment
    come from log-space quadrature.
    """

    def __init__(self, eps_min, c, gamma):
        owner = "RareGoodTail"
        eps_min = check_real("eps_min", eps_min, owner, 0.0, 1.0, "left")
        self.c = check_real("c", c, owner, 0.0, None, "neither")
        self.gamma = check_real("gamma", gamma, owner, 0.0, None, "neither")
        super().__init__(eps_min, 1.0)
        self._scale = self.c * (1.0 - eps_min) ** (-self.gamma)
        self._log_norm = 0.0
        self._log_norm = float(_quadrature.log_integral(self._u_logpdf, 0.0, 1.0, 0.0))

    @property
    def eps_min(self) -> float:
        return self._lo

    def _u_logpdf(self, t, log_t, log1m_t):
        with np.errstate(over="ignore"):
            return -self._scale * np.exp(-self.gamma * log_t) - self._log_norm

    def __repr__(self) -> str:
        return f"RareGoodTail(eps_min={self._lo:g}, c={self.c:g}, gamma={self.gamma:g})"
