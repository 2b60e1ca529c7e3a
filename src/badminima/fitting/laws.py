"""Empirical learning-curve laws: the baselines the density models are compared with.

Each law is a closed formula ``E(n; theta)`` for the mean test error at training-set size
``n``, with the names used by Domhan et al. (2015) and by the learning-curve database of
Mohr et al., as surveyed by Viering & Loog (2022), written for a *decreasing error*:

========  ==================================  =======================================
name      formula                             parameters
========  ==================================  =======================================
``pow2``  ``b n^(-c)``                         pure power law (no floor)
``pow3``  ``a + b n^(-c)``                    asymptote a, scale b, exponent c
``pow4``  ``a + b (n + d)^(-c)``              pow3 with an offset d of the sample size
``mmf4``  ``(a b + c n^d) / (b + n^d)``       Morgan-Mercer-Flodin: E(0)=a, E(inf)=c
``wbl4``  ``a + b exp(-c n^d)``               Weibull: E(inf)=a, E(0)=a+b
``exp3``  ``a + b exp(-c n)``                 exponential decay to a
``last``  ``a``                               the last measured mean (baseline)
========  ==================================  =======================================

They are not densities: they predict the mean only (docs/science.md section 3 asks for them as
baselines fitted with the same code and scored the same way).

References
----------
T. Domhan, J. T. Springenberg, F. Hutter, "Speeding up automatic hyperparameter
optimization of deep neural networks by extrapolation of learning curves", IJCAI 2015.
T. Viering, M. Loog, "The shape of learning curves: a review", IEEE TPAMI 2022.
"""

from __future__ import annotations

import numpy as np


def pow2(n, b, c):
    r"""Pure power law, :math:`E(n) = b n^{-c}` (a straight line in log-log axes)."""
    return b * np.exp(-c * np.log(n))


def pow3(n, a, b, c):
    r"""Power law with offset, :math:`E(n) = a + b n^{-c}`."""
    return a + b * np.exp(-c * np.log(n))


def pow4(n, a, b, c, d):
    r"""Power law with offsets, :math:`E(n) = a + b (n + d)^{-c}`."""
    return a + b * np.exp(-c * np.log(n + d))


def mmf4(n, a, b, c, d):
    r"""Morgan-Mercer-Flodin law, :math:`E(n) = (a b + c n^d) / (b + n^d)`.

    Written as :math:`c + (a - c) b / (b + n^d)`.
    """
    return c + (a - c) * b / (b + np.power(n, d))


def wbl4(n, a, b, c, d):
    r"""Weibull law, :math:`E(n) = a + b \exp(-c n^d)`."""
    return a + b * np.exp(-c * np.power(n, d))


def exp3(n, a, b, c):
    r"""Exponential law, :math:`E(n) = a + b \exp(-c n)`."""
    return a + b * np.exp(-c * n)


def constant(n, a):
    r"""No learning: :math:`E(n) = a`, the baseline "predict the last measured mean"."""
    return np.full(np.shape(n), a, dtype=float)
