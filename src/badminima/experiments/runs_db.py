"""The results database: one SQLite row per training run, written in its own transaction.

Schema (table ``runs``; one row per run of a sweep, docs/science.md section 4, experiment 3)::

    experiment    TEXT     experiment name (the config's ``name``)
    config_hash   TEXT     hash of everything that determines a run except n and seed
    dataset, arch TEXT
    n, seed       INTEGER  training-subset size and seed (subset, initialization, data order)
    epochs        INTEGER  epochs trained (the zero-error epoch, or the budget)
    reached_zero  INTEGER  1 when the training error reached exactly 0, else 0
    train_error   REAL     final training error on the whole subset (eval mode)
    test_error    REAL     error on the full test set at the stopping epoch
    n_test        INTEGER  size of the test set (standard error sqrt(e(1-e)/n_test))
    wall_s        REAL     wall time of the run in seconds
    device        TEXT     "cpu", "cuda:0", ...
    versions      TEXT     JSON {package: version}
    finished_at   TEXT     UTC ISO time the row was written
    UNIQUE(experiment, config_hash, n, seed)

Table ``experiments`` keeps the full config (JSON) of every ``(experiment, config_hash)``.
The database runs in WAL mode and every run is committed on its own, so a sweep that is
interrupted (Ctrl-C, ``kill -9``, power loss) keeps every finished run and resumes with the
missing ``(n, seed)`` pairs. Only the sweep writes: every reader (:func:`read_runs` and what is
built on it, hence ``badminima results`` and ``badminima fit``) opens the file read-only with
:func:`open_read_only`, which creates nothing and never switches the journal mode.

The per-size table and the CSV files built on these rows are in :mod:`badminima.experiments.tables`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from badminima.errors import DataError

logger = logging.getLogger(__name__)

#: Columns of ``runs`` a result dict must provide, in table order.
RUN_COLUMNS = ("experiment", "config_hash", "dataset", "arch", "n", "seed", "epochs",
               "reached_zero", "train_error", "test_error", "n_test", "wall_s", "device",
               "versions")

#: The first bytes of every SQLite 3 database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100
_WAL_FLAG_OFFSET = 18  # file-format read version: 1 rollback journal, 2 WAL

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment    TEXT    NOT NULL,
    config_hash   TEXT    NOT NULL,
    dataset       TEXT    NOT NULL,
    arch          TEXT    NOT NULL,
    n             INTEGER NOT NULL CHECK (n >= 0),
    seed          INTEGER NOT NULL,
    epochs        INTEGER NOT NULL CHECK (epochs >= 0),
    reached_zero  INTEGER NOT NULL CHECK (reached_zero IN (0, 1)),
    train_error   REAL    NOT NULL CHECK (train_error BETWEEN 0 AND 1),
    test_error    REAL    NOT NULL CHECK (test_error BETWEEN 0 AND 1),
    n_test        INTEGER NOT NULL,
    wall_s        REAL    NOT NULL,
    device        TEXT    NOT NULL,
    versions      TEXT    NOT NULL,
    finished_at   TEXT    NOT NULL,
    UNIQUE (experiment, config_hash, n, seed)
);
CREATE TABLE IF NOT EXISTS experiments (
    experiment    TEXT NOT NULL,
    config_hash   TEXT NOT NULL,
    config        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (experiment, config_hash)
);
"""


