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

Workers that start from anywhere: the local pool's workers are spawned (a fresh interpreter,
so no torch thread pool is forked), but unlike plain ``spawn`` they never import the user's
``__main__``. Python's spawn re-runs the main script in every worker (as ``__mp_main__``), so a
script without an ``if __name__ == "__main__":`` guard starts pools recursively
(BrokenProcessPool), and code read from standard input fails there (``FileNotFoundError:
'<stdin>'``). Here the workers' start-up data lacks the two entries that make a spawned child
import the main module (``init_main_from_path``, ``init_main_from_name``; see
:class:`_NoMainPopen`), and that is all that changes: a worker imports only what its task
refers to, a module-level function of badminima pickled by its import path. The same code
so works as a guarded or guard-less script, on standard input, with ``python -c`` and
``python -m``, and in IPython or Jupyter. Not chosen: ``forkserver`` (on Python 3.11 each
forked worker still imports the main module, so it would need the same change, for little
gain once a worker imports only what its task needs) and loky (one more dependency, whose
reusable executor outlives the ``with`` block that ends these pools). A task function defined in ``__main__`` itself cannot reach such workers: the
executor then runs the tasks serially, with one warning line naming the function. Workers
import torch only when a task needs it (``OMP_NUM_THREADS`` limits its threads), so a pool's
first result comes sooner than with badminima 0.1's pool, whose initializer imported torch.
Time to the first result on a fresh 2-worker pool, driven by a script importing numpy and
badminima (``benchmarks/bench_executor_startup.py``, idle 2-core machine, best of 3): a task
needing nothing (``abs``) 0.17 s, against 0.12 s with a plain spawn pool and 1.17 s with
0.1's pool; a task needing torch 1.20 s with any of the three (the workers' import of torch is
the whole cost).

Quiet helpers: a worker that dies (killed, out of memory) ends the run with one
:class:`WorkerDied` error (a :class:`~badminima.errors.BadminimaError`, so the CLI prints one
line) and every finished task stays with the caller. If multiprocessing's resource tracker
(the helper process that unlinks the pool's named semaphores should the driver crash; joblib,
imported by scikit-learn, renames them ``/loky-...``) was killed, Python relaunches it when the
pool next needs it, and the new one prints a ``KeyError`` traceback for every semaphore it never
saw registered. So before a pool ends (and before a new one starts), a dead tracker is relaunched
here and the pool's live semaphores are registered with it again; its relaunch warning becomes a
log record.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import ctypes
import functools
import io
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from badminima.errors import BadminimaError, InvalidParameterError
from badminima.registry import Registry

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


#: Seconds between checks of the workers' exit codes while no task finishes.
_WATCH_S = 1.0


class WorkerDied(BadminimaError):
    """A local pool worker died (killed, or out of memory) while tasks were left to run."""


