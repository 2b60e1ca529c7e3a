"""The Guess & Check experiment: sample, measure, predict, compare (docs/science.md section 4).

A runner of the contract of :mod:`badminima.experiments.runner` (:data:`GUESS_CHECK`):

- :func:`plan_guess_check` resolves a config once into a :class:`GuessCheckPlan`: the device,
  the function set, the training orderings, the sampler (``auto`` decided here), the
  evaluation options (survivors-first decided here) and the chunk sizes;
- :func:`chunk_tasks` splits the K classifiers into chunks; :func:`run_chunk` (the worker)
  draws one chunk with the plan (:func:`badminima.sampling.guess_check.draw_chunk`);
- :func:`merge_guess_check` merges the chunks' compact summaries by chunk index (so the result
  does not depend on the number of workers), computes every measured series
  (:mod:`badminima.sampling.guess_check_stats`) and its theory prediction
  (:mod:`badminima.sampling.guess_check_theory`), and optionally compares with SGD
  (:mod:`badminima.experiments.sgd_comparison`).

:meth:`GuessCheckResult.write` writes ``results.json``, ``results.csv``, ``runs.csv`` and
``summaries.npz`` (:mod:`badminima.experiments.outputs`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from badminima import __version__
from badminima.classifiers.devices import resolve_device
from badminima.errors import InvalidParameterError
from badminima.jsonio import to_jsonable
from badminima.experiments.configfile import config_hash, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.datasets import load_data_table
from badminima.experiments.data_spec import DataSpec
from badminima.experiments.guess_check_config import GuessCheckConfig
from badminima.experiments.keys import run_key
from badminima.experiments.outputs import GUESS_CHECK_RUN_COLUMNS, describe_values
from badminima.experiments.outputs import per_set_runs  # noqa: F401  (old import path)
from badminima.experiments.outputs import write_guess_check_outputs  # noqa: F401  (old import path)
from badminima.experiments.runner import Runner, RunInfo, run
from badminima.experiments.sgd_comparison import compare_with_sgd
from badminima.sampling.guess_check import (
    ChunkSummary,
    GuessCheckData,
    chunk_sizes,
    draw_chunk,
    merge_chunks,
    merge_subsample,
    training_orderings,
)
from badminima.sampling.guess_check_choices import ChunkSettings
from badminima.sampling.guess_check_stats import measure_guess_check
from badminima.sampling.guess_check_theory import make_density, predict_guess_check

logger = logging.getLogger(__name__)

#: Series of ``results.json`` the issue requires (all aligned with ``n``).
REQUIRED_SERIES = ("acceptance_measured", "acceptance_ci_low", "acceptance_ci_high", "acceptance_predicted",
                   "learning_curve_measured", "learning_curve_predicted", "bad_fraction_measured",
                   "bad_fraction_predicted", "bad_fraction_bound")

def load_guess_check_dataset(section: DataSpec):
    """The (normalized) dataset of a config, cached per process (workers load it once)."""
    return load_data_table(section)


@dataclass(frozen=True, eq=False)
class GuessCheckPlan:
    """A Guess & Check config with every choice resolved, once per run (:func:`plan_guess_check`).

    Attributes
    ----------
    config : GuessCheckConfig
    device : str
        Where every chunk computes (``"auto"`` resolved).
    function_set : FunctionSet
        Built once from ``[model]``.
    orderings : numpy.ndarray of int64 ``(R, n_max)``
        The training orderings (balanced by class when ``[sampling] balanced``).
    settings : ChunkSettings
        Seed, classes, error source, memory bound, evaluation (survivors-first decided) and the
        sampler (``auto`` decided), validated once.
    chunk_sizes : tuple of int
        Classifiers per chunk, in merge order.
    input_dim : int
        Inputs per point as the function set sees them.
    """

    config: GuessCheckConfig
    device: str
    function_set: object
    orderings: np.ndarray
    settings: ChunkSettings
    chunk_sizes: tuple[int, ...]
    input_dim: int

    def evaluation_options(self) -> dict:
        """``evaluate``, ``n_min``, ``subsample`` and ``sampler`` as resolved (kept in ``info``)."""
        s = self.settings
        return {"evaluate": s.evaluate, "n_min": s.n_min, "subsample": s.subsample, "sampler": s.sampler}


def plan_guess_check(config: GuessCheckConfig) -> GuessCheckPlan:
    """Resolve every choice of ``config`` once: the :class:`GuessCheckPlan` every chunk runs.

    ``sampler = "auto"`` is exact subspace sampling whenever it applies (a Gaussian-prior MLP
    and fewer pool points than inputs per unit, :func:`badminima.sampling.subspace.subspace_applies`);
    ``evaluate = "auto"`` is survivors-first when it pays
    (:meth:`~badminima.experiments.guess_check_config.SamplingSection.survivors_first`).
    """
    from badminima.sampling.subspace import require_subspace, subspace_applies
    smp = config.sampling
    device = str(resolve_device(smp.device))
    ds = load_guess_check_dataset(config.data)
    if smp.n_max > len(ds.y_train):
        raise InvalidParameterError(
            f"[sampling] n_max = {smp.n_max} exceeds the training pool of {len(ds.y_train)} points")
    orderings = config_orderings(config, ds)
    function_set = config.model.function_set()
    dim = int(function_set.prepare_inputs(ds.x_train[:1], "cpu").shape[1])
    n_points = len(np.unique(orderings))
    sampler = smp.sampler
    if sampler == "auto":
        sampler = "subspace" if subspace_applies(function_set, n_points, dim) else "direct"
    elif sampler == "subspace":
        require_subspace(function_set, n_points, dim)
    if smp.survivors_first():
        evaluate, n_min, subsample = "survivors", smp.survival_threshold(), smp.subsample
    else:
        evaluate, n_min, subsample = "all", 0, 1.0
    settings = ChunkSettings(smp.seed, ds.n_classes, smp.error, smp.max_mbytes * 2**20, evaluate, n_min,
                             subsample, sampler)
    return GuessCheckPlan(config, device, function_set, orderings, settings,
                          tuple(chunk_sizes(smp.K, smp.chunk_size)), dim)


@dataclass(frozen=True, eq=False)
class ChunkTask:
    """One executor task: chunk ``chunk`` (``size`` classifiers) of a planned Guess & Check run."""

    plan: GuessCheckPlan
    chunk: int
    size: int


def chunk_tasks(plan: GuessCheckPlan, device: str | None = None) -> list[ChunkTask]:
    """The independent chunks of a run, in merge order (run each with :func:`run_chunk`).

    ``chunk_tasks(config, device="cpu")`` of earlier releases still works: the config is
    planned (:func:`plan_guess_check`) with ``[sampling] device`` set to ``device``.
    """
    if isinstance(plan, GuessCheckConfig):
        config = plan
        plan = plan_guess_check(dataclasses.replace(
            config, sampling=dataclasses.replace(config.sampling, device=device or "cpu")))
    return [ChunkTask(plan, c, size) for c, size in enumerate(plan.chunk_sizes)]


def run_chunk(task: ChunkTask) -> ChunkSummary:
    """The worker: one chunk's summaries, drawn with the plan (module level, so it pickles)."""
    plan = task.plan
    ds = load_guess_check_dataset(plan.config.data)
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.teacher, plan.device)
    return draw_chunk(plan.function_set, data, plan.orderings, plan.settings, task.chunk, task.size)