def connect(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """Open the results database at ``path`` for writing (``create``) or for reading.

    With ``create`` (what ``sweep`` does) the file, its folder and its tables are created
    when missing and the database is switched to WAL mode. Without it the database is
    opened by :func:`open_read_only`, which changes nothing.

    Raises
    ------
    DataError
        When ``create`` is false and the file is missing, or the file is not a results
        database.
    """
    if not create:
        return open_read_only(path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{str(path)!r} is not a badminima results database ({exc})") from exc
    return conn


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """Open an existing results database read-only, without touching the file or its folder.

    The connection uses the SQLite URI ``mode=ro``: no journal-mode switch, no table, no
    new file. A WAL-mode database whose ``-wal`` file is absent (cleanly closed, so all its
    content is in the main file) is opened ``immutable=1``, because even a read-only
    connection would otherwise create the ``-wal`` and ``-shm`` files beside it.

    Raises
    ------
    DataError
        When the path is missing or a directory, is not an SQLite database, has no table
        ``runs``, or its ``runs`` table lacks columns (the message names them).
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory, not a results database")
    if not path.is_file():
        raise DataError(f"results database {str(path)!r} does not exist")
    with path.open("rb") as handle:
        header = handle.read(_HEADER_BYTES)
    if not header:
        raise DataError(f"{str(path)!r} is empty (0 bytes), not a results database")
    if header[:len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise DataError(f"{str(path)!r} is not a badminima results database (not an SQLite file)")
    wal_mode = len(header) > _WAL_FLAG_OFFSET and header[_WAL_FLAG_OFFSET] == 2
    immutable = "&immutable=1" if wal_mode and not Path(f"{path}-wal").exists() else ""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True,
                               timeout=30.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise DataError(f"cannot open the results database {str(path)!r} ({exc})") from exc
    try:
        _check_runs_table(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DataError(f"{str(path)!r} is not a badminima results database ({exc})") from exc
    except DataError:
        conn.close()
        raise
    return conn


def _check_runs_table(conn: sqlite3.Connection, path: Path) -> None:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    if not columns:
        raise DataError(f"{str(path)!r} is not a badminima results database (no table 'runs')")
    missing = [c for c in ("id", *RUN_COLUMNS) if c not in columns]
    if missing:
        raise DataError(f"{str(path)!r}: table 'runs' lacks the columns {', '.join(missing)} "
                        f"(not written by 'badminima sweep')")


def record_experiment(conn: sqlite3.Connection, experiment: str, config_hash: str, config: Mapping) -> None:
    """Save the config of ``(experiment, config_hash)`` once (kept with its results)."""
    with _transaction(conn):
        conn.execute("INSERT OR IGNORE INTO experiments VALUES (?, ?, ?, ?)",
                     (experiment, config_hash, json.dumps(config, sort_keys=True), _now()))


def insert_run(conn: sqlite3.Connection, run: Mapping) -> bool:
    """Write one run in its own transaction; return False when it was already there.

    ``run`` must hold every name of :data:`RUN_COLUMNS`; ``versions`` may be a dict.
    """
    missing = [c for c in RUN_COLUMNS if c not in run]
    if missing:
        raise ValueError(f"run result lacks columns {missing}")
    values = [run[c] for c in RUN_COLUMNS]
    values[RUN_COLUMNS.index("reached_zero")] = int(bool(run["reached_zero"]))
    if not isinstance(run["versions"], str):
        values[RUN_COLUMNS.index("versions")] = json.dumps(run["versions"], sort_keys=True)
    with _transaction(conn):
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO runs ({', '.join(RUN_COLUMNS)}, finished_at) "
            f"VALUES ({', '.join('?' * len(RUN_COLUMNS))}, ?)", (*values, _now()))
    return cursor.rowcount == 1


def completed(conn: sqlite3.Connection, experiment: str, config_hash: str) -> set[tuple[int, int]]:
    """The ``(n, seed)`` pairs already in the database for this experiment and config."""
    rows = conn.execute("SELECT n, seed FROM runs WHERE experiment = ? AND config_hash = ?",
                        (experiment, config_hash))
    return {(int(n), int(seed)) for n, seed in rows}


def read_runs(path: str | Path, experiment: str | None = None) -> list[dict]:
    """All rows of ``runs`` (optionally of one experiment) as dicts, ordered by n, seed.

    The database is opened read-only (:func:`open_read_only`); a corrupt file or row raises
    :class:`DataError` naming the file.
    """
    conn = open_read_only(path)
    try:
        conn.row_factory = sqlite3.Row
        query, args = "SELECT * FROM runs", ()
        if experiment is not None:
            query, args = query + " WHERE experiment = ?", (experiment,)
        rows = [dict(r) for r in conn.execute(query + " ORDER BY experiment, n, seed", args)]
        for row in rows:
            row["reached_zero"] = bool(row["reached_zero"])
            row["versions"] = json.loads(row["versions"])
    except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
        raise DataError(f"cannot read the runs of {str(path)!r} ({exc})") from exc
    finally:
        conn.close()
    return rows


def select_runs(path, experiment):
    """The runs of one experiment and its latest config (error when ambiguous or empty).

    ``experiment`` may be None when the database holds one experiment; of an experiment with
    runs of several configs, the latest config's are returned (and a warning logged).
    """
    rows = read_runs(path, experiment)
    if not rows:
        what = f"no runs of experiment {experiment!r}" if experiment else "no runs"
        raise DataError(f"results database {str(path)!r} has {what}")
    names = sorted({r["experiment"] for r in rows})
    if len(names) > 1:
        raise DataError(f"results database {str(path)!r} holds several experiments "
                        f"({', '.join(names)}); choose one with --experiment NAME")
    latest = max(rows, key=lambda r: r["id"])["config_hash"]
    hashes = {r["config_hash"] for r in rows}
    if len(hashes) > 1:
        logger.warning("experiment %r has runs of %d configs; using the latest (%s)",
                       names[0], len(hashes), latest)
    return [r for r in rows if r["config_hash"] == latest]


class _transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *exc) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def insert_runs(conn: sqlite3.Connection, runs: Iterable[Mapping]) -> int:
    """Insert several runs, each in its own transaction; return how many were new."""
    return sum(insert_run(conn, run) for run in runs)
