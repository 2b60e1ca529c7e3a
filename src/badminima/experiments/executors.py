"""Executors: run independent tasks on local processes or on a Ray cluster.

Every parallel workload of the package (sweep runs, Guess & Check chunks, Gibbs chains)
is a list of picklable task arguments and one module-level function. An executor yields
``(index, result)`` pairs as tasks finish, so the caller can store each result at once
(nothing already computed is lost when a later task fails or the run is interrupted) and
merge results by index (so the outcome does not depend on the number of workers).

Pointing Ray at a cluster: start it there (``ray start --head`` on one node,
``ray start --address HEAD:6379`` on the others) and pass ``address="auto"`` (or the
head's address, or set ``RAY_ADDRESS``); with no address a local Ray instance is started.
"""

from __future__ import annotations

import concurrent.futures as futures
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from badminima.errors import InvalidParameterError

logger = logging.getLogger(__name__)


class SerialExecutor:
    """Runs tasks one after another in this process (workers=1; easiest to debug)."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for index, task in enumerate(tasks):
            yield index, fn(task)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalExecutor(SerialExecutor):
    """A pool of local worker processes (spawned, so torch threads are not forked)."""

    name = "local"

    def __init__(self, workers: int | None = None, threads_per_worker: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.threads_per_worker = threads_per_worker or max(1, (os.cpu_count() or 1) // self.workers)
        self._pool: futures.ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_threads, initargs=(self.threads_per_worker,))
        return self._pool

    def imap_unordered(self, fn, tasks):
        if self.workers == 1:
            yield from super().imap_unordered(fn, tasks)
            return
        pool = self._ensure_pool()
        pending = {pool.submit(fn, task): index for index, task in enumerate(tasks)}
        try:
            for future in futures.as_completed(pending):
                yield pending[future], future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _limit_threads(threads: int) -> None:
    """Worker initializer: one worker must not oversubscribe the cores of the others."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:  # torch is a dependency, but a pure-theory worker does not need it
        pass


@dataclass
class RayExecutor:
    """Runs each task as a Ray task with ``num_cpus`` / ``num_gpus`` resources.

    Results come back to the driver (this process), which alone writes them to disk.
    ``address=None`` starts a local Ray instance with ``workers`` CPUs; ``"auto"`` or
    ``"ray://host:10001"`` joins an existing cluster.
    """

    workers: int | None = None
    address: str | None = None
    num_cpus: float = 1
    num_gpus: float = 0
    name: str = "ray"

    def __post_init__(self) -> None:
        try:
            import ray
        except ImportError as exc:
            raise InvalidParameterError(
                "The 'ray' executor needs Ray: pip install 'badminima[ray]'.") from exc
        self._ray = ray
        self._started_here = False
        if not ray.is_initialized():
            kwargs = {"address": self.address} if self.address else {"num_cpus": self.workers or os.cpu_count()}
            ray.init(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True, **kwargs)
            self._started_here = True

    def imap_unordered(self, fn, tasks):
        ray = self._ray
        remote = ray.remote(num_cpus=self.num_cpus, num_gpus=self.num_gpus)(fn)
        refs = {remote.remote(task): index for index, task in enumerate(tasks)}
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                yield refs[done[0]], ray.get(done[0])
        finally:
            for ref in pending:
                ray.cancel(ref)

    def close(self) -> None:
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()
            self._started_here = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


EXECUTORS = {"serial": SerialExecutor, "local": LocalExecutor, "ray": RayExecutor}


def get_executor(name: str = "local", workers: int | None = None, **options):
    """Return the executor called ``name`` (``serial``, ``local`` or ``ray``).

    ``workers`` is the number of parallel tasks; ``options`` go to the executor
    (``address``, ``num_cpus``, ``num_gpus`` for Ray). Use it as a context manager.
    """
    if name not in EXECUTORS:
        raise InvalidParameterError(
            f"The 'executor' parameter must be one of {', '.join(map(repr, EXECUTORS))}. Got {name!r} instead.")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError(
            f"The 'workers' parameter must be a positive integer. Got {workers!r} instead.")
    if name == "serial":
        return SerialExecutor()
    return EXECUTORS[name](workers=workers, **options)
