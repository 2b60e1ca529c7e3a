"""Run a learning-curve sweep: every ``(n, seed)`` not yet in the results database.

The driver plans the runs, skips those already stored, hands the others to an executor
(local process pool, serial, or Ray) as tasks of the module-level function :func:`run_one`,
and writes each result into SQLite in its own transaction as it arrives. Interrupting a
sweep therefore loses only runs in progress; running it again does the rest.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import time
from pathlib import Path

import numpy as np
import torch

import badminima
from badminima.errors import InvalidParameterError
from badminima.experiments import store
from badminima.experiments.configfile import config_from_dict, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.datasets import load_normalized_dataset
from badminima.experiments.executors import get_executor
from badminima.experiments.sweep_config import SweepConfig, run_config_hash
from badminima.training import (build_model, make_deterministic, resolve_device, to_labels, to_tensor,
                                train_ensemble_to_zero, train_to_zero)

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SweepSummary:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    experiment, config_hash : str
    planned : int
        Runs the config asks for (sizes x seeds).
    skipped : int
        Runs already in the database before this call.
    completed : int
        Runs finished and stored by this call.
    not_zero : int
        Of those, runs that did not reach zero training error.
    wall_s : float
    db_path : str
    """

    experiment: str
    config_hash: str
    planned: int
    skipped: int
    completed: int
    not_zero: int
    wall_s: float
    db_path: str


def _load(data_spec: dict):
    """The normalized dataset of a config's ``[data]`` table (cached per process)."""
    return load_normalized_dataset(data_spec["dataset"], data_spec["data_dir"], data_spec["classes"],
                                   data_spec["seed"], data_spec["options"])


def plan_sizes(config: SweepConfig, n_train: int) -> list[int]:
    """The sweep's sizes, increasing, with the full training set when ``include_full``."""
    sizes = set(config.sweep.sizes)
    too_big = sorted(n for n in sizes if n > n_train)
    if too_big:
        raise InvalidParameterError(
            f"sweep size {too_big[0]} exceeds the training set of {config.data.dataset} ({n_train} samples)")
    if config.sweep.include_full:
        sizes.add(n_train)
    return sorted(sizes)


