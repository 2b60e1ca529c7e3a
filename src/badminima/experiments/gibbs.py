"""Gibbs experiment: the true error of random global minima of a perceptron, at any n.

For each input dimension ``N``, ``R`` teachers ``w*_r`` uniform on the sphere label isotropic
Gaussian inputs; the training set of size ``n`` is the first ``n`` points of set ``r``
(nested). In each cell ``(N, r, n)`` a version-space sampler draws global minima uniformly
from ``H(S)`` (:func:`badminima.sampling.version_space.sample_version_space`); their true
errors are exact, ``eps = angle(w, w*) / pi``. Per ``(N, n)``:

- the *quenched* learning curve ``<E[eps | H(S)]>_S`` (mean over the R sets of the mean
  error of the samples) with its standard error, and the bad fraction ``<P(eps > eps0 | H(S))>_S``;
- next to the *annealed* ``E_n`` and ``B_n(eps0)`` of ``SphericalPerceptron(N)``
  (docs/science.md section 2), which replace the average of the ratio by the ratio of averages;
  their gap is the covariance term of section 2;
- where the acceptance rate still allows it, plain rejection sampling from the prior on the
  same training sets (Guess & Check), which must agree with the sampler.

Every cell and every rejection chunk is an independent task with its own seed
(``SeedSequence([seed, N, r, n or chunk, kind])``), run by an executor
(:mod:`badminima.experiments.executors`) and merged by index, so the result does not depend on
the number of workers. The runner contract of :mod:`badminima.experiments.runner`
(:data:`GIBBS`): :func:`plan_gibbs` -> :class:`GibbsPlan`, :func:`gibbs_plan_tasks`,
:func:`run_gibbs_task` (the worker), :func:`merge_gibbs` -> :class:`GibbsResult`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path

import numpy as np

from badminima.experiments.configfile import config_hash, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.gibbs_config import GibbsConfig
from badminima.experiments.keys import run_key
from badminima.experiments.outputs import GIBBS_RUN_COLUMNS, write_gibbs_files
from badminima.experiments.runner import Runner, RunInfo, run
from badminima.sampling.version_space import angle_error, sample_version_space
from badminima.sampling.version_space_diagnostics import effective_sample_size, split_rhat

__all__ = ["GibbsCell", "RejectionChunk", "GibbsPlan", "GibbsResult", "GIBBS", "teacher_training_set",
           "run_gibbs_cell", "run_rejection_chunk", "run_gibbs_task", "gibbs_tasks", "plan_gibbs",
           "gibbs_plan_tasks", "merge_gibbs", "resume_key", "run_gibbs", "write_gibbs_results", "COLUMNS"]

logger = logging.getLogger(__name__)

_GIBBS, _REJECTION = 1, 2

#: Columns of results.json / results.csv, one row per (N, n).
COLUMNS = ("N", "n", "alpha", "eps0",
           "learning_curve_measured", "learning_curve_stderr", "learning_curve_mc_stderr",
           "learning_curve_annealed", "bad_fraction_measured", "bad_fraction_stderr",
           "bad_fraction_annealed", "bad_fraction_bound", "bad_fraction_bound_eps1", "rhat", "ess",
           "acceptance_annealed", "rejection_acceptance", "rejection_acceptance_stderr", "rejection_learning_curve",
           "rejection_mc_stderr", "rejection_bad_fraction")


def teacher_training_set(seed: int, dim: int, index: int, n_max: int):
    """Teacher ``w*`` (uniform direction) and ``n_max`` isotropic Gaussian points it labels.

    Deterministic in ``(seed, dim, index)``; the training set of size ``n`` is the first
    ``n`` rows (nested sets).
    """
    rng = np.random.default_rng([seed, dim, index, 0])
    teacher = rng.standard_normal(dim)
    teacher /= np.linalg.norm(teacher)
    X = rng.standard_normal((n_max, dim))
    return teacher, X, np.where(X @ teacher > 0, 1, -1)


@dataclasses.dataclass(frozen=True)
class GibbsCell:
    """Task: sample the version space of training set ``index`` of dimension ``dim`` at size ``n``."""

    seed: int
    dim: int
    index: int
    n: int
    n_max: int
    method: str
    chains: int
    samples: int
    burn_in: int | None
    thin: int | None


@dataclasses.dataclass(frozen=True)
class RejectionChunk:
    """Task: ``draws`` uniform perceptrons checked against the nested sets of sizes ``sizes``."""

    seed: int
    dim: int
    index: int
    chunk: int
    draws: int
    sizes: tuple[int, ...]
    eps0: float


def run_gibbs_cell(cell: GibbsCell) -> dict:
    """Errors of the sampled global minima of one cell, with R-hat and ESS of the error trace."""
    teacher, X, y = teacher_training_set(cell.seed, cell.dim, cell.index, cell.n_max)
    sample = sample_version_space(
        X[:cell.n], y[:cell.n], n_samples=cell.samples, n_chains=cell.chains, method=cell.method,
        burn_in=cell.burn_in, thin=cell.thin,
        rng=np.random.default_rng([cell.seed, cell.dim, cell.index, cell.n, _GIBBS]))
    errors = angle_error(sample.directions, teacher)
    ess = effective_sample_size(errors)
    return {"errors": errors, "mean": float(errors.mean()),
            "mc_stderr": float(errors.std(ddof=1) / math.sqrt(ess)), "ess": ess,
            "rhat": split_rhat(errors) if cell.chains > 1 else float("nan")}


def run_rejection_chunk(chunk: RejectionChunk, block: int = 16) -> dict:
    """Rejection sampling: per size, the number of survivors and sums of their errors.

    A perceptron that errs on one of the first ``n`` points is rejected for every
    ``n' >= n`` (docs/science.md section 4, experiment 1), so the index of its first error
    answers every size at once; points are checked in blocks, only for draws still alive.
    """
    n_max = max(chunk.sizes)
    teacher, X, y = teacher_training_set(chunk.seed, chunk.dim, chunk.index, n_max)
    rng = np.random.default_rng([chunk.seed, chunk.dim, chunk.index, chunk.chunk, _REJECTION])
    W = rng.standard_normal((chunk.draws, chunk.dim))
    first_error = np.full(chunk.draws, n_max)
    alive = np.arange(chunk.draws)
    A = X * y[:, None]
    for start in range(0, n_max, block):
        if not alive.size:
            break
        wrong = W[alive] @ A[start:start + block].T <= 0
        failed = wrong.any(axis=1)
        first_error[alive[failed]] = start + np.argmax(wrong[failed], axis=1)
        alive = alive[~failed]
    errors = angle_error(W, teacher)
    sizes = np.asarray(chunk.sizes)
    kept = first_error[None, :] >= sizes[:, None]
    return {"draws": chunk.draws, "count": kept.sum(axis=1),
            "sum": (kept * errors).sum(axis=1), "sum2": (kept * errors ** 2).sum(axis=1),
            "bad": (kept & (errors > chunk.eps0)).sum(axis=1)}


def gibbs_tasks(config: GibbsConfig) -> tuple[list[GibbsCell], list[RejectionChunk]]:
    """All sampler cells and rejection chunks of an experiment, in a fixed order."""
    cells, chunks = [], []
    rej = config.rejection
    for dim in config.grid.dims:
        sizes = tuple(config.grid.sizes(dim))
        for index in range(config.grid.training_sets):
            for n in sizes:
                cells.append(GibbsCell(config.seed, dim, index, n, max(sizes), config.sampler.method,
                                       config.sampler.chains, config.sampler.samples,
                                       config.sampler.burn_in, config.sampler.thin))
            for k, begin in enumerate(range(0, rej.samples, rej.chunk)):
                chunks.append(RejectionChunk(config.seed, dim, index, k,
                                             min(rej.chunk, rej.samples - begin), sizes, config.eps0))
    return cells, chunks


def run_gibbs_task(task: GibbsCell | RejectionChunk) -> dict:
    """Run one task of either kind (module level, so executors can pickle it)."""
    return run_gibbs_cell(task) if isinstance(task, GibbsCell) else run_rejection_chunk(task)


def _annealed(dim: int, sizes: np.ndarray, eps0: float) -> dict:
    """Annealed ``E_n``, ``B_n(eps0)``, its bound (and best eps1) and ``Z_n`` of SphericalPerceptron(N).

    docs/science.md section 2: ``Q_n(eps) = D(eps) (1 - eps)^n / Z_n`` with ``D ∝ sin^(N-2)(pi eps)``.
    """
    from badminima.theory import (SphericalPerceptron, bad_fraction, bad_fraction_bound,
                                  learning_curve, log_acceptance)
    density = SphericalPerceptron(dim)
    bound, eps1 = bad_fraction_bound(density, eps0, sizes)
    as_array = lambda values: np.asarray(values, dtype=float).reshape(sizes.shape)
    return {"learning_curve_annealed": as_array(learning_curve(density, sizes)),
            "bad_fraction_annealed": as_array(bad_fraction(density, eps0, sizes)),
            "bad_fraction_bound": as_array(bound), "bad_fraction_bound_eps1": as_array(eps1),
            "acceptance_annealed": as_array(np.exp(log_acceptance(density, sizes)))}


def _quenched(cells: list[dict], eps0: float) -> dict:
    """Quenched mean and bad fraction over the R training sets of one (N, n), with errors.

    The standard error combines both sources: with ``R > 1`` it is the spread of the R
    per-set means (which contains their Monte Carlo noise) over ``sqrt(R)``; with ``R = 1``
    the chain's ``sd / sqrt(ESS)``. ``mc_stderr = sqrt(sum_r se_r^2) / R`` is the Monte Carlo
    part alone (the error of a comparison on the same training sets).
    """
    means = np.array([c["mean"] for c in cells])
    bad = np.array([np.mean(c["errors"] > eps0) for c in cells])
    mc = math.sqrt(sum(c["mc_stderr"] ** 2 for c in cells)) / len(cells)
    return {"learning_curve_measured": float(means.mean()),
            "learning_curve_stderr": _spread(means) if means.size > 1 else mc,
            "learning_curve_mc_stderr": mc,
            "bad_fraction_measured": float(bad.mean()), "bad_fraction_stderr": _spread(bad),
            "rhat": float(np.max([c["rhat"] for c in cells])),
            "ess": float(min(c["ess"] for c in cells))}


def _spread(values: np.ndarray) -> float:
    """Standard error of the mean of independent values (NaN for a single value)."""
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else float("nan")


def _rejection(per_set: list[dict], position: int, config: GibbsConfig) -> dict:
    """Rejection columns at one size: quenched mean of survivors where every set has enough.

    The acceptance (pooled over the training sets) estimates the annealed ``Z_n``: the
    average over training sets of the probability that a prior draw fits them (section 2).
    """
    nan = {"rejection_acceptance": float("nan"), "rejection_acceptance_stderr": float("nan"),
           "rejection_learning_curve": float("nan"),
           "rejection_mc_stderr": float("nan"), "rejection_bad_fraction": float("nan")}
    if not per_set:
        return nan
    count = np.array([s["count"][position] for s in per_set], dtype=float)
    draws = np.array([s["draws"] for s in per_set], dtype=float)
    nan["rejection_acceptance"] = float(count.sum() / draws.sum())
    nan["rejection_acceptance_stderr"] = _spread(count / draws) if count.size > 1 else float(
        math.sqrt(count[0]) / draws[0])
    spec = config.rejection
    if nan["rejection_acceptance"] < spec.min_acceptance or count.min() < spec.min_survivors:
        return nan
    total = np.array([s["sum"][position] for s in per_set])
    total2 = np.array([s["sum2"][position] for s in per_set])
    means = total / count
    variances = (total2 / count - means ** 2) * count / (count - 1)
    nan.update(rejection_learning_curve=float(means.mean()),
               rejection_mc_stderr=float(math.sqrt(np.sum(np.maximum(variances, 0) / count)) / len(per_set)),
               rejection_bad_fraction=float(np.mean([s["bad"][position] for s in per_set] / count)))
    return nan


def _merge_rejection(chunks: list[RejectionChunk], results: list[dict]) -> dict:
    """Sum the chunks of each (N, training set) in task order (so the sums are reproducible)."""
    merged: dict[tuple[int, int], dict] = {}
    for chunk, result in zip(chunks, results):
        key = (chunk.dim, chunk.index)
        if key not in merged:
            merged[key] = {k: np.array(v, dtype=float) for k, v in result.items()}
        else:
            for k, v in result.items():
                merged[key][k] = merged[key][k] + v
    return merged


def resume_key(config: GibbsConfig) -> str:
    """Key of an experiment's tasks in a task store: the config without ``[executor]``, and the versions."""
    return run_key({k: v for k, v in config_to_dict(config).items() if k != "executor"})