def config_orderings(config: GuessCheckConfig, ds) -> np.ndarray:
    """The run's training orderings (balanced by class when ``[sampling] balanced``)."""
    smp = config.sampling
    return training_orderings(len(ds.y_train), smp.n_max, smp.R, smp.seed,
                              labels=ds.y_train if smp.balanced else None)


def evaluation_options(config: GuessCheckConfig, function_set=None, ds=None, orderings=None) -> dict:
    """``evaluate``, ``n_min``, ``subsample`` and ``sampler`` of a config, resolved
    (:meth:`GuessCheckPlan.evaluation_options` of :func:`plan_guess_check`; the other
    arguments of earlier releases are not needed)."""
    return plan_guess_check(config).evaluation_options()


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
        data["test_error_summary"] = describe_values(sample)
        if self.sgd is not None:
            data["sgd"] = to_jsonable(self.sgd)
        return data

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``results.json``, ``results.csv``, ``runs.csv`` and ``summaries.npz``; the paths by name
        (:func:`badminima.experiments.outputs.write_guess_check_outputs`)."""
        return write_guess_check_outputs(self, out_dir)


def resume_key(config: GuessCheckConfig, device: str) -> str:
    """Key of a run's chunks in a task store: the config, the device and the library versions."""
    import torch
    return run_key(config_to_dict(config), device=device, torch=torch.__version__)


