"""A sweep's results as tables: the learning curve, the per-size summary, the CSV files.

Built on the rows of the results database (:mod:`badminima.experiments.runs_db`), which they
only read. ``runs.csv`` (:func:`write_runs_csv`) starts with the columns ``badminima fit``
reads (:data:`badminima.fitting.data.CSV_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from badminima.errors import DataError
from badminima.experiments.outputs import write_dict_rows
from badminima.experiments.runs_db import select_runs
from badminima.fitting.data import CSV_COLUMNS, REACHED_ZERO_COLUMN

__all__ = ["LearningCurveTable", "learning_curve_table", "load_learning_curve", "write_csv", "write_runs_csv",
           "RUN_CSV_COLUMNS"]


def load_learning_curve(path: str | Path, experiment: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The measured learning curve: ``(n, test_error)`` of every run that reached zero error.

    Parameters
    ----------
    path : str or Path
        A results database written by :func:`badminima.experiments.sweep.run_sweep`.
    experiment : str, optional
        Experiment name; required when the database holds several. When one experiment
        has runs of several configs, the latest config's runs are used (and a warning logged).

    Returns
    -------
    n : numpy.ndarray of float64
        Training-set size of each run (one entry per run, not per size).
    test_error : numpy.ndarray of float64
        Test error of each run at its zero-training-error epoch.

    Raises
    ------
    DataError
        When the file is missing, is not a results database, or has no run that
        reached zero training error.
    """
    rows = [r for r in select_runs(path, experiment) if r["reached_zero"]]
    if not rows:
        raise DataError(f"results database {str(path)!r} has no run that reached zero training error")
    n = np.array([r["n"] for r in rows], dtype=float)
    err = np.array([r["test_error"] for r in rows], dtype=float)
    return n, err


@dataclasses.dataclass(frozen=True)
class LearningCurveTable:
    """Per-size summary of a sweep: test error of the runs that reached zero training error.

    Attributes
    ----------
    experiment, config_hash, dataset, arch : str
    n : numpy.ndarray
        Sizes, increasing.
    mean, std : numpy.ndarray
        Mean and sample standard deviation (ddof=1; NaN for one run) of the test error.
    count : numpy.ndarray
        Runs that reached zero training error at each size.
    not_zero : numpy.ndarray
        Runs that did not reach zero training error within the budget (not in mean/std).
    wall_s : numpy.ndarray
        Mean wall time per run at each size (all runs).
    n_test : int
        Test-set size (standard error of one run's test error: sqrt(e (1 - e) / n_test)).
    """

    experiment: str
    config_hash: str
    dataset: str
    arch: str
    n: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray
    not_zero: np.ndarray
    wall_s: np.ndarray
    n_test: int

    def rows(self) -> list[dict]:
        """One dict per size (NaN becomes None, so the rows are JSON-ready)."""
        out = []
        for i in range(len(self.n)):
            out.append({"n": int(self.n[i]), "mean_test_error": _none_if_nan(self.mean[i]),
                        "std_test_error": _none_if_nan(self.std[i]), "count": int(self.count[i]),
                        "not_zero": int(self.not_zero[i]), "mean_wall_s": float(self.wall_s[i])})
        return out

    def to_dict(self) -> dict:
        """JSON-ready summary: identification plus :meth:`rows`."""
        return {"experiment": self.experiment, "config_hash": self.config_hash,
                "dataset": self.dataset, "arch": self.arch, "n_test": self.n_test,
                "curve": self.rows()}


def learning_curve_table(path: str | Path, experiment: str | None = None) -> LearningCurveTable:
    """Per-n mean, std and count of the test error of runs that reached zero training error.

    Runs that did not reach zero are counted in ``not_zero`` and excluded from the
    statistics (docs/science.md section 4, experiment 3: the object is the zero-error solution).
    Same selection rules and errors as :func:`load_learning_curve`, except that a database
    whose runs all failed to reach zero still gives a table (with NaN means).
    """
    rows = select_runs(path, experiment)
    sizes = np.array(sorted({r["n"] for r in rows}), dtype=float)
    mean, std, count, not_zero, wall = (np.zeros(len(sizes)) for _ in range(5))
    for i, size in enumerate(sizes):
        at = [r for r in rows if r["n"] == size]
        errs = np.array([r["test_error"] for r in at if r["reached_zero"]], dtype=float)
        count[i], not_zero[i] = errs.size, len(at) - errs.size
        mean[i] = errs.mean() if errs.size else np.nan
        std[i] = errs.std(ddof=1) if errs.size > 1 else np.nan
        wall[i] = np.mean([r["wall_s"] for r in at])
    first = rows[0]
    return LearningCurveTable(first["experiment"], first["config_hash"], first["dataset"],
                              first["arch"], sizes, mean, std, count.astype(int),
                              not_zero.astype(int), wall, int(first["n_test"]))


def write_csv(table: LearningCurveTable, path: str | Path) -> Path:
    """Write ``table.rows()`` (per-size summary: n, mean_test_error, ...) as CSV; return the path."""
    rows = table.rows()
    return write_dict_rows(rows, list(rows[0]) if rows else ["n"], path)


#: Columns of :func:`write_runs_csv`: ``n`` and ``test_error`` first, as ``badminima fit`` reads them.
RUN_CSV_COLUMNS = (*CSV_COLUMNS, REACHED_ZERO_COLUMN, "seed", "train_error", "epochs", "n_test",
                   "wall_s", "experiment", "config_hash")


def write_runs_csv(path: str | Path, db_path: str | Path, experiment: str | None = None) -> Path:
    """Write the runs of one experiment's latest config as CSV, one row per run; return the path.

    The columns are :data:`RUN_CSV_COLUMNS` (``reached_zero`` as 1/0). ``badminima fit`` and
    :func:`badminima.fitting.read_curve_csv` read the file and, as with the database, keep
    only the runs that reached zero training error. Same selection as
    :func:`learning_curve_table`.
    """
    rows = [{c: int(r[c]) if c == "reached_zero" else r[c] for c in RUN_CSV_COLUMNS}
            for r in select_runs(db_path, experiment)]
    return write_dict_rows(rows, list(RUN_CSV_COLUMNS), path)


def _none_if_nan(x: float):
    return None if np.isnan(x) else float(x)