@dataclasses.dataclass(frozen=True)
class GibbsPlan:
    """A Gibbs config with its tasks laid out once (:func:`plan_gibbs`).

    Attributes
    ----------
    config : GibbsConfig
    cells : tuple of GibbsCell
        Sampler tasks, in merge order.
    chunks : tuple of RejectionChunk
        Rejection tasks, in merge order (after the cells).
    """

    config: GibbsConfig
    cells: tuple[GibbsCell, ...]
    chunks: tuple[RejectionChunk, ...]


def plan_gibbs(config: GibbsConfig) -> GibbsPlan:
    """The :class:`GibbsPlan` of ``config``: every cell and rejection chunk with its seed."""
    cells, chunks = gibbs_tasks(config)
    return GibbsPlan(config, tuple(cells), tuple(chunks))


def gibbs_plan_tasks(plan: GibbsPlan) -> list[GibbsCell | RejectionChunk]:
    """The plan's tasks: the cells, then the rejection chunks."""
    return [*plan.cells, *plan.chunks]


@dataclasses.dataclass(frozen=True, eq=False)
class GibbsResult(dict):
    """What a Gibbs experiment measured: one row per (N, n) and one entry per cell.

    Attributes
    ----------
    config : GibbsConfig
    columns : dict of list
        :data:`COLUMNS` -> one value per (N, n), in grid order.
    cells : list of dict
        Per cell: ``N``, ``training_set``, ``n``, ``mean``, ``mc_stderr``, ``ess``, ``rhat``.

    Notes
    -----
    :func:`run_gibbs` returned a dict before; a result still is one (``result["columns"]``,
    ``result["config_hash"]``, ``json.dumps(result)``): its items are those of :meth:`to_dict`
    (there ``config`` is plain data; the attribute ``config`` is the :class:`GibbsConfig`).
    """

    config: GibbsConfig
    columns: dict
    cells: list

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)

    def to_dict(self) -> dict:
        """``name``, ``config`` (plain data), ``config_hash``, ``columns`` and ``cells``."""
        return {"name": self.name, "config": config_to_dict(self.config), "config_hash": self.config_hash,
                "columns": self.columns, "cells": self.cells}

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """``results.json``, ``results.csv`` and ``runs.csv`` (or ``runs-N<N>.csv``); the paths by name
        (:func:`badminima.experiments.outputs.write_gibbs_files`)."""
        return write_gibbs_files(self, out_dir)

    def __post_init__(self) -> None:
        dict.update(self, self.to_dict())