class LocalExecutor(SerialExecutor):
    """A pool of local worker processes, spawned without the user's ``__main__`` (see the module notes)."""

    name = "local"

    def __init__(self, workers: int | None = None, threads_per_worker: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.threads_per_worker = threads_per_worker or max(1, (os.cpu_count() or 1) // self.workers)
        self._pool: futures.ProcessPoolExecutor | None = None
        self._context: _WorkerContext | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            _revive_resource_tracker(())
            self._context = worker_context()
            self._pool = futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=self._context,
                initializer=_init_worker, initargs=(self.threads_per_worker, os.getpid()))
        return self._pool

    def imap_unordered(self, fn, tasks):
        if self.workers > 1 and (reason := unreachable_by_workers(fn)):
            logger.warning("running the tasks serially: %s", reason)
            yield from super().imap_unordered(fn, tasks)
            return
        if self.workers == 1:
            yield from super().imap_unordered(fn, tasks)
            return
        pool = self._ensure_pool()
        pending = {pool.submit(fn, task): index for index, task in enumerate(tasks)}
        # Tasks not started when the caller stops are cancelled by close() or terminate(),
        # through the pool's own shutdown: cancelling them here could race with terminate()
        # (Python 3.11's pool then fails on setting an error on a cancelled task).
        waiting = set(pending)
        try:
            while waiting:
                done, waiting = futures.wait(waiting, timeout=_WATCH_S, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    yield pending[future], future.result()
                # A worker killed while sending its result leaves half a message in the result
                # pipe: the pool's manager thread then waits on it forever and never marks the
                # pool broken, so the workers' exit codes are watched here too.
                if not done and self._a_worker_died():
                    raise futures.process.BrokenProcessPool("a worker died")
        except futures.process.BrokenProcessPool:
            raise WorkerDied(self._death_notice()) from None

    def _a_worker_died(self) -> bool:
        """Whether a worker of the pool has exited (the pool never retires one by itself here)."""
        return any(p.exitcode is not None for p in (self._context.processes if self._context else []))

    def _death_notice(self) -> str:
        """Which worker died, and how. The pool terminates the others once one died (SIGTERM)."""
        processes = self._context.processes if self._context else []
        for process in processes:
            process.join(2.0)
        dead = [p for p in processes if p.exitcode not in (None, 0)]
        dead = [p for p in dead if p.exitcode != -signal.SIGTERM] or dead
        what = ", ".join(f"pid {p.pid} {_exit_reason(p.exitcode)}" for p in dead) or "a worker process died"
        return (f"{what} while tasks were left to run (out of memory? see `dmesg`); "
                "the results of the finished tasks are kept")

    def close(self) -> None:
        if self._pool is not None:
            _revive_resource_tracker(self._context.semaphores)
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self, grace_s: float = 5.0) -> None:
        """Kill the workers now (SIGTERM, then SIGKILL after ``grace_s``) and reap them."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        _revive_resource_tracker(self._context.semaphores)
        processes = [process for process in self._context.processes if process.is_alive()]
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


def _exit_reason(exitcode: int) -> str:
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def unreachable_by_workers(fn: Callable) -> str | None:
    """Why pool workers cannot run ``fn`` (it lives in ``__main__``, which they do not import), or None."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    module = getattr(target, "__module__", None)
    if module == "__main__" or module is None:
        name = getattr(target, "__qualname__", repr(target))
        return (f"the task function {name} is defined in __main__, which the worker processes do not "
                "import; define it in an importable module to run it in parallel")
    return None


if sys.platform != "win32":
    from multiprocessing import popen_spawn_posix, reduction, resource_tracker, spawn, util

    class _NoMainPopen(popen_spawn_posix.Popen):
        """Python's spawn, except that the child is not told to import the parent's ``__main__``.

        :meth:`multiprocessing.popen_spawn_posix.Popen._launch` of Python 3.11-3.13 with one
        change: ``init_main_from_path`` and ``init_main_from_name`` are dropped from the
        preparation data (:func:`multiprocessing.spawn.get_preparation_data`).
        """

        def _launch(self, process_obj):
            tracker_fd = resource_tracker.getfd()
            self._fds.append(tracker_fd)
            prep_data = {key: value for key, value in spawn.get_preparation_data(process_obj._name).items()
                         if key not in ("init_main_from_path", "init_main_from_name")}
            fp = io.BytesIO()
            multiprocessing.context.set_spawning_popen(self)
            try:
                reduction.dump(prep_data, fp)
                reduction.dump(process_obj, fp)
            finally:
                multiprocessing.context.set_spawning_popen(None)
            parent_r = child_w = child_r = parent_w = None
            try:
                parent_r, child_w = os.pipe()
                child_r, parent_w = os.pipe()
                cmd = spawn.get_command_line(tracker_fd=tracker_fd, pipe_handle=child_r)
                self._fds.extend([child_r, child_w])
                self.pid = util.spawnv_passfds(spawn.get_executable(), cmd, self._fds)
                self.sentinel = parent_r
                with open(parent_w, "wb", closefd=False) as f:
                    f.write(fp.getbuffer())
            finally:
                self.finalizer = util.Finalize(self, util.close_fds,
                                               [fd for fd in (parent_r, parent_w) if fd is not None])
                for fd in (child_r, child_w):
                    if fd is not None:
                        os.close(fd)

    class _WorkerProcess(multiprocessing.context.SpawnProcess):
        @staticmethod
        def _Popen(process_obj):
            return _NoMainPopen(process_obj)

    class _WorkerContext(multiprocessing.context.SpawnContext):
        """Spawn context of the local pool: its workers skip ``__main__``; it records its workers
        and the named semaphores of its queues (for :func:`_revive_resource_tracker`)."""

        def __init__(self) -> None:
            super().__init__()
            self.processes: list = []
            self.semaphores: weakref.WeakSet = weakref.WeakSet()

        def Process(self, *args, **kwargs):  # noqa: N802 (multiprocessing's name)
            process = _WorkerProcess(*args, **kwargs)
            self.processes.append(process)
            return process

        def Lock(self):  # noqa: N802
            lock = super().Lock()
            self.semaphores.add(lock)
            return lock

        def BoundedSemaphore(self, value=1):  # noqa: N802
            semaphore = super().BoundedSemaphore(value)
            self.semaphores.add(semaphore)
            return semaphore

    def worker_context() -> _WorkerContext:
        """A fresh multiprocessing context for one local pool."""
        return _WorkerContext()

    def _revive_resource_tracker(semaphores) -> None:
        """Relaunch multiprocessing's resource tracker if it died, registering ``semaphores`` with it.

        A relaunched tracker knows none of the names registered with its predecessor, and
        prints a ``KeyError`` traceback for each one later released; registering the live ones
        again avoids that. Its relaunch warning becomes one log line.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            resource_tracker.ensure_running()
        if not any("resource_tracker" in str(w.message) for w in caught):
            return
        logger.info("the multiprocessing resource tracker had died; relaunched it")
        for semaphore in list(semaphores):
            name = getattr(getattr(semaphore, "_semlock", None), "name", None)
            if name is not None:
                resource_tracker.register(name, "semaphore")
else:  # pragma: no cover - Windows: plain spawn (a script needs its main guard there)
    def worker_context():
        context = multiprocessing.context.SpawnContext()
        context.processes, context.semaphores = [], ()
        return context

    def _revive_resource_tracker(semaphores) -> None:
        pass


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
    """Worker initializer: one worker must not oversubscribe the cores of the others.

    torch reads ``OMP_NUM_THREADS`` when it is first imported, so a worker imports torch only
    if a task needs it (a pure-theory worker starts without it).
    """
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


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


#: Executor name -> class (``get_executor``; CLI ``--executor`` choices).
EXECUTORS = Registry({"serial": SerialExecutor, "local": LocalExecutor, "ray": RayExecutor})


def get_executor(name: str = "local", workers: int | None = None, **options):
    """Return the executor called ``name`` (``serial``, ``local`` or ``ray``).

    ``workers`` is the number of parallel tasks; ``options`` go to the executor
    (``address``, ``num_cpus``, ``num_gpus`` for Ray). Use it as a context manager.
    """
    executor_class = EXECUTORS.lookup(name, parameter="executor")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError(
            f"The 'workers' parameter must be a positive integer. Got {workers!r} instead.")
    if name == "serial":
        return SerialExecutor()
    return executor_class(workers=workers, **options)
