"""Measured Guess & Check quantities for every n, from the compact per-classifier summaries.

Inputs: true errors :math:`\\epsilon_k` (K,) and first-mistake positions :math:`p_{kr}` (K, R)
from :mod:`badminima.sampling.guess_check`. For training set r (the first n points of
ordering r) the survivors are :math:`H(S_r) = \\{k : p_{kr} \\ge n\\}`, with
:math:`c_r(n) = |H(S_r)|`. All sums over survivors come from one ``bincount`` of
:math:`p_{\\cdot r}` per r followed by a reverse cumulative sum over n.

Measured, for every :math:`0 \\le n \\le n_{max}` (docs/science.md sections 2 and 4):

- acceptance :math:`A(n) = \\frac{1}{R}\\sum_r c_r(n)/K` (estimates :math:`Z_n`), with a
  Wilson interval whose number of trials is the *effective* one,
  :math:`n_{eff} = A(1-A)/\\widehat{\\mathrm{se}}^2`, where
  :math:`\\widehat{\\mathrm{se}}^2 = \\widehat{\\mathrm{Var}}_k(\\bar g_k)/K + \\widehat{\\mathrm{Var}}_r(A_r)/R`
  adds the classifier-sampling variance (:math:`\\bar g_k` = fraction of the R sets member k
  fits) and the training-set variance (:math:`A_r = c_r/K`). With independent trials this is
  the plain binomial Wilson interval on ``K R`` trials (also reported).
- survivors' mean error per set :math:`m_r(n)`, its average over the sets with survivors
  (``learning_curve_measured``, a t interval from the spread across sets), and the pooled
  ratio :math:`\\sum_r \\sum_{k \\in H(S_r)} \\epsilon_k / \\sum_r c_r` (the annealed estimator of
  :math:`E_n`, with a delta-method t interval over the sets); survivors' error std; bad
  fraction :math:`B_n(\\epsilon_0)` likewise. The annealed theory predicts the pooled
  estimators; the per-set average differs from them by the covariance term below.
- survivor histograms :math:`f_r(n, b)` (fraction of :math:`H(S_r)` in error bin b), their
  average, the pooled histogram, and the covariance term of section 2,

  .. math:: \\frac{\\mathrm{cov}_r(f_r, c_r)}{\\langle c_r \\rangle}
            = \\frac{\\langle c_r f_r \\rangle}{\\langle c_r \\rangle} - \\langle f_r \\rangle

  (the annealed minus the quenched histogram, exactly, over the sets with survivors), with
  its Cauchy-Schwarz bound :math:`\\mathrm{sd}_r(f_r)\\,\\mathrm{sd}_r(c_r)/\\langle c_r\\rangle`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from badminima.errors import InvalidParameterError
from badminima.validation import check_real


def wilson_interval(p, n_eff, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` observed on ``n_eff`` trials.

    .. math:: \\frac{p + z^2/2n \\pm z\\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n_eff, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _per_set_sums(positions: np.ndarray, weights: np.ndarray | None, n_max: int) -> np.ndarray:
    """``out[r, n] = sum of weights over {k : positions[k, r] >= n}``, shape (R, n_max + 1)."""
    R = positions.shape[1]
    out = np.empty((R, n_max + 1))
    for r in range(R):
        counts = np.bincount(positions[:, r], weights=weights, minlength=n_max + 1)
        out[r] = np.cumsum(counts[::-1])[::-1]
    return out


def _sum_squared_member_counts(positions: np.ndarray, n_max: int) -> np.ndarray:
    """``sum_k c_k(n)^2`` with ``c_k(n) = #{r : p_kr >= n}``, for every n.

    With each row sorted in decreasing order, :math:`s_{k1} \\ge s_{k2} \\ge \\dots`,
    :math:`c_k(n)^2 = \\sum_{j : s_{kj} \\ge n} (2j - 1)`.
    """
    ordered = -np.sort(-positions, axis=1)
    total = np.zeros(n_max + 1)
    for j in range(ordered.shape[1]):
        counts = np.bincount(ordered[:, j], minlength=n_max + 1)
        total += (2 * j + 1) * np.cumsum(counts[::-1])[::-1]
    return total


def _across_sets(values: np.ndarray, has: np.ndarray, confidence: float):
    """Mean, std and t interval over the sets with survivors (columns are n)."""
    v = np.where(has, values, np.nan)
    count = has.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.nansum(np.nan_to_num(v), axis=0) / np.maximum(count, 1), np.nan)
        dev = np.where(has, values - mean, 0.0)
        sd = np.where(count > 1, np.sqrt((dev ** 2).sum(axis=0) / np.maximum(count - 1, 1)), np.nan)
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(count - 1, 1))
        half = np.where(count > 1, t * sd / np.sqrt(count), np.nan)
    return mean, sd, mean - half, mean + half


#: Series that use only the first-mistake positions (every member, whatever was evaluated).
POSITION_SERIES = ("n", "survivors_per_set", "acceptance_measured", "acceptance_se", "acceptance_spread",
                   "acceptance_ci_low", "acceptance_ci_high", "acceptance_ci_binomial_low",
                   "acceptance_ci_binomial_high", "acceptance_effective_trials", "training_sets_with_survivors",
                   "hist_bin_edges")
#: Series with one row per training set, shape ``(R, n_max + 1)``.
PER_SET_SERIES = ("survivors_per_set", "learning_curve_per_set")


def measure_guess_check(test_errors, first_mistake, n_max: int, eps0: float, bin_edges,
                        confidence: float = 0.95, subsample=None, n_min: int = 0) -> dict[str, np.ndarray]:
    """All measured series of a Guess & Check run, aligned with ``n`` from 0 to ``n_max``.

    Parameters
    ----------
    test_errors : array (K,)
        True error (estimate) of each classifier.
    first_mistake : int array (K, R)
        First-mistake positions, values in ``[0, n_max]``.
    n_max : int
    eps0 : float
        Threshold of "bad" global minima, in (0, 1).
    bin_edges : array
        Edges of the survivor-error histograms (increasing, covering [0, 1]).
    confidence : float
        Level of every interval.

    subsample : bool array (K,), optional
        Survivors-first runs: the uniform subsample whose errors are all known. Then
        ``test_errors`` may be NaN outside it for members that fail the first ``n_min``
        points of every ordering.
    n_min : int
        Every survivor of ``n >= n_min`` points has a known error.

    Returns
    -------
    dict of numpy.ndarray
        Series of length ``n_max + 1`` (histograms ``(n_max + 1, bins)``,
        ``survivors_per_set`` ``(R, n_max + 1)``); keys are listed in the module docstring
        and in docs/guess_check.md.

    Notes
    -----
    Survivors first (docs/science.md section 4): the acceptance series use every member's
    positions. The survivor series at ``n >= n_min`` use every survivor (all evaluated:
    the same estimators as a full run); at ``n < n_min`` they are computed on the subsample
    alone. Membership in the subsample is independent of the parameters, so its survivors
    are a uniform random sample of all survivors and each estimator keeps its meaning
    (ratio estimators over the subsample, with their intervals from the subsample's sets).
    """
    if subsample is not None:
        return _measure_survivors_first(test_errors, first_mistake, n_max, eps0, bin_edges, confidence,
                                        np.asarray(subsample, dtype=bool), int(n_min))
    eps = np.asarray(test_errors, dtype=np.float64)
    pos = np.asarray(first_mistake)
    if pos.ndim != 2 or pos.shape[0] != eps.shape[0] or eps.ndim != 1 or len(eps) == 0:
        raise InvalidParameterError(
            f"measure_guess_check needs test_errors (K,) and first_mistake (K, R) with K >= 1. "
            f"Got shapes {eps.shape} and {pos.shape} instead.")
    if pos.min() < 0 or pos.max() > n_max:
        raise InvalidParameterError(f"first_mistake values must lie in [0, n_max={n_max}].")
    eps0 = check_real("eps0", eps0, "measure_guess_check", 0, 1, "neither")
    pos = pos.astype(np.int64)
    K, R = pos.shape
    edges = np.asarray(bin_edges, dtype=float)
    n = np.arange(n_max + 1)

    counts = _per_set_sums(pos, None, n_max)                      # c_r(n)
    sum_eps = _per_set_sums(pos, eps, n_max)
    sum_eps2 = _per_set_sums(pos, eps * eps, n_max)
    sum_bad = _per_set_sums(pos, (eps > eps0).astype(float), n_max)
    has = counts > 0

    out: dict[str, np.ndarray] = {"n": n}
    # acceptance
    acc_r = counts / K
    acc = acc_r.mean(axis=0)
    var_members = _sum_squared_member_counts(pos, n_max) / (R * R) / K - acc ** 2
    var_sets = acc_r.var(axis=0, ddof=1) if R > 1 else np.zeros_like(acc)
    se2 = np.maximum(var_members, 0) / K + var_sets / R
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se2 > 0, acc * (1 - acc) / se2, K * R)
    n_eff = np.clip(np.nan_to_num(n_eff, nan=K * R), 1, K * R)
    out["survivors_per_set"] = counts.astype(np.int64)
    out["acceptance_measured"] = acc
    out["acceptance_se"] = np.sqrt(se2)
    out["acceptance_spread"] = acc_r.std(axis=0, ddof=1) if R > 1 else np.zeros_like(acc)
    out["acceptance_ci_low"], out["acceptance_ci_high"] = wilson_interval(acc, n_eff, confidence)
    out["acceptance_ci_binomial_low"], out["acceptance_ci_binomial_high"] = wilson_interval(acc, K * R, confidence)
    out["acceptance_effective_trials"] = n_eff
    out["training_sets_with_survivors"] = has.sum(axis=0)

    with np.errstate(divide="ignore", invalid="ignore"):
        mean_r = sum_eps / counts
        std_r = np.sqrt(np.maximum(sum_eps2 / counts - mean_r ** 2, 0))
        bad_r = sum_bad / counts
        total = counts.sum(axis=0)
        pooled_mean = np.where(total > 0, sum_eps.sum(0) / total, np.nan)
        pooled_bad = np.where(total > 0, sum_bad.sum(0) / total, np.nan)
    out["learning_curve_per_set"] = mean_r  # NaN where a set has no survivors
    for key, values in (("learning_curve", mean_r), ("error_std", std_r), ("bad_fraction", bad_r)):
        mean, sd, low, high = _across_sets(values, has, confidence)
        out[f"{key}_measured"], out[f"{key}_spread"] = mean, sd
        out[f"{key}_ci_low"], out[f"{key}_ci_high"] = low, high
    for key, sums, pooled in (("learning_curve", sum_eps, pooled_mean), ("bad_fraction", sum_bad, pooled_bad)):
        out[f"{key}_pooled"] = pooled
        out[f"{key}_pooled_ci_low"], out[f"{key}_pooled_ci_high"] = _ratio_interval(
            sums, counts, pooled, confidence)
    out["covariance_term_mean"] = pooled_mean - out["learning_curve_measured"]
    out["covariance_bound_mean"] = _cs_bound(mean_r, counts, has)
    out.update(_histograms(eps, pos, edges, counts, has, n_max))
    return out


def _measure_survivors_first(eps, pos, n_max, eps0, bin_edges, confidence, subsample, n_min) -> dict:
    eps = np.asarray(eps, dtype=np.float64)
    pos = np.asarray(pos)
    if subsample.shape != eps.shape or not subsample.any():
        raise InvalidParameterError(
            f"The 'subsample' parameter of measure_guess_check must be a non-empty bool mask of shape {eps.shape}.")
    known = np.isfinite(eps)
    if not known[subsample].all() or not known[(pos >= n_min).any(axis=1)].all():
        raise InvalidParameterError(
            f"measure_guess_check needs the true error of every subsample member and every survivor of "
            f"n_min = {n_min} points.")
    full = measure_guess_check(np.where(known, eps, 0.0), pos, n_max, eps0, bin_edges, confidence)
    sub = measure_guess_check(eps[subsample], pos[subsample], n_max, eps0, bin_edges, confidence)
    low = min(max(n_min, 0), n_max + 1)
    for key, value in full.items():
        if key in POSITION_SERIES:
            continue
        axis = 1 if key in PER_SET_SERIES else 0
        index = (slice(None),) * axis + (slice(0, low),)
        value[index] = sub[key][index]
    full["subsample_size"] = np.asarray(int(subsample.sum()))
    return full


def _ratio_interval(sums: np.ndarray, counts: np.ndarray, ratio: np.ndarray, confidence: float):
    r"""t interval of the pooled ratio sum_r s_r / sum_r c_r over sets (delta method).

    .. math:: \widehat{\mathrm{se}}^2 = \frac{\sum_r (s_r - \hat\rho c_r)^2}{R (R-1) \bar c^2}
    """
    R = counts.shape[0]
    if R < 2:
        nan = np.full(counts.shape[1], np.nan)
        return nan, nan
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = sums - np.nan_to_num(ratio) * counts
        se = np.sqrt((resid ** 2).sum(0) / (R * (R - 1))) / counts.mean(0)
        half = stats.t.ppf(0.5 + confidence / 2, R - 1) * se
    return ratio - half, ratio + half


def _cs_bound(f: np.ndarray, counts: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Cauchy-Schwarz bound sd_r(f) sd_r(c) / <c> over the sets with survivors (columns n)."""
    k = np.maximum(has.sum(axis=0), 1)
    shape = (1,) * (f.ndim - 2)
    hs = has.reshape(has.shape + shape)
    c = counts.reshape(counts.shape + shape)
    kk = k.reshape(k.shape + shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        fm = np.where(hs, np.nan_to_num(f), 0).sum(0) / kk
        cm = np.where(hs, c, 0).sum(0) / kk
        sf = np.sqrt(np.where(hs, (np.nan_to_num(f) - fm) ** 2, 0).sum(0) / kk)
        sc = np.sqrt(np.where(hs, (c - cm) ** 2, 0).sum(0) / kk)
        return np.where(cm > 0, sf * sc / cm, np.nan)


def _histograms(eps, pos, edges, counts, has, n_max) -> dict[str, np.ndarray]:
    """Survivor histograms (fraction per bin), quenched and pooled, and the covariance term."""
    B = len(edges) - 1
    # bins (a, b], the first one [0, b]: the convention of Q_n's cdf differences
    b = np.clip(np.searchsorted(edges, eps, side="left") - 1, 0, B - 1)
    R = pos.shape[1]
    hist = np.empty((R, n_max + 1, B))
    for r in range(R):
        flat = np.bincount(pos[:, r] * B + b, minlength=(n_max + 1) * B).reshape(n_max + 1, B)
        hist[r] = np.cumsum(flat[::-1], axis=0)[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = hist / counts[:, :, None]
        k = np.maximum(has.sum(axis=0), 1)[:, None]
        quenched = np.where(has[:, :, None], np.nan_to_num(f), 0).sum(0) / k
        pooled = hist.sum(0) / counts.sum(0)[:, None]
    empty = ~has.any(axis=0)
    quenched[empty] = np.nan
    return {"hist_bin_edges": edges, "survivor_hist_measured": quenched, "survivor_hist_pooled": pooled,
            "covariance_term_hist": pooled - quenched, "covariance_bound_hist": _cs_bound(f, counts, has)}


def agreement(measured, low, high, predicted) -> np.ndarray:
    """Bool array: the prediction lies inside the measured interval (NaN entries are False)."""
    predicted = np.asarray(predicted, dtype=float)
    return (np.asarray(low) <= predicted) & (predicted <= np.asarray(high))
