"""Executors: run independent tasks on local processes or on a Ray cluster.

Every parallel workload of the package (sweep runs, Guess & Check chunks, Gibbs chains)
is a list of picklable task arguments and one module-level function. An executor yields
``(index, result)`` pairs as tasks finish, so the caller can store each result at once
(nothing already computed is lost when a later task fails or the run is interrupted) and
merge results by index (so the outcome does not depend on the number of workers).

Pointing Ray at a cluster: start it there (``ray start --head`` on one node,
``ray start --address HEAD:6379`` on the others) and pass ``address="auto"`` (or the
head's address, or set ``RAY_ADDRESS``); with no address a local Ray instance is started,
its workers at niceness 0 (Ray's default of 15 lets any other CPU-bound process starve them).

Stopping: local pool workers ignore SIGINT (Ctrl-C reaches the driver, which stops them),
and exit when their driver dies, even by ``kill -9`` (:func:`exit_with_parent`). Leaving an
executor's ``with`` block by an exception (KeyboardInterrupt, or SIGTERM under
:func:`sigterm_as_interrupt`) terminates its workers at once instead of waiting for the
tasks in progress.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
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

    def terminate(self) -> None:
        """Stop now, abandoning the tasks in progress (the default: :meth:`close`)."""
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.terminate()


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
                initializer=_init_worker, initargs=(self.threads_per_worker, os.getpid()))
        return self._pool

    def imap_unordered(self, fn, tasks):
        if self.workers == 1:
            yield from super().imap_unordered(fn, tasks)
            return
        pool = self._ensure_pool()
        pending = {pool.submit(fn, task): index for index, task in enumerate(tasks)}
        # Tasks not started when the caller stops are cancelled by close() or terminate(),
        # through the pool's own shutdown: cancelling them here could race with terminate()
        # (Python 3.11's pool then fails on setting an error on a cancelled task).
        for future in futures.as_completed(pending):
            yield pending[future], future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self, grace_s: float = 5.0) -> None:
        """Kill the workers now (SIGTERM, then SIGKILL after ``grace_s``) and reap them."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)  # shutdown() forgets it
        pool.shutdown(wait=False)  # the pending tasks fail with BrokenProcessPool once the workers are gone
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + grace_s
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        # A worker killed while sending its result leaves half a message in the result pipe,
        # which the pool's manager thread would wait on forever (and the interpreter for it, at
        # exit). With every worker dead, closing our copy of the pipe's write end lets it read
        # end-of-file and wind down.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()


def _init_worker(threads: int, driver: int) -> None:
    """Worker initializer: ignore Ctrl-C (the driver stops the pool), die with the driver, limit threads."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(driver)
    _limit_threads(threads)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def exit_with_parent(parent: int, interval_s: float = 1.0) -> None:
    """Make this process exit when ``parent`` (the process that started it) dies.

    On Linux the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    everywhere (macOS included) a daemon thread checks ``os.getppid()`` every ``interval_s``
    seconds and exits when it changed (the orphan was re-parented). Called in every local pool
    worker, so a driver killed with ``kill -9`` leaves no worker computing.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError) as exc:  # no prctl: the watchdog below still works
            logger.debug("prctl(PR_SET_PDEATHSIG) unavailable: %s", exc)
    if os.getppid() != parent:  # the parent died before we could watch it
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, interval_s), daemon=True,
                     name="badminima-parent-watchdog").start()


def _watch_parent(parent: int, interval_s: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval_s)
    os._exit(1)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: handled like Ctrl-C (stop, keep every finished task)."""


def sigterm_as_interrupt():
    """Within the block, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) in the main thread.

    Schedulers, systemd and container runtimes stop a job with SIGTERM; this lets a driver
    stop as on Ctrl-C: leave its loop, terminate its workers, keep what finished. Outside the
    main thread (where Python cannot install handlers) it does nothing.
    """
    return _sigterm_handler(_raise_terminated)


@contextlib.contextmanager
def _sigterm_handler(handler=None):
    """Install ``handler`` for SIGTERM (None: keep the current one) and restore the previous one after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if handler is not None:
        signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum, frame) -> None:
    raise Terminated(f"signal {signum}")


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
    ``address=None`` starts a local Ray instance with ``workers`` CPUs and its workers at
    niceness ``worker_niceness`` (Ray's ``worker_niceness`` system setting; 0 here, as Ray's
    own default of 15 makes them crawl beside any other CPU-bound process); ``"auto"`` or
    ``"ray://host:10001"`` joins an existing cluster, whose operator sets the niceness
    (``RAY_worker_niceness=0 ray start ...``).
    """

    workers: int | None = None
    address: str | None = None
    num_cpus: float = 1
    num_gpus: float = 0
    worker_niceness: int = 0
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
            kwargs = {"address": self.address} if self.address else {
                "num_cpus": self.workers or os.cpu_count(), "_system_config": {"worker_niceness": self.worker_niceness}}
            with _sigterm_handler():  # ray.init replaces the handler with sys.exit
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

    terminate = close  # pending tasks were cancelled by imap_unordered; shutdown stops local workers

    __enter__ = SerialExecutor.__enter__
    __exit__ = SerialExecutor.__exit__


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
