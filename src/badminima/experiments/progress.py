"""Progress of a long job, one helper for every command (sweep, guess-check, gibbs, data prepare).

On a terminal it is a tqdm bar; elsewhere (a log file, CI, ``2> log``) it is one plain line at
most every ``interval_s`` seconds (30 by default) and one when the job ends, for instance::

    digits-mlp: 12/70 runs (17%), 0:00:31 elapsed, about 0:01:52 left

The estimate of the time left weighs each task by its *work* (a sweep run of size n has
work n): ``remaining = seconds per unit of work x work left / parallel tasks``
(:func:`estimate_remaining`), so a sweep that starts with its largest runs does not
extrapolate their duration to the small ones.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable

__all__ = ["Progress", "estimate_remaining", "format_duration"]


def estimate_remaining(elapsed_s: float, work_done: float, work_left: float,
                       task_seconds: float | None = None, parallel: int = 1) -> float | None:
    """Seconds left, from the work finished so far (None before any work finished).

    Parameters
    ----------
    elapsed_s : float
        Wall time since the job started.
    work_done, work_left : float
        Work of the finished tasks and of the others (any unit proportional to their cost).
    task_seconds : float, optional
        Total compute time the finished tasks report themselves. Then the estimate is
        ``task_seconds / work_done * work_left / parallel``, which holds from the first
        finished task whatever the order of the tasks; without it, the throughput so far:
        ``elapsed_s * work_left / work_done``.
    parallel : int
        Tasks running at the same time (used with ``task_seconds``).
    """
    if work_left <= 0:
        return 0.0
    if work_done <= 0:
        return None
    if task_seconds is not None and task_seconds > 0:
        return task_seconds / work_done * work_left / max(int(parallel), 1)
    return elapsed_s * work_left / work_done


def format_duration(seconds: float | None) -> str:
    """``3725.2`` -> ``"1:02:05"``; None -> ``"?"``."""
    if seconds is None:
        return "?"
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class Progress:
    """Counts finished tasks of a job and shows it on ``stream`` (stderr by default).

    Parameters
    ----------
    total : int or None
        Number of tasks; None for a job of unknown length (only the elapsed time is shown;
        use :meth:`ticking` so it shows while nothing calls :meth:`update`).
    desc : str
        What runs (first word of every line).
    unit : str
        Name of a task, plural (``"runs"``, ``"chunks"``, ``"cells"``).
    work_total : float, optional
        Total work of the tasks (default: one unit per task); :meth:`update` then takes each
        task's ``work``.
    parallel : int
        Tasks running at once (for the estimate with ``seconds``).
    enabled : bool
        False shows nothing.
    stream : file, optional
        Where to write (default ``sys.stderr`` at creation). A terminal gets a bar, anything
        else plain lines.
    interval_s : float
        Least time between two plain lines.
    clock : callable
        Monotonic seconds (tests pass a fake one).
    """

    def __init__(self, total: int | None, desc: str, unit: str = "tasks", *, work_total: float | None = None,
                 parallel: int = 1, enabled: bool = True, stream=None, interval_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.work_total = float(total or 0) if work_total is None else float(work_total)
        self.parallel, self.interval_s, self.clock = parallel, interval_s, clock
        self.stream = sys.stderr if stream is None else stream
        self.done, self.work_done, self.note = 0, 0.0, ""
        self.task_seconds: float | None = None  # compute time the finished tasks reported
        self._started = self._last_line = clock()
        self._lines = 0
        self._lock = threading.Lock()
        self._bar = None
        self.enabled = enabled
        if enabled and _is_terminal(self.stream):
            self._bar = self._make_bar()

    def _make_bar(self):
        from tqdm import tqdm

        if self.total is None:
            return tqdm(total=None, desc=self.desc, file=self.stream, leave=False,
                        bar_format="{desc}: {elapsed} elapsed")
        return tqdm(total=self.total, desc=self.desc, unit=self.unit, file=self.stream, dynamic_ncols=True,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} " + self.unit
                               + " [{elapsed}{postfix}]")

    # -- state -----------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self.clock() - self._started

    def remaining_s(self) -> float | None:
        """Estimated seconds left (see :func:`estimate_remaining`)."""
        return estimate_remaining(self.elapsed_s, self.work_done, self.work_total - self.work_done,
                                  self.task_seconds, self.parallel)

    def update(self, count: int = 1, work: float | None = None, seconds: float | None = None,
               note: str | None = None) -> None:
        """``count`` more tasks finished, of ``work`` (default ``count``) taking ``seconds`` of compute."""
        with self._lock:
            self.done += count
            self.work_done += count if work is None else work
            if seconds is not None:
                self.task_seconds = (self.task_seconds or 0.0) + seconds
            if note is not None:
                self.note = note
            if self._bar is not None:
                self._bar.set_postfix_str(self._postfix(), refresh=False)
                self._bar.update(count)
            elif self.enabled and self.clock() - self._last_line >= self.interval_s:
                self._write_line()

    def _postfix(self) -> str:
        eta = f"about {format_duration(self.remaining_s())} left"
        return f"{eta}, {self.note}" if self.note else eta

    def line(self) -> str:
        """The plain progress line (what a log shows)."""
        elapsed = format_duration(self.elapsed_s)
        if self.total is None:
            return f"{self.desc}: {elapsed} elapsed"
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        return f"{self.desc}: {self.done}/{self.total} {self.unit}{share}, {elapsed} elapsed, {self._postfix()}"

    def _write_line(self, text: str | None = None) -> None:
        print(text or self.line(), file=self.stream, flush=True)
        self._last_line = self.clock()
        self._lines += 1

    def tick(self) -> None:
        """Refresh the elapsed time (bar) or write a line when one is due (plain)."""
        with self._lock:
            if self._bar is not None:
                self._bar.refresh()
            elif self.enabled and self.clock() - self._last_line >= self.interval_s:
                self._write_line()

    @contextlib.contextmanager
    def ticking(self, every_s: float = 1.0):
        """Call :meth:`tick` from a background thread while the block runs.

        The elapsed time then moves, and plain lines come every ``interval_s``, also while no
        task finishes (a long task, or a job without updates).
        """
        stop = threading.Event()

        def run():
            while not stop.wait(every_s):
                self.tick()

        thread = threading.Thread(target=run, daemon=True, name="badminima-progress")
        if self.enabled:
            thread.start()
        try:
            yield self
        finally:
            stop.set()
            if thread.is_alive():
                thread.join()

    def close(self) -> None:
        """Remove the bar; after plain lines, write a last one saying how far the job got."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            elif self.enabled and self._lines:
                ended = f"{self.desc}: {self.done}/{self.total} {self.unit}" if self.total is not None else self.desc
                self._write_line(f"{ended} in {format_duration(self.elapsed_s)}")
            self.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a file
        return False