def _versions() -> dict:
    return {"badminima": badminima.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def run_one(task: dict) -> list[dict]:
    """Train the runs of one task (one n, one or several seeds); return their result rows.

    ``task`` holds ``config`` (a :class:`SweepConfig` as a dict), ``experiment``,
    ``config_hash``, ``n`` and ``seeds``. Executed in a worker process (or Ray task): it
    seeds everything from each run's seed and returns plain dicts with the columns of
    :data:`badminima.experiments.store.RUN_COLUMNS`. Several seeds are trained as one
    batched model (:func:`~badminima.training.train_ensemble_to_zero`).
    """
    config = config_from_dict(task["config"], SweepConfig, where="task")
    device = resolve_device(config.sweep.device)
    make_deterministic(device)
    data = _load(task["config"]["data"])
    n, seeds = task["n"], list(task["seeds"])
    x_test, y_test = to_tensor(data.x_test, device), to_labels(data.y_test, device)
    if len(seeds) > 1:
        results = _train_batched(config, data, n, seeds, x_test, y_test, device)
    else:
        results = [_train_single(config, data, n, seeds[0], x_test, y_test, device)]
    versions = _versions()
    return [{"experiment": task["experiment"], "config_hash": task["config_hash"],
             "dataset": config.data.dataset, "arch": config.model.arch, "n": n, "seed": s,
             "epochs": r.epochs, "reached_zero": r.reached_zero, "train_error": r.train_error,
             "test_error": r.test_error, "n_test": r.n_test, "wall_s": r.wall_s, "device": r.device,
             "versions": versions} for s, r in zip(seeds, results)]


def _train_batched(config, data, n, seeds, x_test, y_test, device):
    shape = tuple(x_test.shape[1:])
    models = [build_model(config.model, shape, data.n_classes, s).to(device) for s in seeds]
    subsets = [data.subset_indices(n, s) for s in seeds]
    x = torch.stack([to_tensor(data.x_train[i], device) for i in subsets])
    y = torch.stack([to_labels(data.y_train[i], device) for i in subsets])
    return train_ensemble_to_zero(models, x, y, x_test, y_test, config.train, seeds)


def _train_single(config, data, n, seed, x_test, y_test, device):
    order = data.subset_indices(len(data.y_train), seed)
    idx = order[:n]
    x_val = y_val = None
    if config.train.early_stopping:
        val = order[n:n + config.train.validation_size]
        if len(val) == 0:
            raise InvalidParameterError(
                f"early_stopping needs a validation set outside the training subset, but n={n} "
                f"is the whole training set of {config.data.dataset}")
        x_val, y_val = to_tensor(data.x_train[val], device), to_labels(data.y_train[val], device)
    model = build_model(config.model, tuple(x_test.shape[1:]), data.n_classes, seed).to(device)
    return train_to_zero(model, to_tensor(data.x_train[idx], device), to_labels(data.y_train[idx], device),
                         x_test, y_test, config.train, seed, x_val, y_val)


def plan_tasks(config: SweepConfig, sizes: list[int], done: set[tuple[int, int]], experiment: str,
               chash: str) -> list[dict]:
    """Tasks for the missing ``(n, seed)`` pairs: one per run, or one per n with ``batch_seeds``.

    Larger n first, so the longest runs start early and the time estimate is pessimistic.
    """
    payload = config_to_dict(config)
    tasks = []
    for n in sorted(sizes, reverse=True):
        seeds = [s for s in config.sweep.seeds if (n, s) not in done]
        groups = [seeds] if config.sweep.batch_seeds and seeds else [[s] for s in seeds]
        tasks += [{"config": payload, "experiment": experiment, "config_hash": chash, "n": n, "seeds": g}
                  for g in groups]
    return tasks


def _executor_options(name: str, config: SweepConfig) -> dict:
    if name != "ray":
        return {}
    wants_gpu = config.sweep.device.startswith("cuda") or (config.sweep.device == "auto" and torch.cuda.is_available())
    return {"num_gpus": 1 if wants_gpu else 0}


def run_sweep(config: SweepConfig | str | Path, db_path: str | Path, executor: str = "local", workers: int | None = None,
              progress: bool = True, **executor_options) -> SweepSummary:
    """Run every ``(n, seed)`` of ``config`` not yet in the database at ``db_path``.

    Parameters
    ----------
    config : SweepConfig, str or Path
        From :func:`~badminima.experiments.configs.load_config`, or a TOML path or packaged
        config name to load.
    db_path : str or Path
        SQLite results database (created when missing).
    executor : {"local", "serial", "ray"}
        Where runs execute; results are always written here, by the driver.
    workers : int, optional
        Parallel runs (default: one per CPU core for ``local``).
    progress : bool
        Show a progress bar with the estimated time left (on stderr).
    **executor_options
        Passed to :func:`~badminima.experiments.executors.get_executor`
        (e.g. ``address="auto"`` to join a Ray cluster).

    Returns
    -------
    SweepSummary
    """
    start = time.perf_counter()
    config = as_config(config, SweepConfig, "run_sweep")
    experiment, chash = config.name, run_config_hash(config)
    data = _load(config_to_dict(config)["data"])
    sizes = plan_sizes(config, len(data.y_train))
    conn = store.connect(db_path)
    try:
        store.record_experiment(conn, experiment, chash, config_to_dict(config))
        done = store.completed(conn, experiment, chash)
        planned = len(sizes) * len(config.sweep.seeds)
        skipped = sum((n, s) in done for n in sizes for s in config.sweep.seeds)
        tasks = plan_tasks(config, sizes, done, experiment, chash)
        completed = not_zero = 0
        if tasks:
            options = {**_executor_options(executor, config), **executor_options}
            bar = _progress_bar(planned - skipped, progress, experiment)
            try:
                with get_executor(executor, workers=workers, **options) as pool:
                    for _, rows in pool.imap_unordered(run_one, tasks):
                        for row in rows:
                            completed += store.insert_run(conn, row)
                            not_zero += not row["reached_zero"]
                        bar.update(len(rows))
                        bar.set_postfix_str(f"n={rows[0]['n']} test_error={rows[0]['test_error']:.3f}")
            finally:
                bar.close()
    finally:
        conn.close()
    summary = SweepSummary(experiment, chash, planned, skipped, completed, not_zero,
                           time.perf_counter() - start, str(db_path))
    logger.info("sweep %s: %d planned, %d already done, %d run now (%d without zero training error)",
                experiment, planned, skipped, completed, not_zero)
    return summary


def _progress_bar(total: int, enabled: bool, experiment: str):
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, desc=experiment, unit="run", dynamic_ncols=True)
