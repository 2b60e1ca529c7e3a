"""Old import path of the sweep's results: the database and its tables in one namespace.

The results database lives in :mod:`badminima.experiments.runs_db`, the learning-curve table
and the CSV writers in :mod:`badminima.experiments.tables`, the CSV row writer in
:mod:`badminima.experiments.outputs`; this module re-exports their names so that
``from badminima.experiments import store; store.read_runs(...)`` keeps working.
"""

from __future__ import annotations

from badminima.experiments.outputs import write_dict_rows
from badminima.experiments.runs_db import (RUN_COLUMNS, SCHEMA, SQLITE_MAGIC, completed, connect, insert_run,
                                           insert_runs, open_read_only, read_runs, record_experiment, select_runs)
from badminima.experiments.tables import (RUN_CSV_COLUMNS, LearningCurveTable, learning_curve_table,
                                          load_learning_curve, write_csv, write_runs_csv)

__all__ = ["RUN_COLUMNS", "SCHEMA", "SQLITE_MAGIC", "completed", "connect", "insert_run", "insert_runs",
           "open_read_only", "read_runs", "record_experiment", "select_runs", "write_dict_rows", "RUN_CSV_COLUMNS",
           "LearningCurveTable", "learning_curve_table", "load_learning_curve", "write_csv", "write_runs_csv"]
