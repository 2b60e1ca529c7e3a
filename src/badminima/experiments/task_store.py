"""Finished tasks of a Guess & Check or Gibbs run, kept as they complete, so a rerun resumes.

``OUT/tasks.db`` is an SQLite file (WAL mode) in the command's output folder with one row
per finished task (a Guess & Check chunk, a Gibbs cell or rejection chunk)::

    task_results(run_key TEXT, task INTEGER, result BLOB, finished_at TEXT,
                 PRIMARY KEY (run_key, task))
    run_configs(run_key TEXT PRIMARY KEY, kind TEXT, config TEXT, created_at TEXT)

``result`` is the task's arrays as an ``.npz`` archive (read back with
``allow_pickle=False``: nothing but numbers); each row is committed in its own transaction,
so an interrupted run (Ctrl-C, SIGTERM, ``kill -9``, power loss) keeps every finished task.
``run_key`` hashes everything a task's numbers depend on: the config (without where and how
many workers run it), the device and the versions of badminima, numpy and torch
(:func:`badminima.experiments.keys.run_key`). A rerun of the same command finds its tasks; a changed config gets a new
key and never mixes with the old results (which stay in the file until it is deleted).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.experiments.keys import run_key  # noqa: F401  (the key of a run's tasks; old import path)

__all__ = ["TaskStore", "STORE_NAME", "open_task_store", "run_tasks", "run_key", "encode_result",
           "decode_result"]

logger = logging.getLogger(__name__)

#: File name of the store inside an output folder.
STORE_NAME = "tasks.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS task_results (
    run_key     TEXT    NOT NULL,
    task        INTEGER NOT NULL,
    result      BLOB    NOT NULL,
    finished_at TEXT    NOT NULL,
    PRIMARY KEY (run_key, task)
);
CREATE TABLE IF NOT EXISTS run_configs (
    run_key     TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    config      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
"""


def encode_result(result: Any) -> bytes:
    """A task result (a dataclass or a mapping of numbers and arrays) as ``.npz`` bytes.

    Fields that are None are left out (a dataclass's default, None, applies again on decoding).
    """
    fields = (
        {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
        if dataclasses.is_dataclass(result) else dict(result))
    arrays = {name: np.asarray(value) for name, value in fields.items() if value is not None}
    odd = [name for name, value in arrays.items() if value.dtype.kind not in "biuf"]
    if odd:
        raise TypeError(f"task result fields {odd} are not numbers or numeric arrays")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def decode_result(blob: bytes) -> dict[str, Any]:
    """The fields of :func:`encode_result`: arrays, and Python scalars for 0-d values."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        return {name: archive[name].item() if archive[name].ndim == 0 else archive[name]
                for name in archive.files}


class TaskStore:
    """The finished tasks of one run (``run_key``) in the SQLite file ``path``.

    Parameters
    ----------
    path : str or Path
        Database file (created with its tables when missing).
    run_key : str
        From :func:`badminima.experiments.keys.run_key`.
    kind : str
        What the tasks are (``"guess-check"``, ``"gibbs"``), stored with the config.
    config : mapping
        Saved once per key, so the file says what its results are.

    A write that fails (disk full, file removed) is logged once and the store stops writing:
    the run goes on with its results in memory.
    """

    def __init__(self, path: str | Path, run_key: str, kind: str, config: Mapping) -> None:
        self.path, self.run_key = Path(path), run_key
        self._writable = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
            self._conn.execute("INSERT OR IGNORE INTO run_configs VALUES (?, ?, ?, ?)",
                               (run_key, kind, json.dumps(config, sort_keys=True, default=str), _now()))
        except (OSError, sqlite3.Error) as exc:
            raise InvalidParameterError(f"{str(self.path)!r} is not a usable task store: {exc}") from exc

    def finished(self, decode: Callable[[dict], Any] = dict) -> dict[int, Any]:
        """Every finished task of this run: ``{task index: decode(fields)}``."""
        try:
            rows = self._conn.execute("SELECT task, result FROM task_results WHERE run_key = ?",
                                      (self.run_key,)).fetchall()
            return {int(task): decode(decode_result(blob)) for task, blob in rows}
        except (sqlite3.Error, ValueError, OSError) as exc:  # a foreign or damaged file
            raise InvalidParameterError(f"{str(self.path)!r} is not a usable task store: {exc}; "
                                        "move it away to start afresh") from exc

    def put(self, task: int, result: Any) -> bool:
        """Store one finished task in its own transaction; False when it could not be written."""
        if not self._writable:
            return False
        try:
            self._conn.execute("INSERT OR REPLACE INTO task_results VALUES (?, ?, ?, ?)",
                               (self.run_key, int(task), encode_result(result), _now()))
        except sqlite3.Error as exc:
            self._writable = False
            logger.warning("cannot keep finished tasks in %s (%s); the run goes on, a rerun will not resume",
                           self.path, exc)
            return False
        return True

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_task_store(path: str | Path | None, key: str, kind: str, config: Mapping):
    """A :class:`TaskStore` at ``path``, or (``path`` None) an empty context: use in ``with``."""
    return contextlib.nullcontext() if path is None else TaskStore(path, key, kind, config)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_tasks(fn: Callable[[Any], Any], tasks: list, store: TaskStore | None = None,
              decode: Callable[[dict], Any] = dict, executor: str = "local", workers: int | None = None,
              progress: bool = True, desc: str = "tasks", unit: str = "tasks",
              count: Callable[[Any], int] | None = None, work: Callable[[Any], float] | None = None,
              report: Callable[[Any], dict] | None = None, **executor_options) -> tuple[list, set[int]]:
    """Results of ``fn`` on every task, by index; tasks already in ``store`` are not run again.

    Each result is stored (:meth:`TaskStore.put`) as soon as it arrives, and progress is shown
    (:class:`~badminima.experiments.progress.Progress`). Returns ``(results, resumed)``, with
    ``resumed`` the indices of the tasks read from the store. An interruption (Ctrl-C, SIGTERM under
    :func:`~badminima.experiments.executors.sigterm_as_interrupt`) stops the workers at once and
    propagates; what finished is in the store.

    The progress bar counts ``count(task)`` units per task (default 1) of ``work(task)`` work
    (default the count), and ``report(result)`` gives the ``seconds`` and ``note`` of each update.
    """
    from badminima.experiments.executors import get_executor
    from badminima.experiments.progress import Progress

    results: list = [None] * len(tasks)
    kept = {i: r for i, r in (store.finished(decode) if store else {}).items() if 0 <= i < len(tasks)}
    for index, result in kept.items():
        results[index] = result
    todo = [i for i in range(len(tasks)) if i not in kept]
    if kept:
        logger.info("%s: %d of %d %s read from %s", desc, len(kept), len(tasks), unit, store.path)
    if not todo:
        return results, set(kept)
    count = count or (lambda task: 1)
    work = work or count
    total = sum(count(tasks[i]) for i in todo)
    with get_executor(executor, workers=workers, **executor_options) as pool, \
            Progress(total, desc, unit, work_total=sum(work(tasks[i]) for i in todo), parallel=pool.workers or 1,
                     enabled=progress) as bar, bar.ticking():
        for position, result in pool.imap_unordered(fn, [tasks[i] for i in todo]):
            task = tasks[todo[position]]
            results[todo[position]] = result
            if store is not None:
                store.put(todo[position], result)
            bar.update(count(task), work=work(task), **(report(result) if report else {}))
    return results, set(kept)
