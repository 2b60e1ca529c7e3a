"""Run a learning-curve sweep: every ``(n, seed)`` not yet in the results database.

A runner of the contract of :mod:`badminima.experiments.runner` (:data:`SWEEP`):
:func:`plan_sweep` resolves the config once (sizes, device, the runs already stored),
:func:`sweep_tasks` lists the missing runs as tasks (one per run, or one per n with
``batch_seeds``), the module-level worker :func:`run_sweep_task` trains them, and each task's
rows are written into SQLite (:mod:`badminima.experiments.runs_db`) in their own
transaction as they arrive. Interrupting a sweep therefore loses only runs in progress;
running it again does the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import platform
import time
from pathlib import Path

import numpy as np
import torch

import badminima
from badminima.errors import InvalidParameterError
from badminima.experiments import runs_db
from badminima.experiments.configfile import config_from_dict, config_to_dict
from badminima.experiments.configs import as_config
from badminima.experiments.datasets import load_data_table
from badminima.experiments.runner import Runner, RunInfo, run_plan
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

    def to_dict(self) -> dict:
        """The fields as plain JSON types."""
        return dataclasses.asdict(self)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """``summary.json`` (this summary) and ``runs.csv`` (the experiment's runs in the database,
        :func:`badminima.experiments.tables.write_runs_csv`) in ``out_dir``; the paths by name."""
        from badminima.experiments.tables import write_runs_csv
        from badminima.jsonio import dumps
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "summary.json", "runs": out / "runs.csv"}
        paths["json"].write_text(dumps(self.to_dict()) + "\n", encoding="utf-8")
        write_runs_csv(paths["runs"], self.db_path, self.experiment)
        return paths


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


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    """A sweep config resolved once (:func:`plan_sweep`).

    Attributes
    ----------
    config : SweepConfig
    config_hash : str
        The key of its runs in the results database (:func:`~badminima.experiments.sweep_config.run_config_hash`).
    sizes : tuple of int
        Increasing, with the full training set when ``include_full``.
    device : str
        Where every run trains (``"auto"`` resolved).
    done : frozenset of (n, seed)
        Runs already in the database when the plan was made (not planned again).
    """

    config: SweepConfig
    config_hash: str
    sizes: tuple[int, ...]
    device: str
    done: frozenset = frozenset()

    @property
    def planned(self) -> int:
        return len(self.sizes) * len(self.config.sweep.seeds)

    @property
    def skipped(self) -> int:
        return sum((n, s) in self.done for n in self.sizes for s in self.config.sweep.seeds)


def plan_sweep(config: SweepConfig, done: frozenset = frozenset()) -> SweepPlan:
    """The :class:`SweepPlan` of ``config``, given the ``(n, seed)`` runs already ``done``."""
    data = load_data_table(config.data)
    return SweepPlan(config, run_config_hash(config), tuple(plan_sizes(config, len(data.y_train))),
                     str(resolve_device(config.sweep.device)), frozenset(done))


@dataclasses.dataclass(frozen=True)
class SweepTask:
    """One executor task: the runs of size ``n`` and ``seeds`` (several: trained as one batched model)."""

    config: SweepConfig
    config_hash: str
    device: str
    n: int
    seeds: tuple[int, ...]


def sweep_tasks(plan: SweepPlan) -> list[SweepTask]:
    """Tasks for the missing ``(n, seed)`` pairs: one per run, or one per n with ``batch_seeds``.

    Larger n first, so the longest runs start early and the time estimate is pessimistic.
    """
    config, tasks = plan.config, []
    for n in sorted(plan.sizes, reverse=True):
        seeds = [s for s in config.sweep.seeds if (n, s) not in plan.done]
        groups = [seeds] if config.sweep.batch_seeds and seeds else [[s] for s in seeds]
        tasks += [SweepTask(config, plan.config_hash, plan.device, n, tuple(g)) for g in groups]
    return tasks


def plan_tasks(config: SweepConfig, sizes: list[int], done: set[tuple[int, int]], experiment: str,
               chash: str) -> list[dict]:
    """The tasks of :func:`sweep_tasks` as the dicts of earlier releases (for :func:`run_one`)."""
    plan = SweepPlan(config, chash, tuple(sizes), config.sweep.device, frozenset(done))
    payload = config_to_dict(config)
    return [{"config": payload, "experiment": experiment, "config_hash": chash, "n": t.n, "seeds": list(t.seeds)}
            for t in sweep_tasks(plan)]


def _versions() -> dict:
    return {"badminima": badminima.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def run_sweep_task(task: SweepTask) -> list[dict]:
    """The worker: train the runs of one task (one n, one or several seeds); return their result rows.

    Executed in a worker process (or Ray task): it seeds everything from each run's seed and
    returns plain dicts with the columns of :data:`badminima.experiments.runs_db.RUN_COLUMNS`.
    Several seeds are trained as one batched model (:func:`~badminima.training.train_ensemble_to_zero`).
    """
    config, device = task.config, torch.device(task.device)
    make_deterministic(device)
    data = load_data_table(config.data)
    n, seeds = task.n, list(task.seeds)
    x_test, y_test = to_tensor(data.x_test, device), to_labels(data.y_test, device)
    if len(seeds) > 1:
        results = _train_batched(config, data, n, seeds, x_test, y_test, device)
    else:
        results = [_train_single(config, data, n, seeds[0], x_test, y_test, device)]
    versions = _versions()
    return [{"experiment": config.name, "config_hash": task.config_hash,
             "dataset": config.data.dataset, "arch": config.model.arch, "n": n, "seed": s,
             "epochs": r.epochs, "reached_zero": r.reached_zero, "train_error": r.train_error,
             "test_error": r.test_error, "n_test": r.n_test, "wall_s": r.wall_s, "device": r.device,
             "versions": versions} for s, r in zip(seeds, results)]


def run_one(task: dict) -> list[dict]:
    """:func:`run_sweep_task` for a task dict of earlier releases (``config`` as a dict,
    ``experiment``, ``config_hash``, ``n``, ``seeds``)."""
    config = config_from_dict(task["config"], SweepConfig, where="task")
    return run_sweep_task(SweepTask(config, task["config_hash"], str(resolve_device(config.sweep.device)),
                                    task["n"], tuple(task["seeds"])))


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


def task_work(task) -> int:
    """The work of a task for the time estimate: its size n times its number of runs.

    One epoch costs about n; a run's epochs vary much less with n than n itself does.
    """
    return task.n * len(task.seeds) if isinstance(task, SweepTask) else task["n"] * len(task["seeds"])


def _executor_options(plan: SweepPlan, name: str) -> dict:
    if name != "ray":
        return {}
    return {"num_gpus": 1 if plan.device.startswith("cuda") else 0}


class RunsStore:
    """The results database seen as the store of :func:`~badminima.experiments.task_store.run_tasks`.

    A task's result is its rows; :meth:`put` inserts them, each in its own transaction. A task
    whose runs are all in the database already counts as finished (:meth:`finished`); task
    indices are those of ``sweep_tasks(store.plan)``, so set :attr:`plan` to the plan that runs.
    """

    def __init__(self, path: str | Path, plan: SweepPlan) -> None:
        self.path, self.plan = Path(path), plan
        self.conn = runs_db.connect(path)
        runs_db.record_experiment(self.conn, plan.config.name, plan.config_hash, config_to_dict(plan.config))

    def done(self) -> frozenset:
        """The ``(n, seed)`` runs of this experiment and config already stored."""
        return frozenset(runs_db.completed(self.conn, self.plan.config.name, self.plan.config_hash))

    def finished(self, decode=None) -> dict[int, list[dict]]:
        done, out = self.done(), {}
        for index, task in enumerate(sweep_tasks(self.plan)):
            if all((task.n, s) in done for s in task.seeds):
                out[index] = [r for r in runs_db.read_runs(self.path, self.plan.config.name)
                              if r["config_hash"] == self.plan.config_hash and r["n"] == task.n
                              and r["seed"] in task.seeds]
        return out

    def put(self, task: int, rows: list[dict]) -> bool:
        return bool(sum(runs_db.insert_run(self.conn, row) for row in rows))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_runs_store(runner, plan: SweepPlan, store):
    if store is None or isinstance(store, RunsStore):
        return contextlib.nullcontext(store)
    return RunsStore(store, plan)


def merge_sweep(plan: SweepPlan, results: list[list[dict]], run_info: RunInfo) -> SweepSummary:
    """The :class:`SweepSummary` of a call: the runs trained now (those read back are not counted)."""
    fresh = [row for i, rows in enumerate(results) if i not in run_info.resumed for row in rows]
    return SweepSummary(plan.config.name, plan.config_hash, plan.planned, plan.skipped + sum(
        len(results[i]) for i in run_info.resumed), len(fresh), sum(not row["reached_zero"] for row in fresh),
        time.perf_counter() - run_info.started, "")


def _report(rows: list[dict]) -> dict:
    return {"seconds": max(r["wall_s"] for r in rows), "note": f"n={rows[0]['n']} test_error={rows[0]['test_error']:.3f}"}


#: The sweep in the runner contract (:mod:`badminima.experiments.runner`); its store is the results database.
SWEEP = Runner(kind="sweep", plan=plan_sweep, tasks=sweep_tasks, worker=run_sweep_task, merge=merge_sweep,
               key=lambda plan: plan.config_hash, unit="runs", executor_options=_executor_options,
               open_store=_open_runs_store, count=lambda task: len(task.seeds), work=task_work, report=_report)


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
        Show the runs done and the estimated time left on stderr
        (:class:`~badminima.experiments.progress.Progress`; a run of size n counts as work n).
    **executor_options
        Passed to :func:`~badminima.experiments.executors.get_executor`
        (e.g. ``address="auto"`` to join a Ray cluster).

    Returns
    -------
    SweepSummary
    """
    started = time.perf_counter()
    config = as_config(config, SweepConfig, "run_sweep")
    plan = plan_sweep(config)
    with RunsStore(db_path, plan) as db:
        plan = db.plan = dataclasses.replace(plan, done=db.done())
        summary = run_plan(SWEEP, plan, db, executor, workers, progress, started=started, **executor_options)
    summary = dataclasses.replace(summary, db_path=str(db_path))
    logger.info("sweep %s: %d planned, %d already done, %d run now (%d without zero training error)",
                summary.experiment, summary.planned, summary.skipped, summary.completed, summary.not_zero)
    return summary
