"""Measured learning curves: per-run test errors grouped by training-set size.

The data of a fit are runs ``(n_r, e_r)``: the test error ``e_r`` of one network trained to
zero training error on ``n_r`` samples (several seeds per ``n``). Fits use the per-``n``
means and their standard errors; the bootstrap resamples runs within each ``n``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from badminima.errors import DataError, FitError


@dataclass(frozen=True)
class CurveData:
    """Per-run errors and their per-size summary.

    Attributes
    ----------
    n, errors : ndarray
        The runs (float64), sorted by ``n``.
    sizes : ndarray
        The distinct training-set sizes, increasing.
    counts, means, sigmas : ndarray
        Per size: number of runs, mean test error, standard error of the mean.
    relative_weights : bool
        True when no size has two distinct runs: ``sigmas`` are then proportional to the
        means and only their ratio is meaningful (the scale is fitted from the residuals).
    """

    n: np.ndarray
    errors: np.ndarray
    sizes: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    sigmas: np.ndarray
    relative_weights: bool

    def select(self, mask_sizes: np.ndarray) -> "CurveData":
        """The runs whose size is in ``sizes[mask_sizes]``."""
        keep = np.isin(self.n, self.sizes[mask_sizes])
        return summarize(self.n[keep], self.errors[keep])

    def resample(self, rng: np.random.Generator) -> "CurveData":
        """A bootstrap replicate: runs drawn with replacement within each size."""
        picks = [rng.choice(np.flatnonzero(self.n == s), size=c, replace=True)
                 for s, c in zip(self.sizes, self.counts)]
        idx = np.concatenate(picks)
        return summarize(self.n[idx], self.errors[idx])


def validate_runs(n, errors, owner: str = "LearningCurveFit") -> tuple[np.ndarray, np.ndarray]:
    """Check per-run data at the boundary and return them as sorted float arrays.

    Raises
    ------
    FitError
        Empty data, mismatched lengths, NaN/inf, errors outside [0, 1], sizes that are not
        positive integers, or fewer than two distinct sizes.
    """
    try:
        n = np.asarray(n, dtype=float).ravel()
        errors = np.asarray(errors, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise FitError(f"{owner}: n and test errors must be numbers ({exc}).") from None
    if n.size == 0:
        raise FitError(f"{owner}: the learning curve is empty (no runs to fit).")
    if n.shape != errors.shape:
        raise FitError(f"{owner}: n has {n.size} entries but the test errors have {errors.size}.")
    if not np.all(np.isfinite(errors)):
        raise FitError(f"{owner}: the test errors contain NaN or infinite values "
                       f"({int(np.sum(~np.isfinite(errors)))} of {errors.size} runs).")
    if not np.all(np.isfinite(n)) or np.any(n < 1) or np.any(n != np.floor(n)):
        raise FitError(f"{owner}: every n must be a positive integer; got {n[~_whole(n)][0]:g}.")
    if np.any((errors < 0) | (errors > 1)):
        raise FitError(f"{owner}: test errors must lie in [0, 1]; got "
                       f"{errors[(errors < 0) | (errors > 1)][0]:g}.")
    if np.unique(n).size < 2:
        raise FitError(f"{owner}: a learning curve needs at least two distinct n; "
                       f"all {n.size} runs have n={n[0]:g}.")
    order = np.argsort(n, kind="stable")
    return n[order], errors[order]


def _whole(n: np.ndarray) -> np.ndarray:
    return np.isfinite(n) & (n >= 1) & (n == np.floor(n))


def summarize(n: np.ndarray, errors: np.ndarray) -> CurveData:
    """Group validated runs by size: means and standard errors of the means.

    Notes
    -----
    With ``m_i >= 2`` runs at size ``n_i`` the standard error is ``s_i / sqrt(m_i)``
    (``s_i`` the sample standard deviation, ddof=1). A size with one run, or with identical
    runs, gets the pooled relative spread ``r = median_i(s_i / mean_i)`` over the sizes with
    a positive spread: ``sigma_i = r * mean_i / sqrt(m_i)``. When no size has a positive
    spread, ``sigma_i = mean_i`` (relative weighting, ``relative_weights=True``) and fit
    scores rescale by the residual variance, as ``scipy.optimize.curve_fit`` does with
    ``absolute_sigma=False``.
    """
    sizes, inverse, counts = np.unique(n, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=errors) / counts
    sq = np.bincount(inverse, weights=(errors - means[inverse]) ** 2)
    sd = np.sqrt(np.divide(sq, counts - 1, out=np.zeros_like(sq), where=counts > 1))
    has_spread = (sd > 0) & (means > 0)
    relative = not np.any(has_spread)
    floor_means = np.maximum(means, np.max(means) * 1e-3 if np.max(means) > 0 else 1e-3)
    if relative:
        sigmas = floor_means.copy()
    else:
        r = float(np.median(sd[has_spread] / means[has_spread]))
        sd = np.where(sd > 0, sd, r * floor_means)
        sigmas = sd / np.sqrt(counts)
    return CurveData(n=n, errors=errors, sizes=sizes, counts=counts, means=means,
                     sigmas=sigmas, relative_weights=relative)


def curve_data(n, errors, owner: str = "LearningCurveFit") -> CurveData:
    """Validate per-run data and summarize them per size."""
    return summarize(*validate_runs(n, errors, owner))


#: Columns of a per-run CSV (``badminima results DB --csv`` writes them, with more).
CSV_COLUMNS = ("n", "test_error")
#: Optional column: runs with a false value did not reach zero training error and are skipped.
REACHED_ZERO_COLUMN = "reached_zero"
_FALSE = ("0", "false", "no")


def read_curve_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV with a header naming columns ``n`` and ``test_error``, one row per run.

    The file is UTF-8, with or without a byte-order mark (as spreadsheet programs save it).
    Other columns are ignored, except ``reached_zero``: rows where it is 0/false are runs
    that did not reach zero training error and are left out, as for a results database.
    Raises :class:`DataError` naming the file, line and column.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path} is a directory, not a CSV file.")
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            n, errors = _read_rows(csv.DictReader(handle), path)
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text CSV (expected a header n,test_error "
                        f"and one row per run).") from None
    except csv.Error as exc:
        raise DataError(f"{path} is not a readable CSV ({exc}).") from None
    if not n:
        raise DataError(f"{path}: no data rows after the header.")
    return np.array(n), np.array(errors)


def _read_rows(reader: csv.DictReader, path: Path) -> tuple[list[float], list[float]]:
    fields = [(f or "").strip() for f in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in fields]
    if missing:
        shown = ",".join(fields)[:80] or "none"
        hint = (" This is a per-size results.csv of guess-check or gibbs: fit the runs.csv beside it."
                if "learning_curve_measured" in fields else "")
        raise DataError(f"{path}: the header must name the columns n and test_error; "
                        f"missing {', '.join(missing)} (header: {shown}).{hint}")
    reader.fieldnames = fields
    n, errors = [], []
    for row in reader:
        line = reader.line_num
        if str(row.get(REACHED_ZERO_COLUMN, "1")).strip().lower() in _FALSE:
            continue
        n.append(_parse(row["n"], path, line, "n"))
        errors.append(_parse(row["test_error"], path, line, "test_error"))
    return n, errors


def _parse(text, path: Path, line: int, column: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        shown = "nothing" if text is None else repr(text[:40])
        raise DataError(f"{path}, line {line}: column {column} must be a number; "
                        f"got {shown}.") from None


def increasing_trend(n: np.ndarray, errors: np.ndarray) -> str | None:
    """A sentence when the mean test error grows with n, else None.

    The models of docs/science.md (sections 2 and 3) predict a learning curve that decreases
    with n; a curve whose per-size means have a positive rank correlation with n and end
    higher than they start is more likely a mislabelled column than a learning curve.
    """
    from scipy.stats import spearmanr

    sizes, inverse = np.unique(n, return_inverse=True)
    if sizes.size < 3:
        return None
    means = np.bincount(inverse, weights=errors) / np.bincount(inverse)
    rho = spearmanr(sizes, means).statistic
    if not (np.isfinite(rho) and rho > 0 and means[-1] > means[0]):
        return None
    return (f"the mean test error grows with n ({means[0]:.4g} at n={sizes[0]:g}, "
            f"{means[-1]:.4g} at n={sizes[-1]:g}); the models assume a decreasing learning curve")
