"""The Guess & Check experiment: sample, measure, predict, compare (docs/science.md section 4).

:func:`run_guess_check` splits the K classifiers into chunks, runs them on an executor
(``serial``, ``local`` process pool or ``ray``), merges the chunks' compact summaries by
chunk index (so the result does not depend on the number of workers), computes every
measured series (:mod:`badminima.sampling.guess_check_stats`) and its theory prediction
(:mod:`badminima.sampling.guess_check_theory`), and optionally trains the same
architecture with SGD for the Guess & Check vs SGD comparison.
:func:`write_guess_check_outputs` writes ``results.json``, ``results.csv`` and
``summaries.npz``.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from badminima import __version__
from badminima.classifiers.devices import resolve_device
from badminima.errors import InvalidParameterError
from badminima.jsonio import dumps, to_jsonable
from badminima.experiments.configfile import config_hash, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.datasets import load_normalized_dataset
from badminima.experiments.data_spec import DataSpec
from badminima.experiments.guess_check_config import GuessCheckConfig
from badminima.experiments.store import write_dict_rows
from badminima.experiments.task_store import open_task_store, run_key, run_tasks
from badminima.sampling.guess_check import (
    ChunkSummary,
    GuessCheckData,
    chunk_sizes,
    guess_check_chunk,
    merge_chunks,
    merge_subsample,
    training_orderings,
)
from badminima.sampling.guess_check_stats import measure_guess_check
from badminima.sampling.guess_check_theory import make_density, predict_guess_check

logger = logging.getLogger(__name__)

#: Series of ``results.json`` the issue requires (all aligned with ``n``).
REQUIRED_SERIES = ("acceptance_measured", "acceptance_ci_low", "acceptance_ci_high", "acceptance_predicted",
                   "learning_curve_measured", "learning_curve_predicted", "bad_fraction_measured",
                   "bad_fraction_predicted", "bad_fraction_bound")

def load_guess_check_dataset(section: DataSpec):
    """The (normalized) dataset of a config, cached per process (workers load it once)."""
    return load_normalized_dataset(section.dataset, section.data_dir, section.classes, section.seed,
                                   section.options)


@dataclass
class ChunkTask:
    """One executor task: chunk ``chunk`` (``size`` classifiers) of a Guess & Check run."""

    config: GuessCheckConfig
    chunk: int
    size: int
    device: str


def chunk_tasks(config: GuessCheckConfig, device: str = "cpu") -> list[ChunkTask]:
    """The independent chunks of a run, in merge order (run each with :func:`run_chunk`)."""
    sizes = chunk_sizes(config.sampling.K, config.sampling.chunk_size)
    return [ChunkTask(config, c, size, device) for c, size in enumerate(sizes)]


def run_chunk(task: ChunkTask):
    """Executor task: one chunk's summaries (module level, so it pickles)."""
    cfg = task.config
    smp = cfg.sampling
    ds = load_guess_check_dataset(cfg.data)
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.teacher, task.device)
    orderings = config_orderings(cfg, ds)
    function_set = cfg.model.function_set()
    return guess_check_chunk(function_set, data, orderings, seed=smp.seed, chunk=task.chunk, size=task.size,
                             n_classes=ds.n_classes, error=smp.error, max_bytes=smp.max_mbytes * 2**20,
                             **evaluation_options(cfg, function_set, ds, orderings))


def config_orderings(config: GuessCheckConfig, ds) -> np.ndarray:
    """The run's training orderings (balanced by class when ``[sampling] balanced``)."""
    smp = config.sampling
    return training_orderings(len(ds.y_train), smp.n_max, smp.R, smp.seed,
                              labels=ds.y_train if smp.balanced else None)


def evaluation_options(config: GuessCheckConfig, function_set, ds, orderings) -> dict:
    """``evaluate``, ``n_min``, ``subsample`` and ``sampler`` of :func:`guess_check_chunk`, resolved.

    ``sampler = "auto"`` is exact subspace sampling whenever it applies (a Gaussian-prior MLP
    and fewer pool points than inputs per unit, :func:`badminima.sampling.subspace.subspace_applies`).
    """
    from badminima.sampling.subspace import subspace_applies
    smp = config.sampling
    sampler = smp.sampler
    if sampler == "auto":
        dim = function_set.prepare_inputs(ds.x_train[:1], "cpu").shape[1]
        sampler = "subspace" if subspace_applies(function_set, len(np.unique(orderings)), dim) else "direct"
    if smp.survivors_first():
        return {"evaluate": "survivors", "n_min": smp.survival_threshold(), "subsample": smp.subsample,
                "sampler": sampler}
    return {"evaluate": "all", "n_min": 0, "subsample": 1.0, "sampler": sampler}


