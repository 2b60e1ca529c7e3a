"""The results database: schema, one row per (experiment, config, n, seed), learning curves."""

import json
import math
import sqlite3

import numpy as np
import pytest

from badminima.errors import DataError
from badminima.experiments import store


def _run(n, seed, err, reached=True, experiment="exp", config_hash="h1", wall=1.0):
    return {"experiment": experiment, "config_hash": config_hash, "dataset": "digits",
            "arch": "mlp", "n": n, "seed": seed, "epochs": 10, "reached_zero": reached,
            "train_error": 0.0 if reached else 0.1, "test_error": err, "n_test": 360,
            "wall_s": wall, "device": "cpu", "versions": {"torch": "x"}}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "r.db"
    conn = store.connect(path)
    runs = [_run(50, 0, 0.30), _run(50, 1, 0.20), _run(50, 2, 0.9, reached=False),
            _run(100, 0, 0.10, wall=3.0), _run(100, 1, 0.14, wall=5.0)]
    assert store.insert_runs(conn, runs) == 5
    conn.close()
    return path


def test_schema_has_required_columns(db):
    conn = sqlite3.connect(db)
    cols = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    conn.close()
    assert set(store.RUN_COLUMNS) <= cols
    assert {"experiment", "config_hash", "dataset", "arch", "n", "seed", "epochs", "reached_zero",
            "train_error", "test_error", "wall_s", "device", "versions"} <= cols


def test_duplicate_run_is_ignored(db):
    conn = store.connect(db)
    assert store.insert_run(conn, _run(50, 0, 0.5)) is False
    assert store.insert_run(conn, _run(50, 0, 0.5, config_hash="h2")) is True
    assert store.completed(conn, "exp", "h1") == {(50, 0), (50, 1), (50, 2), (100, 0), (100, 1)}
    conn.close()


def test_load_learning_curve_keeps_only_zero_error_runs(db):
    n, err = store.load_learning_curve(db)
    order = np.lexsort((err, n))
    np.testing.assert_array_equal(n[order], [50, 50, 100, 100])
    np.testing.assert_allclose(err[order], [0.20, 0.30, 0.10, 0.14])


def test_learning_curve_table_statistics(db):
    table = store.learning_curve_table(db, experiment="exp")
    np.testing.assert_array_equal(table.n, [50, 100])
    np.testing.assert_allclose(table.mean, [0.25, 0.12])
    np.testing.assert_allclose(table.std, [math.sqrt(0.005), math.sqrt(0.0008)])
    np.testing.assert_array_equal(table.count, [2, 2])
    np.testing.assert_array_equal(table.not_zero, [1, 0])
    np.testing.assert_allclose(table.wall_s, [1.0, 4.0])
    rows = json.loads(json.dumps(table.to_dict()))["curve"]
    assert rows[0]["n"] == 50 and rows[1]["count"] == 2


def test_csv_export(db, tmp_path):
    path = store.write_csv(store.learning_curve_table(db), tmp_path / "c.csv")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("n,mean_test_error,std_test_error,count,not_zero")
    assert lines[1].startswith("50,0.25")


def test_missing_file_is_data_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        store.load_learning_curve(tmp_path / "nope.db")


def test_not_a_database_is_data_error(tmp_path):
    path = tmp_path / "x.db"
    path.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(DataError, match="not a badminima results database"):
        store.load_learning_curve(path)


def test_sqlite_without_runs_table_is_data_error(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DataError, match="no table 'runs'"):
        store.load_learning_curve(path)


def test_empty_database_is_data_error(tmp_path):
    store.connect(tmp_path / "e.db").close()
    with pytest.raises(DataError, match="no runs"):
        store.load_learning_curve(tmp_path / "e.db")


def test_no_zero_error_run_is_data_error(tmp_path):
    conn = store.connect(tmp_path / "f.db")
    store.insert_run(conn, _run(50, 0, 0.5, reached=False))
    conn.close()
    with pytest.raises(DataError, match="no run that reached zero"):
        store.load_learning_curve(tmp_path / "f.db")


def test_several_experiments_need_a_name(db):
    conn = store.connect(db)
    store.insert_run(conn, _run(50, 0, 0.4, experiment="other"))
    conn.close()
    with pytest.raises(DataError, match="several experiments.*exp, other"):
        store.load_learning_curve(db)
    n, err = store.load_learning_curve(db, experiment="other")
    assert n.tolist() == [50.0] and err.tolist() == [0.4]
    with pytest.raises(DataError, match="no runs of experiment 'missing'"):
        store.load_learning_curve(db, experiment="missing")


def test_latest_config_is_used(db):
    conn = store.connect(db)
    store.insert_run(conn, _run(200, 0, 0.05, config_hash="h2"))
    conn.close()
    n, err = store.load_learning_curve(db)
    assert n.tolist() == [200.0] and err.tolist() == [0.05]
