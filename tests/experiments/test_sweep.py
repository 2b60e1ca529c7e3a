"""Sweeps: every (n, seed) once, resumption, the CLI, and the executors."""

import sqlite3

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.errors import InvalidParameterError
from badminima.experiments import store
from badminima.experiments.configfile import config_from_dict
from badminima.experiments.sweep import run_sweep
from badminima.experiments.sweep_config import SweepConfig, run_config_hash

TINY = """
name = "tiny"
[data]
dataset = "digits"
[model]
arch = "mlp"
widths = [64]
[train]
batch_size = 64
max_epochs = 300
[sweep]
sizes = [20, 40]
seeds = [0, 1]
batch_seeds = {batch}
"""


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    """The serial executor trains in this process: one thread, as in the root conftest."""
    yield


def _config(batch=False, **sweep):
    data = {"name": "tiny", "data": {"dataset": "digits"}, "model": {"arch": "mlp", "widths": [64]},
            "train": {"batch_size": 64, "max_epochs": 300},
            "sweep": {"sizes": [20, 40], "seeds": [0, 1], "batch_seeds": batch, **sweep}}
    return config_from_dict(data, SweepConfig)


def _rows(db):
    return {(r["n"], r["seed"]): r for r in store.read_runs(db)}


def test_sweep_runs_every_pair_once_and_resumes(tmp_path):
    db = tmp_path / "r.db"
    first = run_sweep(_config(), db, executor="serial", progress=False)
    assert (first.planned, first.skipped, first.completed) == (4, 0, 4)
    rows = _rows(db)
    assert set(rows) == {(20, 0), (20, 1), (40, 0), (40, 1)}
    assert all(r["reached_zero"] and r["train_error"] == 0 and r["epochs"] >= 1 for r in rows.values())
    assert all(r["config_hash"] == run_config_hash(_config()) and r["device"] == "cpu" for r in rows.values())
    assert all(r["n_test"] == 539 and "torch" in r["versions"] for r in rows.values())
    again = run_sweep(_config(), db, executor="serial", progress=False)
    assert (again.skipped, again.completed) == (4, 0)
    more = run_sweep(_config(sizes=[20, 40, 80], seeds=[0, 1]), db, executor="serial", progress=False)
    assert (more.planned, more.skipped, more.completed) == (6, 4, 2)
    assert len(store.read_runs(db)) == 6


@pytest.mark.slow
def test_same_seed_same_results_and_batched_equals_separate(tmp_path):
    a = run_sweep(_config(), tmp_path / "a.db", executor="serial", progress=False)
    run_sweep(_config(), tmp_path / "b.db", executor="local", workers=2, progress=False)
    run_sweep(_config(batch=True), tmp_path / "c.db", executor="serial", progress=False)
    ra, rb, rc = _rows(tmp_path / "a.db"), _rows(tmp_path / "b.db"), _rows(tmp_path / "c.db")
    assert a.completed == 4
    for key in ra:
        assert ra[key]["test_error"] == rb[key]["test_error"] and ra[key]["epochs"] == rb[key]["epochs"]
        assert ra[key]["test_error"] == pytest.approx(rc[key]["test_error"], abs=2 / 539)
    assert len({r["test_error"] for r in ra.values()}) > 1


def test_learning_curve_of_a_sweep_matches_its_rows(tmp_path):
    db = tmp_path / "r.db"
    run_sweep(_config(), db, executor="serial", progress=False)
    n, err = store.load_learning_curve(db)
    rows = _rows(db)
    assert sorted(zip(n, err)) == sorted((k[0], r["test_error"]) for k, r in rows.items())
    table = store.learning_curve_table(db)
    np.testing.assert_allclose(table.mean, [np.mean([rows[(m, s)]["test_error"] for s in (0, 1)])
                                            for m in (20, 40)])


def test_size_larger_than_training_set_is_refused(tmp_path):
    with pytest.raises(InvalidParameterError, match="sweep size 5000 exceeds the training set of digits"):
        run_sweep(_config(sizes=[20, 5000]), tmp_path / "r.db", executor="serial", progress=False)


def test_cli_sweep_and_results(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY.format(batch="true"))
    db, csv = tmp_path / "r.db", tmp_path / "curve.csv"
    assert main(["sweep", str(config), "--db", str(db), "--executor", "serial", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "4 runs done now" in out and "experiment tiny" in out
    assert main(["results", str(db), "--csv", str(csv), "--plot", str(tmp_path / "curve.png")]) == 0
    assert (tmp_path / "curve.png").stat().st_size > 1000
    out = capsys.readouterr().out
    assert "mean_err" in out and "4 runs; 0 did not reach zero" in out
    assert csv.read_text().splitlines()[0].startswith("n,test_error,reached_zero")
    assert main(["results", str(db), "--json"]) == 0
    assert '"experiment": "tiny"' in capsys.readouterr().out
    assert main(["results", str(tmp_path / "missing.db")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[train]\nlearning_rate = 0.1\n')
    assert main(["sweep", str(bad), "--db", str(db)]) == 2
    assert "unknown key 'learning_rate'" in capsys.readouterr().err


def test_db_rows_are_committed(tmp_path):
    db = tmp_path / "r.db"
    run_sweep(_config(), db, executor="serial", progress=False)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 4
    assert conn.execute("SELECT COUNT(*) FROM experiments").fetchone()[0] == 1
    conn.close()