@dataclass
class GuessCheckResult:
    """Everything a Guess & Check run measured and predicted.

    Attributes
    ----------
    config : GuessCheckConfig
    test_errors : numpy.ndarray (K,)
        True error (estimate) of every drawn classifier, in draw order (NaN for those a
        survivors-first run did not evaluate).
    first_mistake : numpy.ndarray (K, R)
        First-mistake positions (``n_max`` when none).
    measured, predicted : dict of numpy.ndarray
        Series aligned with ``n`` (see docs/guess_check.md).
    sgd : dict or None
        Guess & Check vs SGD comparison (``[sgd] enabled``).
    info : dict
        Dataset, device, timings, K per minute.
    subsample : numpy.ndarray of bool (K,) or None
        The uniform subsample whose errors estimate D (every member unless survivors-first).
    """

    config: GuessCheckConfig
    test_errors: np.ndarray
    first_mistake: np.ndarray
    measured: dict
    predicted: dict
    sgd: dict | None = None
    info: dict = field(default_factory=dict)
    subsample: np.ndarray | None = None

    @property
    def n(self) -> np.ndarray:
        return self.measured["n"]

    def series(self) -> dict[str, np.ndarray]:
        """All 1-d series aligned with ``n`` (the columns of results.csv)."""
        both = {**self.measured, **self.predicted}
        return {k: v for k, v in both.items() if np.ndim(v) == 1 and len(v) == len(self.n) and k != "hist_bin_edges"}

    def to_dict(self) -> dict:
        """The content of ``results.json`` (plain JSON types; NaN becomes null)."""
        data = {"eps0": self.config.theory.eps0, "K": int(len(self.test_errors)),
                "R": int(self.first_mistake.shape[1]), "n_max": self.config.sampling.n_max,
                "config": config_to_dict(self.config), "config_hash": config_hash(self.config),
                "version": __version__, "info": self.info}
        for key, value in {**self.measured, **self.predicted}.items():
            data[key] = to_jsonable(value)
        sample = self.test_errors if self.subsample is None else self.test_errors[self.subsample]
        data["test_error_summary"] = _describe(sample)
        if self.sgd is not None:
            data["sgd"] = to_jsonable(self.sgd)
        return data


def _describe(values: np.ndarray) -> dict:
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return {"count": 0}
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"count": int(len(values)), "mean": float(values.mean()), "std": float(values.std()),
            "min": float(values.min()), "q05": float(q[0]), "q25": float(q[1]), "median": float(q[2]),
            "q75": float(q[3]), "q95": float(q[4]), "max": float(values.max())}


def resume_key(config: GuessCheckConfig, device: str) -> str:
    """Key of a run's chunks in a task store: the config, the device and the library versions."""
    import torch
    return run_key(config_to_dict(config), device=device, torch=torch.__version__)


