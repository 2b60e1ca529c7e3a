"""The files a run writes: CSV rows, the Guess & Check and Gibbs result files, the per-run layouts.

Every per-run CSV starts with the columns ``badminima fit`` reads,
:data:`badminima.fitting.data.CSV_COLUMNS` (``n``, ``test_error``), followed by what the
runner adds. The results objects call these writers from their ``write(out_dir)``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from badminima.fitting.data import CSV_COLUMNS
from badminima.jsonio import dumps

__all__ = ["write_dict_rows", "describe_values", "GUESS_CHECK_RUN_COLUMNS", "GIBBS_RUN_COLUMNS",
           "per_set_runs", "write_guess_check_outputs", "write_gibbs_files"]

#: Columns of a Guess & Check ``runs.csv`` (:func:`per_set_runs`).
GUESS_CHECK_RUN_COLUMNS = (*CSV_COLUMNS, "training_set", "survivors")
#: Columns of a Gibbs ``runs*.csv``: one row per (training set, n), the quenched mean error.
GIBBS_RUN_COLUMNS = (*CSV_COLUMNS, "training_set", "N", "mc_stderr")


def write_dict_rows(rows: list[dict], fields: list[str], path: str | Path) -> Path:
    """Write ``rows`` (dicts keyed by ``fields``) as a UTF-8 CSV with a header; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def describe_values(values: np.ndarray) -> dict:
    """Count, mean, std, min, quantiles 5/25/50/75/95 % and max of ``values`` (``{"count": 0}`` when empty)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return {"count": 0}
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"count": int(len(values)), "mean": float(values.mean()), "std": float(values.std()),
            "min": float(values.min()), "q05": float(q[0]), "q25": float(q[1]), "median": float(q[2]),
            "q75": float(q[3]), "q95": float(q[4]), "max": float(values.max())}


def per_set_runs(result) -> list[dict]:
    """Rows (:data:`GUESS_CHECK_RUN_COLUMNS`) of a Guess & Check result for ``n >= 1``: the mean true
    error of the survivors of training set r at size n, for every set with survivors.

    Each row is one measurement of the learning curve of random global minima (docs/science.md
    §2.3), as a sweep's run is one of trained networks, so ``badminima fit runs.csv`` fits the
    density models and laws to it; the scatter between sets gives the standard errors.
    """
    means, counts = result.measured["learning_curve_per_set"], result.measured["survivors_per_set"]
    return [dict(zip(GUESS_CHECK_RUN_COLUMNS, (n, float(means[r, n]), r, int(counts[r, n]))))
            for n in range(1, means.shape[1]) for r in range(means.shape[0]) if counts[r, n] > 0]


def write_guess_check_outputs(result, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json``, ``results.csv`` (n-aligned series), ``runs.csv`` (one row per
    training set and size, :func:`per_set_runs`, a ``badminima fit`` input) and ``summaries.npz``
    of a :class:`~badminima.experiments.guess_check.GuessCheckResult`.

    Returns the paths by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "runs": out / "runs.csv",
             "npz": out / "summaries.npz"}
    write_dict_rows(per_set_runs(result), list(GUESS_CHECK_RUN_COLUMNS), paths["runs"])
    paths["json"].write_text(dumps(result.to_dict()))
    series = result.series()
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(series))
        for row in zip(*series.values()):
            writer.writerow([repr(float(v)) if np.isfinite(v) else "" for v in row])
    dtype = np.int16 if result.config.sampling.n_max < 2**15 else np.int32
    subsample = result.subsample if result.subsample is not None else np.ones(len(result.test_errors), dtype=bool)
    np.savez_compressed(paths["npz"], test_errors=result.test_errors,
                        first_mistake=result.first_mistake.astype(dtype), subsample=subsample)
    return paths


def write_gibbs_files(result, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (config, columns, per-cell diagnostics), ``results.csv`` and the
    cells as runs of a :class:`~badminima.experiments.gibbs.GibbsResult` (or its old dict form):
    ``runs.csv`` (one input dimension N) or ``runs-N<N>.csv`` (one per N), one row per
    (training set, n) with the quenched mean error of its version space, a ``badminima fit``
    input (docs/science.md §4.2).

    Returns the paths by name: ``json``, ``csv`` and ``runs`` (one N) or ``runs-N<N>``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = result["columns"]
    columns = tuple(table)
    document = {"name": result["name"], "config": result["config"], "config_hash": result["config_hash"],
                **table, "cells": result["cells"]}
    paths = {"json": out / "results.json", "csv": out / "results.csv"}
    paths["json"].write_text(dumps(document) + "\n", encoding="utf-8")
    with paths["csv"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in zip(*(table[key] for key in columns)):
            writer.writerow(["" if isinstance(v, float) and not math.isfinite(v) else v for v in row])
    dims = sorted({cell["N"] for cell in result["cells"]})
    for dim in dims:
        name = "runs" if len(dims) == 1 else f"runs-N{dim}"
        paths[name] = write_dict_rows(
            [{"n": c["n"], "test_error": c["mean"], "training_set": c["training_set"], "N": c["N"],
              "mc_stderr": c["mc_stderr"]} for c in result["cells"] if c["N"] == dim],
            list(GIBBS_RUN_COLUMNS), out / f"{name}.csv")
    return paths
