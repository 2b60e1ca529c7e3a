"""One way to run an experiment: plan once, run the plan's tasks, merge their results.

Every runner (sweep, Guess & Check, Gibbs, and any sampler after them) is a :class:`Runner`,
a record of five functions (the blackjax pattern: ``build_kernel`` resolves every choice
once, then a plain step runs):

``plan(config) -> Plan``
    Turns a validated config into one frozen, picklable plan: every choice resolved (function
    set, orderings, sampler, evaluation options, device, ...). Nothing downstream re-decides.
``tasks(plan) -> list[Task]``
    The independent tasks, in merge order; each task holds the plan (or what it needs of it).
``worker(task) -> task result``
    A module-level function (executors pickle it by name). Its result is a dataclass or a
    mapping of numbers and arrays (:func:`~badminima.experiments.task_store.encode_result`).
``merge(plan, results, run) -> Result``
    Results by task index, and the :class:`RunInfo` of this call; returns a result dataclass
    with ``to_dict()`` (plain JSON types) and ``write(out_dir) -> dict[str, Path]``.
``key(plan) -> str``
    The run key under which finished tasks are stored (:func:`badminima.experiments.keys.run_key`).

:func:`run` drives them all through :func:`~badminima.experiments.task_store.run_tasks`:
finished tasks are stored as they arrive (``OUT/tasks.db``, or the sweep's results database),
and those already stored are read instead of run, so an interrupted run resumes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from badminima.experiments.configfile import config_to_dict
from badminima.experiments.task_store import open_task_store, run_tasks

__all__ = ["Runner", "RunInfo", "Result", "run", "run_plan"]


class Result(Protocol):
    """What :attr:`Runner.merge` returns."""

    def to_dict(self) -> dict: ...

    def write(self, out_dir: str | Path) -> dict[str, Path]: ...


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """How one call of :func:`run` went: where the tasks ran, which were read back, the times.

    Attributes
    ----------
    executor : str
    resumed : frozenset of int
        Indices of the tasks read from the store instead of run.
    started, finished : float
        ``time.perf_counter()`` before planning and after the last task.
    """

    executor: str
    resumed: frozenset
    started: float
    finished: float

    @property
    def seconds(self) -> float:
        """Seconds from planning to the last task."""
        return self.finished - self.started


def _no_options(plan, executor: str) -> dict:
    return {}


def _default_store(runner: Runner, plan, path):
    return open_task_store(path, runner.key(plan), runner.kind, config_to_dict(plan.config))


@dataclasses.dataclass(frozen=True)
class Runner:
    """The contract of a runner (module docstring).

    Attributes
    ----------
    kind : str
        What the tasks are (``"sweep"``, ``"guess-check"``, ``"gibbs"``), stored with them.
    plan, tasks, worker, merge, key
        See the module docstring.
    decode : callable
        Turns the stored fields of a finished task back into what ``worker`` returned
        (default ``dict``).
    label : str
        The progress bar's title, formatted with the config's ``name``.
    unit : str
        What the progress bar counts (``"chunks"``, ``"tasks"``, ``"runs"``).
    executor_options : callable ``(plan, executor name) -> dict``
        Options the plan implies for the executor (the sweep asks Ray for a GPU).
    open_store : callable ``(runner, plan, path) -> context manager``
        The store of finished tasks at ``path`` (None: keep nothing); by default a
        :class:`~badminima.experiments.task_store.TaskStore` under :attr:`key`.
    count, work, report : callable, optional
        Progress details of :func:`~badminima.experiments.task_store.run_tasks`.
    """

    kind: str
    plan: Callable[[Any], Any]
    tasks: Callable[[Any], list]
    worker: Callable[[Any], Any]
    merge: Callable[[Any, list, RunInfo], Any]
    key: Callable[[Any], str]
    decode: Callable[[dict], Any] = dict
    label: str = "{name}"
    unit: str = "tasks"
    executor_options: Callable[[Any, str], dict] = _no_options
    open_store: Callable[[Runner, Any, Any], Any] = _default_store
    count: Callable[[Any], int] | None = None
    work: Callable[[Any], float] | None = None
    report: Callable[[Any], dict] | None = None


def run(runner: Runner, config, store: str | Path | None = None, executor: str = "local",
        workers: int | None = None, progress: bool = True, **executor_options):
    """Plan ``config`` with ``runner``, run every task not in ``store``, merge: the result.

    Parameters
    ----------
    runner : Runner
    config
        A validated config of the runner's kind.
    store : str or Path, optional
        Where finished tasks are kept and read back (:attr:`Runner.open_store`).
    executor, workers, progress, **executor_options
        As for :func:`~badminima.experiments.task_store.run_tasks`.
    """
    started = time.perf_counter()
    return run_plan(runner, runner.plan(config), store, executor, workers, progress, started=started,
                    **executor_options)


def run_plan(runner: Runner, plan, store: str | Path | None = None, executor: str = "local",
             workers: int | None = None, progress: bool = True, *, started: float | None = None,
             **executor_options):
    """:func:`run` for a plan already made (``started``: when planning began, for the timings)."""
    started = time.perf_counter() if started is None else started
    tasks = runner.tasks(plan)
    options = {**runner.executor_options(plan, executor), **executor_options}
    with runner.open_store(runner, plan, store) as kept:
        results, resumed = run_tasks(runner.worker, tasks, kept, runner.decode, executor, workers, progress,
                                     runner.label.format(name=plan.config.name), runner.unit, count=runner.count,
                                     work=runner.work, report=runner.report, **options)
    info = RunInfo(executor, frozenset(resumed), started, time.perf_counter())
    return runner.merge(plan, results, info)