def run_guess_check(config: GuessCheckConfig | str | Path, executor: str = "local", workers: int | None = None,
                    progress: bool = True, store: str | Path | None = None,
                    **executor_options) -> GuessCheckResult:
    """Run a Guess & Check experiment.

    Parameters
    ----------
    config : GuessCheckConfig, str or Path
        From :func:`~badminima.experiments.configs.load_config`, or a TOML path or packaged
        config name to load.
    executor : {"serial", "local", "ray"}
        Where the chunks run (:func:`badminima.experiments.executors.get_executor`).
    workers : int, optional
        Parallel chunks (default: one per CPU core for ``local``).
    progress : bool
        Show the progress over chunks on stderr (:class:`~badminima.experiments.progress.Progress`).
    store : str or Path, optional
        Task store file (:class:`~badminima.experiments.task_store.TaskStore`): each finished
        chunk is kept there at once, and chunks already there (same config, device and
        versions) are read instead of computed, so an interrupted run resumes with the same
        result as an uninterrupted one.
    **executor_options
        Passed to the executor (``address`` of a Ray cluster).

    Returns
    -------
    GuessCheckResult
        The same for any ``executor`` and ``workers`` given the config (chunk c's
        classifiers come from ``(seed, c)``; chunks merge by index).
    """
    config = as_config(config, GuessCheckConfig, "run_guess_check")
    device = str(resolve_device(config.sampling.device))
    started = time.perf_counter()
    ds = load_guess_check_dataset(config.data)
    if config.sampling.n_max > len(ds.y_train):
        raise InvalidParameterError(
            f"[sampling] n_max = {config.sampling.n_max} exceeds the training pool of {len(ds.y_train)} points")
    tasks = chunk_tasks(config, device)
    with open_task_store(store, resume_key(config, device), "guess-check", config_to_dict(config)) as kept:
        chunks, resumed = run_tasks(run_chunk, tasks, kept, lambda fields: ChunkSummary(**fields), executor,
                                    workers, progress, f"{config.name}: guess & check", "chunks",
                                    **executor_options)
    errors, positions = merge_chunks(chunks)
    subsample = merge_subsample(chunks)
    sampled = time.perf_counter()
    drawn_now = sum(task.size for task in tasks if task.chunk not in resumed)
    theory = config.theory
    edges = np.linspace(0.0, 1.0, theory.bins + 1)
    survivors_first = config.sampling.survivors_first()
    measured = measure_guess_check(errors, positions, config.sampling.n_max, theory.eps0, edges, theory.confidence,
                                   subsample=subsample if survivors_first else None,
                                   n_min=config.sampling.survival_threshold() if survivors_first else 0)
    input_dim = int(np.prod(ds.x_train.shape[1:]))
    sample_of_d = errors[subsample]  # a uniform sample of D (every member when all are evaluated)
    density = make_density(theory.density, sample_of_d, input_dim)
    predicted = predict_guess_check(density, measured["n"], theory.eps0, edges)
    if theory.density != "empirical":  # the sampled-error density, for reference
        empirical = predict_guess_check(make_density("empirical", sample_of_d, input_dim), measured["n"],
                                        theory.eps0, edges)
        predicted.update({f"{k}_empirical": v for k, v in empirical.items()})
    info = {"dataset": repr(ds), "n_pool": int(len(ds.y_train)), "n_test": int(len(ds.y_test)),
            "input_dim": input_dim, "device": device, "executor": executor, "chunks": len(tasks),
            "evaluated": int(np.isfinite(errors).sum()), "subsample_size": int(subsample.sum()),
            **evaluation_options(config, config.model.function_set(), ds, config_orderings(config, ds)),
            "chunks_resumed": len(resumed), "sampling_seconds": sampled - started,
            "K_per_minute": drawn_now / max(sampled - started, 1e-9) * 60}
    result = GuessCheckResult(config, errors, positions, measured, predicted, info=info, subsample=subsample)
    if config.sgd.enabled:
        result.sgd = compare_with_sgd(config, ds, errors, positions, device, subsample)
    info["total_seconds"] = time.perf_counter() - started
    logger.info("guess & check: K=%d in %.1f s (%.0f K/min)", config.sampling.K, sampled - started, info["K_per_minute"])
    return result