def merge_gibbs(plan: GibbsPlan, results: list[dict], run_info: RunInfo | None = None) -> GibbsResult:
    """Rows per (N, n) from the cells' samples, the annealed theory and the merged rejection chunks."""
    config, cells = plan.config, plan.cells
    cell_results, rejection = results[:len(cells)], _merge_rejection(list(plan.chunks), results[len(cells):])
    rows = []
    for dim in config.grid.dims:
        sizes = np.array(config.grid.sizes(dim))
        annealed = _annealed(dim, sizes, config.eps0)
        per_set = [rejection[(dim, r)] for r in range(config.grid.training_sets) if (dim, r) in rejection]
        for position, n in enumerate(sizes):
            of_cell = [res for cell, res in zip(cells, cell_results) if cell.dim == dim and cell.n == n]
            rows.append({"N": dim, "n": int(n), "alpha": float(n / dim), "eps0": config.eps0,
                         **_quenched(of_cell, config.eps0),
                         **{k: float(v[position]) for k, v in annealed.items()},
                         **_rejection(per_set, position, config)})
    return GibbsResult(config, {key: [row[key] for row in rows] for key in COLUMNS},
                       [{"N": c.dim, "training_set": c.index, "n": c.n, "mean": r["mean"],
                         "mc_stderr": r["mc_stderr"], "ess": r["ess"], "rhat": r["rhat"]}
                        for c, r in zip(cells, cell_results)])