def merge_guess_check(plan: GuessCheckPlan, chunks: list[ChunkSummary], run_info: RunInfo) -> GuessCheckResult:
    """Merge the chunks by index, measure every series, predict it from theory (and compare with SGD)."""
    config = plan.config
    ds = load_guess_check_dataset(config.data)
    errors, positions = merge_chunks(chunks)
    subsample = merge_subsample(chunks)
    drawn_now = sum(size for c, size in enumerate(plan.chunk_sizes) if c not in run_info.resumed)
    theory = config.theory
    edges = np.linspace(0.0, 1.0, theory.bins + 1)
    survivors_first = plan.settings.evaluate == "survivors"
    measured = measure_guess_check(errors, positions, config.sampling.n_max, theory.eps0, edges, theory.confidence,
                                   subsample=subsample if survivors_first else None,
                                   n_min=plan.settings.n_min if survivors_first else 0)
    input_dim = int(np.prod(ds.x_train.shape[1:]))
    sample_of_d = errors[subsample]  # a uniform sample of D (every member when all are evaluated)
    density = make_density(theory.density, sample_of_d, input_dim)
    predicted = predict_guess_check(density, measured["n"], theory.eps0, edges)
    if theory.density != "empirical":  # the sampled-error density, for reference
        empirical = predict_guess_check(make_density("empirical", sample_of_d, input_dim), measured["n"],
                                        theory.eps0, edges)
        predicted.update({f"{k}_empirical": v for k, v in empirical.items()})
    sampling_seconds = run_info.seconds
    info = {"dataset": repr(ds), "n_pool": int(len(ds.y_train)), "n_test": int(len(ds.y_test)),
            "input_dim": input_dim, "device": plan.device, "executor": run_info.executor,
            "chunks": len(plan.chunk_sizes), "evaluated": int(np.isfinite(errors).sum()),
            "subsample_size": int(subsample.sum()), **plan.evaluation_options(),
            "chunks_resumed": len(run_info.resumed), "sampling_seconds": sampling_seconds,
            "K_per_minute": drawn_now / max(sampling_seconds, 1e-9) * 60}
    result = GuessCheckResult(config, errors, positions, measured, predicted, info=info, subsample=subsample)
    if config.sgd.enabled:
        result.sgd = compare_with_sgd(config, ds, errors, positions, plan.device, subsample, plan.orderings,
                                      plan.function_set)
    info["total_seconds"] = time.perf_counter() - run_info.started
    logger.info("guess & check: K=%d in %.1f s (%.0f K/min)", config.sampling.K, sampling_seconds,
                info["K_per_minute"])
    return result


#: Guess & Check in the runner contract (:mod:`badminima.experiments.runner`).
GUESS_CHECK = Runner(kind="guess-check", plan=plan_guess_check, tasks=chunk_tasks, worker=run_chunk,
                     merge=merge_guess_check, key=lambda plan: resume_key(plan.config, plan.device),
                     decode=lambda fields: ChunkSummary(**fields), label="{name}: guess & check", unit="chunks")


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
    return run(GUESS_CHECK, config, store, executor, workers, progress, **executor_options)


#: Columns of ``runs.csv`` (old name of :data:`badminima.experiments.outputs.GUESS_CHECK_RUN_COLUMNS`).
PER_SET_COLUMNS = GUESS_CHECK_RUN_COLUMNS