def compare_with_sgd(config: GuessCheckConfig, ds, errors: np.ndarray, positions: np.ndarray,
                     device: str, subsample: np.ndarray | None = None) -> dict:
    """Guess & Check survivors vs SGD solutions of the same architecture and prior.

    For each size n of ``[sgd] n`` and each of the first ``[sgd] training_sets`` orderings r,
    the training set is the first ``n`` points of ordering r (balanced by class when
    ``[sampling] balanced``); ``members`` networks drawn from the prior (parameter stream
    ``SeedSequence(seed, spawn_key=(2, r))``) are trained with full-batch gradient descent
    to zero training error (:func:`badminima.training.population_sgd.train_population_sgd`).
    The test errors of the converged ones are compared with those of the Guess & Check
    survivors of the same training sets: summaries and the two-sample Kolmogorov-Smirnov
    statistic (docs/science.md section 4, experiment 4).

    In a survivors-first run the survivors of ``n`` below ``n_min`` are taken from the uniform
    ``subsample`` only (a uniform sample of them); from ``n_min`` on, all survivors.

    Returns the comparison of the last size listed, plus ``by_n`` (size -> comparison) when
    ``[sgd] n`` lists several.
    """
    sizes = config.sgd.sizes()
    orderings = config_orderings(config, ds)
    evaluated = np.isfinite(errors).all() or subsample is None
    n_min = 0 if evaluated else config.sampling.survival_threshold()
    pool = np.ones(len(errors), dtype=bool) if evaluated else subsample
    by_n = {str(n): _compare_at(config, ds, errors, positions, device, orderings, n,
                                pool if n < n_min else np.ones(len(errors), dtype=bool)) for n in sizes}
    out = dict(by_n[str(sizes[-1])])
    if len(sizes) > 1:
        out["by_n"] = by_n
    return out


def _compare_at(config, ds, errors, positions, device, orderings, n: int, candidates: np.ndarray) -> dict:
    from scipy import stats

    from badminima.training.population_sgd import train_population_sgd

    sgd, smp = config.sgd, config.sampling
    function_set = config.model.function_set()
    sgd_errors, gc_errors, converged, steps = [], [], 0, []
    for r in range(sgd.training_sets):
        idx = orderings[r, :n]
        stream = np.random.SeedSequence(smp.seed, spawn_key=(2, r))
        population = function_set.sample(sgd.members, ds.x_train.shape[1:], ds.n_classes, stream, device)
        run = train_population_sgd(population, ds.x_train[idx], ds.y_train[idx], sgd.lr, sgd.max_steps, sgd.loss)
        trained = run.population.select(np.flatnonzero(run.converged))
        converged += int(run.converged.sum())
        steps.append(run.steps[run.converged])
        if trained.K:
            sgd_errors.append(trained.error_rates(ds.x_test, ds.y_test))
        gc_errors.append(errors[(positions[:, r] >= n) & candidates])
    sgd_all = np.concatenate(sgd_errors) if sgd_errors else np.empty(0)
    gc_all = np.concatenate(gc_errors)
    out = {"n": n, "training_sets": sgd.training_sets, "members": sgd.members,
           "converged": converged, "sgd_steps": _describe(np.concatenate(steps)),
           "sgd_test_errors": sgd_all, "gc_test_errors": gc_all,
           "sgd_summary": _describe(sgd_all), "gc_summary": _describe(gc_all)}
    if len(sgd_all) and len(gc_all):
        ks = stats.ks_2samp(sgd_all, gc_all)
        out["ks_statistic"], out["ks_pvalue"] = float(ks.statistic), float(ks.pvalue)
    return out


#: Columns of ``runs.csv`` (:func:`per_set_runs`); ``n`` and ``test_error`` as ``badminima fit`` reads them.
PER_SET_COLUMNS = ("n", "test_error", "training_set", "survivors")


def per_set_runs(result: GuessCheckResult) -> list[dict]:
    """Rows (:data:`PER_SET_COLUMNS`) for ``n >= 1``: the mean true error
    of the survivors of training set r at size n, for every set with survivors.

    Each row is one measurement of the learning curve of random global minima (docs/science.md
    §2.3), as a sweep's run is one of trained networks, so ``badminima fit runs.csv`` fits the
    density models and laws to it; the scatter between sets gives the standard errors.
    """
    means, counts = result.measured["learning_curve_per_set"], result.measured["survivors_per_set"]
    return [dict(zip(PER_SET_COLUMNS, (n, float(means[r, n]), r, int(counts[r, n]))))
            for n in range(1, means.shape[1]) for r in range(means.shape[0]) if counts[r, n] > 0]


def write_guess_check_outputs(result: GuessCheckResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json``, ``results.csv`` (n-aligned series), ``runs.csv`` (one row per
    training set and size, :func:`per_set_runs`, a ``badminima fit`` input) and ``summaries.npz``.

    Returns the paths by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "runs": out / "runs.csv",
             "npz": out / "summaries.npz"}
    write_dict_rows(per_set_runs(result), list(PER_SET_COLUMNS), paths["runs"])
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