#: Gibbs in the runner contract (:mod:`badminima.experiments.runner`).
GIBBS = Runner(kind="gibbs", plan=plan_gibbs, tasks=gibbs_plan_tasks, worker=run_gibbs_task, merge=merge_gibbs,
               key=lambda plan: resume_key(plan.config), label="{name}: gibbs", unit="tasks")


def run_gibbs(config: GibbsConfig | str | Path, executor: str | None = None, workers: int | None = None,
              progress: bool = True, store: str | Path | None = None, **executor_options) -> GibbsResult:
    """Run a Gibbs experiment; return a :class:`GibbsResult` (``result.columns``: one list per column).

    ``executor`` and ``workers`` override ``config.executor`` (``workers=0``: all cores).
    The result does not depend on the executor or the number of workers. ``progress`` shows
    the tasks done on stderr. With ``store`` (a task store file,
    :class:`~badminima.experiments.task_store.TaskStore`) every finished cell and rejection
    chunk is kept at once and those already there are not run again: an interrupted run
    resumes and gives the same result as an uninterrupted one. ``config`` may also be a TOML
    path or a packaged config name (:func:`~badminima.experiments.configs.load_config`).

    The result also reads as the dict of earlier releases (``result["columns"]``).
    """
    config = as_config(config, GibbsConfig, "run_gibbs")
    name = executor or config.executor.name
    workers = config.executor.workers if workers is None else workers
    return run(GIBBS, config, store, name, workers or None, progress, **executor_options)


#: Columns of the per-cell ``runs*.csv`` files (old name of
#: :data:`badminima.experiments.outputs.GIBBS_RUN_COLUMNS`).
RUN_COLUMNS = GIBBS_RUN_COLUMNS


def write_gibbs_results(result, out_dir: str | Path) -> list[Path]:
    """Write ``results.json``, ``results.csv`` and ``runs.csv`` (or ``runs-N<N>.csv``); the paths as a list.

    ``result`` is a :class:`GibbsResult` (or the dict of earlier releases); :meth:`GibbsResult.write`
    returns the same paths by name.
    """
    return list(write_gibbs_files(result, out_dir).values())
