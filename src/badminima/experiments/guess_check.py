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
from badminima.experiments.executors import get_executor
from badminima.experiments.data_spec import DataSpec
from badminima.experiments.guess_check_config import GuessCheckConfig
from badminima.sampling.guess_check import (
    GuessCheckData,
    chunk_sizes,
    guess_check_chunk,
    merge_chunks,
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
    ds = load_guess_check_dataset(cfg.data)
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.teacher, task.device)
    orderings = training_orderings(len(ds.y_train), cfg.sampling.n_max, cfg.sampling.R, cfg.sampling.seed)
    return guess_check_chunk(cfg.model.function_set(), data, orderings, seed=cfg.sampling.seed,
                             chunk=task.chunk, size=task.size, n_classes=ds.n_classes,
                             error=cfg.sampling.error, max_bytes=cfg.sampling.max_mbytes * 2**20)


@dataclass
class GuessCheckResult:
    """Everything a Guess & Check run measured and predicted.

    Attributes
    ----------
    config : GuessCheckConfig
    test_errors : numpy.ndarray (K,)
        True error (estimate) of every drawn classifier, in draw order.
    first_mistake : numpy.ndarray (K, R)
        First-mistake positions (``n_max`` when none).
    measured, predicted : dict of numpy.ndarray
        Series aligned with ``n`` (see docs/guess_check.md).
    sgd : dict or None
        Guess & Check vs SGD comparison (``[sgd] enabled``).
    info : dict
        Dataset, device, timings, K per minute.
    """

    config: GuessCheckConfig
    test_errors: np.ndarray
    first_mistake: np.ndarray
    measured: dict
    predicted: dict
    sgd: dict | None = None
    info: dict = field(default_factory=dict)

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
        data["test_error_summary"] = _describe(self.test_errors)
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


def _progress(iterable, total: int, enabled: bool):
    import sys

    from tqdm import tqdm
    return tqdm(iterable, total=total, desc="guess & check chunks", unit="chunk",
                disable=not (enabled and sys.stderr.isatty()))


def run_guess_check(config: GuessCheckConfig | str | Path, executor: str = "local", workers: int | None = None,
                    progress: bool = True, **executor_options) -> GuessCheckResult:
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
        Show a tqdm bar over chunks (only on a terminal).
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
    chunks = []
    with get_executor(executor, workers=workers, **executor_options) as pool:
        for _, summary in _progress(pool.imap_unordered(run_chunk, tasks), len(tasks), progress):
            chunks.append(summary)
    errors, positions = merge_chunks(chunks)
    sampled = time.perf_counter()
    theory = config.theory
    edges = np.linspace(0.0, 1.0, theory.bins + 1)
    measured = measure_guess_check(errors, positions, config.sampling.n_max, theory.eps0, edges, theory.confidence)
    input_dim = int(np.prod(ds.x_train.shape[1:]))
    density = make_density(theory.density, errors, input_dim)
    predicted = predict_guess_check(density, measured["n"], theory.eps0, edges)
    if theory.density != "empirical":  # the sampled-error density, for reference
        empirical = predict_guess_check(make_density("empirical", errors, input_dim), measured["n"], theory.eps0,
                                        edges)
        predicted.update({f"{k}_empirical": v for k, v in empirical.items()})
    info = {"dataset": repr(ds), "n_pool": int(len(ds.y_train)), "n_test": int(len(ds.y_test)),
            "input_dim": input_dim, "device": device, "executor": executor, "chunks": len(tasks),
            "sampling_seconds": sampled - started, "K_per_minute": config.sampling.K / max(sampled - started, 1e-9) * 60}
    result = GuessCheckResult(config, errors, positions, measured, predicted, info=info)
    if config.sgd.enabled:
        result.sgd = compare_with_sgd(config, ds, errors, positions, device)
    info["total_seconds"] = time.perf_counter() - started
    logger.info("guess & check: K=%d in %.1f s (%.0f K/min)", config.sampling.K, sampled - started, info["K_per_minute"])
    return result


def compare_with_sgd(config: GuessCheckConfig, ds, errors: np.ndarray, positions: np.ndarray,
                     device: str) -> dict:
    """Guess & Check survivors vs SGD solutions of the same architecture and prior.

    For each of the first ``[sgd] training_sets`` orderings r, the training set is its first
    ``n`` points; ``members`` networks drawn from the prior (generator seeded by
    ``SeedSequence(seed, spawn_key=(2, r))``) are trained with full-batch gradient descent
    to zero training error (:func:`badminima.training.population_sgd.train_population_sgd`).
    The test errors of the converged ones are compared with those of the Guess & Check
    survivors of the same training sets: summaries and the two-sample Kolmogorov-Smirnov
    statistic (docs/science.md section 4, experiment 4).
    """
    import torch
    from scipy import stats

    from badminima.training.population_sgd import train_population_sgd

    sgd, smp = config.sgd, config.sampling
    orderings = training_orderings(len(ds.y_train), smp.n_max, smp.R, smp.seed)
    function_set = config.model.function_set()
    sgd_errors, gc_errors, converged, steps = [], [], 0, []
    for r in range(sgd.training_sets):
        idx = orderings[r, :sgd.n]
        generator = torch.Generator().manual_seed(
            int(np.random.SeedSequence(smp.seed, spawn_key=(2, r)).generate_state(1, np.uint32)[0]))
        population = function_set.sample(sgd.members, ds.x_train.shape[1:], ds.n_classes, generator, device)
        run = train_population_sgd(population, ds.x_train[idx], ds.y_train[idx], sgd.lr, sgd.max_steps, sgd.loss)
        trained = run.population.select(torch.as_tensor(run.converged, device=device))
        converged += int(run.converged.sum())
        steps.append(run.steps[run.converged])
        if trained.K:
            sgd_errors.append(trained.error_rates(ds.x_test, ds.y_test))
        gc_errors.append(errors[positions[:, r] >= sgd.n])
    sgd_all = np.concatenate(sgd_errors) if sgd_errors else np.empty(0)
    gc_all = np.concatenate(gc_errors)
    out = {"n": sgd.n, "training_sets": sgd.training_sets, "members": sgd.members,
           "converged": converged, "sgd_steps": _describe(np.concatenate(steps)),
           "sgd_test_errors": sgd_all, "gc_test_errors": gc_all,
           "sgd_summary": _describe(sgd_all), "gc_summary": _describe(gc_all)}
    if len(sgd_all) and len(gc_all):
        ks = stats.ks_2samp(sgd_all, gc_all)
        out["ks_statistic"], out["ks_pvalue"] = float(ks.statistic), float(ks.pvalue)
    return out


def write_guess_check_outputs(result: GuessCheckResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json``, ``results.csv`` (n-aligned series) and ``summaries.npz``.

    Returns the paths by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "npz": out / "summaries.npz"}
    paths["json"].write_text(dumps(result.to_dict()))
    series = result.series()
    with paths["csv"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(series))
        for row in zip(*series.values()):
            writer.writerow([repr(float(v)) if np.isfinite(v) else "" for v in row])
    dtype = np.int16 if result.config.sampling.n_max < 2**15 else np.int32
    np.savez_compressed(paths["npz"], test_errors=result.test_errors,
                        first_mistake=result.first_mistake.astype(dtype))
    return paths
