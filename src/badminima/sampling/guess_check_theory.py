"""Theory-side predictions of a Guess & Check run (SCIENCE.md section 2).

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

from badminima.theory import (
    Empirical,
    SphericalPerceptron,
    bad_fraction,
    bad_fraction_bound,
    error_std,
    learning_curve,
    log_acceptance,
    posterior,
)
from badminima.validation import check_int

#: Name -> builder of the density a run is compared with: fn(test_errors, input_dim) -> density.
DENSITIES = {
    "empirical": lambda errors, dim: Empirical(errors),
    "perceptron": lambda errors, dim: SphericalPerceptron(dim),
}


def make_density(name: str, test_errors, input_dim: int):
    """The theory density ``name`` (``empirical`` or ``perceptron``) for a run."""
    from badminima.errors import InvalidParameterError
    if name not in DENSITIES:
        raise InvalidParameterError(
            f"The 'density' parameter must be one of {', '.join(map(repr, DENSITIES))}. Got {name!r} instead.")
    if name == "perceptron":
        check_int("input_dim", input_dim, "SphericalPerceptron", 2, None)
    return DENSITIES[name](np.asarray(test_errors, dtype=float), input_dim)


def _empirical_bound(errors: np.ndarray, eps0: float, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The exponential bound for the empirical density of ``errors``, in O(K log K).

    Same quantity as :func:`badminima.theory.bad_fraction_bound` for ``Empirical(errors)``
    (the best eps1 among the atoms below eps0, capped at 1), computed from sorted errors:

    .. math:: \min_{\epsilon_1 < \epsilon_0} \left(\frac{1-\epsilon_0}{1-\epsilon_1}\right)^n
              \frac{P(\epsilon > \epsilon_0)}{P(\epsilon \le \epsilon_1)}
    """
    values, counts = np.unique(errors, return_counts=True)
    log_cdf = np.log(np.cumsum(counts) / counts.sum())
    keep = values < eps0
    sf0 = np.mean(errors > eps0)
    if not keep.any() or sf0 == 0:
        return (np.full(n.shape, np.nan if not keep.any() else 0.0) if sf0 == 0 else np.full(n.shape, 1.0),
                np.full(n.shape, np.nan))
    v, lc = values[keep], log_cdf[keep]
    log_b = (n[:, None] * (np.log1p(-eps0) - np.log1p(-v[None, :])) + np.log(sf0) - lc[None, :])
    best = np.argmin(log_b, axis=1)
    return np.exp(np.minimum(log_b[np.arange(len(n)), best], 0.0)), v[best]


def _empirical_hist(errors: np.ndarray, n: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mass of Q_n in each bin (a, b] for the empirical density: weights (1 - eps_k)^n."""
    values, counts = np.unique(errors, return_counts=True)
    b = np.clip(np.searchsorted(edges, values, side="left") - 1, 0, len(edges) - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = np.where(n[:, None] == 0, 0.0, n[:, None] * np.log1p(-np.minimum(values, 1.0))[None, :])
    log_w = np.log(counts)[None, :] + decay
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    out = np.stack([np.bincount(b, weights=row, minlength=len(edges) - 1) for row in w])
    return out / out.sum(axis=1, keepdims=True)


def predict_guess_check(density, n, eps0: float, bin_edges, errors=None) -> dict[str, np.ndarray]:
    """Predictions of every measured series for the sample sizes ``n``.

    Parameters
    ----------
    density : Density
    n : array of int
    eps0 : float
    bin_edges : array
    errors : array, optional
        When ``density`` is ``Empirical(errors)``, pass ``errors`` too: the bound and the
        histograms then use O(K log K) closed forms instead of the generic density methods.

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
    if errors is not None:
        errors = np.asarray(errors, dtype=float)
        bound, eps1 = _empirical_bound(errors, eps0, n)
        hist = _empirical_hist(errors, n, edges)
    else:
        bound, eps1 = bad_fraction_bound(density, eps0, n)
        hist = np.empty((len(n), len(edges) - 1))
        for i, size in enumerate(n):
            cdf = np.asarray(posterior(density, size).cdf(edges), dtype=float)
            cdf[0] = 0.0  # bins (a, b], the first one closed: mass at eps = edges[0] counts
            hist[i] = np.diff(cdf)
    return {
        "acceptance_predicted": np.exp(log_z),
        "log_acceptance_predicted": log_z,
        "learning_curve_predicted": np.asarray(learning_curve(density, n), dtype=float),
        "error_std_predicted": np.asarray(error_std(density, n), dtype=float),
        "bad_fraction_predicted": np.asarray(bad_fraction(density, eps0, n), dtype=float),
        "bad_fraction_bound": np.asarray(bound, dtype=float) * np.ones_like(n),
        "bad_fraction_bound_eps1": np.asarray(eps1, dtype=float) * np.ones_like(n),
        "survivor_hist_predicted": hist,
    }
