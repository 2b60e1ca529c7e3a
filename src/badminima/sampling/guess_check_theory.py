"""Theory-side predictions of a Guess & Check run (docs/science.md section 2).

Given a true-error density D (the :class:`~badminima.theory.Empirical` distribution of the
sampled errors, or an exact density such as :class:`~badminima.theory.SphericalPerceptron`),
every measured series of :mod:`badminima.sampling.guess_check_stats` has a prediction:

- acceptance :math:`Z_n = E_D[(1-\\epsilon)^n]`,
- learning curve :math:`E_n = 1 - Z_{n+1}/Z_n` and spread :math:`\\sqrt{\\mathrm{Var}_n}`,
- bad fraction :math:`B_n(\\epsilon_0) = \\int_{\\epsilon_0}^1 Q_n`, with the exponential bound
  and its best :math:`\\epsilon_1`,
- survivor histogram: the mass :math:`Q_n` puts on each error bin (from its cdf).
"""

from __future__ import annotations

import numpy as np

from badminima.registry import Registry
from badminima.theory import bad_fraction, bad_fraction_bound, error_std, learning_curve, log_acceptance, posterior
from badminima.theory.specs import DENSITIES as _THEORY_DENSITIES
from badminima.validation import check_int

#: The densities a run is compared with: the ``empirical`` and ``perceptron`` families of
#: the one density registry (:data:`badminima.theory.specs.DENSITIES`).
DENSITIES = Registry({name: _THEORY_DENSITIES[name] for name in ("empirical", "perceptron")})

#: How a run fills each family's parameters: fn(test_errors, input_dim) -> keywords.
_RUN_PARAMETERS = {
    "empirical": lambda errors, input_dim: {"errors": errors},
    "perceptron": lambda errors, input_dim: {"N": input_dim},
}


def make_density(name: str, test_errors, input_dim: int):
    """The theory density ``name`` (``empirical`` or ``perceptron``) for a run."""
    family = DENSITIES.lookup(name, parameter="density")
    if name == "perceptron":
        check_int("input_dim", input_dim, "SphericalPerceptron", 2, None)
    return family.build(**_RUN_PARAMETERS[name](np.asarray(test_errors, dtype=float), input_dim))


def _survivor_hist(density, n: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mass of Q_n in each bin (a, b] (the first one closed), from the posterior's cdf.

    For :class:`~badminima.theory.Empirical` each row costs O(K) (one cumulative sum of the
    tilted weights) plus O(log K) per edge.
    """
    hist = np.empty((len(n), len(edges) - 1))
    for i, size in enumerate(n):
        cdf = np.asarray(posterior(density, size).cdf(edges), dtype=float)
        cdf[0] = 0.0  # bins (a, b], the first one closed: mass at eps = edges[0] counts
        hist[i] = np.diff(cdf)
    return hist


def predict_guess_check(density, n, eps0: float, bin_edges) -> dict[str, np.ndarray]:
    """Predictions of every measured series for the sample sizes ``n``.

    Parameters
    ----------
    density : Density
    n : array of int
    eps0 : float
    bin_edges : array

    Returns
    -------
    dict of numpy.ndarray
        ``acceptance_predicted``, ``log_acceptance_predicted``, ``learning_curve_predicted``,
        ``error_std_predicted``, ``bad_fraction_predicted``, ``bad_fraction_bound``,
        ``bad_fraction_bound_eps1`` (aligned with ``n``) and ``survivor_hist_predicted``
        (``(len(n), bins)``: the mass of :math:`Q_n` in each bin).
    """
    n = np.asarray(n, dtype=float)
    edges = np.asarray(bin_edges, dtype=float)
    log_z = np.asarray(log_acceptance(density, n), dtype=float)
    bound, eps1 = bad_fraction_bound(density, eps0, n)
    return {
        "acceptance_predicted": np.exp(log_z),
        "log_acceptance_predicted": log_z,
        "learning_curve_predicted": np.asarray(learning_curve(density, n), dtype=float),
        "error_std_predicted": np.asarray(error_std(density, n), dtype=float),
        "bad_fraction_predicted": np.asarray(bad_fraction(density, eps0, n), dtype=float),
        "bad_fraction_bound": np.asarray(bound, dtype=float) * np.ones_like(n),
        "bad_fraction_bound_eps1": np.asarray(eps1, dtype=float) * np.ones_like(n),
        "survivor_hist_predicted": _survivor_hist(density, n, edges),
    }
