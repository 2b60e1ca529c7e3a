"""Malformed input, as a user meets it: real ``python -m badminima`` subprocesses.

Every case gives exit status 2, one short line on stderr, no traceback, and leaves every file
in its folder as it was (same names, same bytes: no file created, no journal-mode switch).
The inputs are configs, CSVs, databases, data folders and output paths. Cases that would
import torch (sweep and Guess & Check configs) are few; the rest start in about a second.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from badminima.experiments import store

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_MESSAGE_CHARS = 400
RANDOM_BYTES = np.random.default_rng(11).bytes(4096)


def badminima(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI with this checkout's sources, in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "badminima", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    """Path -> sha256 of every file (and folder) under ``folder``."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        out[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# ------------------------------------------------------------------ input files
def _run_row(n, seed, err, experiment="exp", reached=True):
    return {"experiment": experiment, "config_hash": "h1", "dataset": "digits", "arch": "mlp",
            "n": n, "seed": seed, "epochs": 3, "reached_zero": reached, "train_error": 0.0,
            "test_error": err, "n_test": 360, "wall_s": 0.5, "device": "cpu", "versions": {}}


def write_results_db(path: Path, experiments=("exp",), wal: bool = True, runs: bool = True) -> Path:
    """A results database as ``sweep`` writes it (WAL) or as another program might (rollback)."""
    if wal:
        conn = store.connect(path)
    else:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.executescript(store.SCHEMA)
    rng = np.random.default_rng(0)
    rows = [_run_row(n, seed, float(0.5 * n ** -0.4 * (1 + 0.05 * rng.standard_normal())), name)
            for name in experiments for n in (20, 40, 80, 160, 320) for seed in range(3)] if runs else []
    if wal:
        store.insert_runs(conn, rows)
    else:
        for row in rows:
            values = [json.dumps(row[c]) if c == "versions" else row[c] for c in store.RUN_COLUMNS]
            conn.execute(f"INSERT INTO runs ({', '.join(store.RUN_COLUMNS)}, finished_at) "
                         f"VALUES ({', '.join('?' * len(store.RUN_COLUMNS))}, 'now')", values)
    conn.close()
    return path


def write_foreign_db(path: Path, sql: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path


def make_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def write(path: Path, content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


def per_run_csv(sizes=(10, 20, 40, 80, 160), decreasing=True) -> str:
    lines = ["n,test_error"]
    for i, n in enumerate(sizes):
        base = 0.5 * n ** -0.5 if decreasing else 0.05 + 0.001 * n
        lines += [f"{n},{base * (1 + 0.03 * s):.6f}" for s in (-1, 0, 1)]
    return "\n".join(lines) + "\n"


def mnist_folder(folder: Path, truncate: bool = False) -> Path:
    """The four MNIST IDX files (tiny), optionally with a truncated image file."""
    rng = np.random.default_rng(0)
    for stem, shape in (("train-images-idx3-ubyte", (6, 28, 28)), ("train-labels-idx1-ubyte", (6,)),
                        ("t10k-images-idx3-ubyte", (4, 28, 28)), ("t10k-labels-idx1-ubyte", (4,))):
        data = rng.integers(0, 10 if len(shape) == 1 else 256, size=shape, dtype=np.uint8)
        header = bytes([0, 0, 8, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)
        raw = header + data.tobytes()
        if truncate and stem == "train-images-idx3-ubyte":
            raw = raw[:-100]
        write(folder / f"{stem}.gz", gzip.compress(raw))
    return folder


FOREIGN_RUNS_EMPTY = "CREATE TABLE runs (id INTEGER PRIMARY KEY, n INTEGER, score REAL);"
FOREIGN_RUNS = FOREIGN_RUNS_EMPTY + "INSERT INTO runs VALUES (1, 5, 0.1);"
OTHER_APP = "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'keep me');"
GIBBS_BAD_TYPE = 'name = "g"\nseed = "zero"\n'
TOML_SYNTAX = 'name = "x"\n[train\nlr = 0.1\n'
SWEEP_UNKNOWN_KEY = 'name = "x"\n[train]\nlearning_rate = 0.1\n'


# Each case: id -> (setup(tmp) returning the argv, a fragment the message must contain).
CASES = {
    # --- results databases given to `results`
    "results-empty-file": (lambda t: ["results", write(t / "empty.db", b"")], "is empty (0 bytes)"),
    "results-random-bytes": (lambda t: ["results", write(t / "r.db", RANDOM_BYTES)], "not an SQLite file"),
    "results-no-runs": (lambda t: ["results", write_results_db(t / "n.db", runs=False)], "has no runs"),
    "results-truncated-sqlite": (lambda t: ["results", write(t / "t.db", b"SQLite format 3\x00" + RANDOM_BYTES[:200])],
                                 "not a badminima results database"),
    "results-missing": (lambda t: ["results", t / "missing.db"], "does not exist"),
    "results-unknown-experiment": (lambda t: ["results", write_results_db(t / "r.db"), "--experiment", "zzz"],
                                   "no runs of experiment 'zzz'"),
    "results-rollback-foreign-schema": (lambda t: ["results", write_foreign_db(
        t / "f2.db", "PRAGMA journal_mode=DELETE;" + FOREIGN_RUNS)], "lacks the columns"),
    # --- output paths of `results`
    "results-csv-directory": (lambda t: ["results", write_results_db(t / "r.db"), "--csv",
                                         make_dir(t / "out")], "--csv"),
    "results-csv-under-a-file": (lambda t: ["results", write_results_db(t / "r.db"), "--csv",
                                            write(t / "afile", "x") / "c.csv"], "is a file, not a folder"),
    "results-plot-directory": (lambda t: ["results", write_results_db(t / "r.db"), "--plot",
                                          make_dir(t / "figs")], "is a directory"),
    "results-plot-unknown-format-writes-no-csv": (lambda t: ["results", write_results_db(t / "r.db"),
                                                             "--csv", t / "c.csv", "--plot", t / "f.xyz"],
                                                  "unknown figure format '.xyz'"),
    # --- databases and CSVs given to `fit` / `plan`
    "fit-empty-file": (lambda t: ["fit", write(t / "empty.db", b"")], "header must name the columns"),
    "fit-random-bytes": (lambda t: ["fit", write(t / "r.db", RANDOM_BYTES)], "not a UTF-8 text CSV"),
    "fit-missing": (lambda t: ["fit", t / "nope.csv"], "no such file"),
    "fit-csv-missing-column": (lambda t: ["fit", write(t / "c.csv", "n,error\n10,0.5\n")], "missing test_error"),
    "fit-csv-not-a-number": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n10,abc\n")],
                             "line 2: column test_error must be a number"),
    "fit-csv-negative-error": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n10,-0.1\n20,0.2\n40,0.1\n")],
                               "got -0.1."),
    "fit-csv-error-above-one": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n10,1.5\n20,0.2\n40,0.1\n")],
                                "got 1.5."),
    "fit-csv-fractional-n": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n2.5,0.3\n20,0.2\n40,0.1\n")],
                             "positive integer; got 2.5."),
    # (the default ``auto`` answers with the two-point power law; laws of 3+ parameters cannot)
    "fit-csv-two-sizes": (lambda t: ["fit", write(t / "c.csv", per_run_csv((10, 100))), "--models", "pow3,pow4"],
                          "2 distinct n (10, 100); fitting needs at least 3"),
    "fit-csv-header-only": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n")], "no data rows"),
    "fit-csv-nan": (lambda t: ["fit", write(t / "c.csv", "n,test_error\n10,0.5\n20,nan\n40,0.1\n")], "NaN"),
    "fit-csv-nul-bytes": (lambda t: ["fit", write(t / "c.csv", b"n,test_error\n10,0.5\x00\n")],
                          "must be a number"),
    "fit-csv-utf16": (lambda t: ["fit", write(t / "c.csv", per_run_csv().encode("utf-16"))],
                      "not a UTF-8 text CSV"),
    "fit-guess-check-results-csv": (lambda t: ["fit", write(t / "results.csv",
                                                            "n,acceptance_measured,learning_curve_measured\n0,1,0.5\n")],
                                    "fit the runs.csv beside it"),
    "fit-experiment-with-csv": (lambda t: ["fit", write(t / "c.csv", per_run_csv()), "--experiment", "x"],
                                "--experiment applies to a results database"),
    "fit-plot-directory": (lambda t: ["fit", write(t / "c.csv", per_run_csv()), "--plot",
                                      make_dir(t / "figs")], "is a directory"),
    "plan-target-out-of-range": (lambda t: ["plan", write(t / "c.csv", per_run_csv()), "--target-error", "1.5"],
                                 "target"),
    # --- theory
    "theory-plot-directory": (lambda t: ["theory", "--density", "beta:a=2,b=30", "--n", "0,10", "--plot",
                                         make_dir(t / "figs")], "is a directory"),
    "theory-plot-unknown-format": (lambda t: ["theory", "--density", "beta:a=2,b=30", "--n", "10",
                                              "--plot", t / "f.xyz"], "unknown figure format"),
    "theory-plot-under-a-file": (lambda t: ["theory", "--density", "beta:a=2,b=30", "--n", "10",
                                            "--plot", write(t / "afile", "x") / "f.png"], "is a file"),
    "theory-negative-n": (lambda t: ["theory", "--density", "beta:a=2,b=30", "--n", "-1"], "non-negative"),
    "theory-eps0-out-of-range": (lambda t: ["theory", "--density", "beta:a=2,b=30", "--n", "1", "--eps0", "1.5"],
                                 "(0, 1)"),
    "theory-unknown-density": (lambda t: ["theory", "--density", "gauss:a=1", "--n", "1"], "Unknown density"),
    "theory-empirical-random-bytes": (lambda t: ["theory", "--density", f"empirical:{write(t / 'e.npy', RANDOM_BYTES)}",
                                                 "--n", "1"], "cannot read"),
    "theory-empirical-missing": (lambda t: ["theory", "--density", f"empirical:{t / 'none.npy'}", "--n", "1"],
                                 "does not exist"),
    # --- configs
    "gibbs-config-wrong-type": (lambda t: ["gibbs", write(t / "g.toml", GIBBS_BAD_TYPE), "--out", t / "o"], "seed"),
    "gibbs-config-toml-syntax": (lambda t: ["gibbs", write(t / "g.toml", TOML_SYNTAX), "--out", t / "o"],
                                 "g.toml"),
    "gibbs-config-missing": (lambda t: ["gibbs", t / "none.toml", "--out", t / "o"], "none.toml"),
    "sweep-config-unknown-key": (lambda t: ["sweep", write(t / "s.toml", SWEEP_UNKNOWN_KEY), "--db", t / "r.db"],
                                 "unknown key 'learning_rate'"),
    # --- data folders
    "data-mnist-missing-folder": (lambda t: ["data", "info", "mnist", "--data-dir", t / "nowhere"],
                                  "nowhere does not exist"),
    "data-mnist-empty-folder": (lambda t: ["data", "info", "mnist", "--data-dir", make_dir(t / "m")],
                                "no IDX file in"),
    "data-mnist-truncated-file": (lambda t: ["data", "info", "mnist", "--data-dir", mnist_folder(t / "m", True)],
                                  "train-images-idx3-ubyte"),
    "data-cifar-empty-folder": (lambda t: ["data", "info", "cifar10", "--data-dir", make_dir(t / "c")],
                                "nothing usable"),
    "data-cifar-random-archive": (lambda t: ["data", "info", "cifar10", "--data-dir",
                                             write(t / "c.tar.gz", RANDOM_BYTES)], "c.tar.gz"),
}

#: Databases (and a folder) that both readers, ``results`` and ``fit``, must refuse the same way.
READER_INPUTS = {
    "foreign-runs-schema": (lambda t: write_foreign_db(t / "f.db", FOREIGN_RUNS),
                            "lacks the columns experiment, config_hash"),
    "empty-foreign-runs": (lambda t: write_foreign_db(t / "e.db", FOREIGN_RUNS_EMPTY), "lacks the columns experiment"),
    "other-program-db": (lambda t: write_foreign_db(t / "o.db", OTHER_APP), "no table 'runs'"),
    "directory": (lambda t: make_dir(t / "d.db"), "is a directory"),
    "two-experiments": (lambda t: write_results_db(t / "two.db", ("a", "b")), "choose one with --experiment NAME"),
}
CASES.update({f"{command}-{name}": (lambda t, make=make, command=command: [command, make(t)], fragment)
              for command in ("results", "fit") for name, (make, fragment) in READER_INPUTS.items()})

#: Words of a Python-level message that a CLI user should never see.
PYTHON_SPEAK = ("Traceback", "np.float64", "download=True", "experiment=NAME", "data_dir (CLI")


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_is_one_short_message_and_changes_nothing(case, tmp_path):
    setup, fragment = CASES[case]
    argv = setup(tmp_path)
    before = snapshot(tmp_path)
    result = badminima(*argv, cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith(f"badminima {argv[0]}: error: "), lines[0]
    assert len(lines[0]) <= MAX_MESSAGE_CHARS + len(str(tmp_path)), lines[0]
    assert fragment in lines[0], lines[0]
    assert not any(word in result.stderr for word in PYTHON_SPEAK), lines[0]
    assert snapshot(tmp_path) == before, "a file was created or changed"


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


# ------------------------------------------------------------ readers touch nothing
@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_results_and_fit_leave_the_database_byte_identical(tmp_path, wal):
    db = write_results_db(tmp_path / "r.db", wal=wal)
    before = snapshot(tmp_path)
    assert badminima("results", db, cwd=tmp_path).returncode == 0
    fitted = badminima("fit", db, "--models", "pow3", "--bootstrap", "0", "--starts", "1", cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr
    assert snapshot(tmp_path) == before  # no WAL switch (header), no -wal / -shm file


# ------------------------------------------------------------ round trips
def test_results_csv_is_read_by_fit_with_the_same_result(tmp_path):
    db = write_results_db(tmp_path / "r.db")
    with sqlite3.connect(db) as conn:  # a run that did not reach zero: excluded both ways
        conn.execute("UPDATE runs SET reached_zero = 0, test_error = 0.9 WHERE n = 40 AND seed = 0")
    conn.close()
    out = badminima("results", db, "--csv", tmp_path / "runs.csv", cwd=tmp_path)
    assert out.returncode == 0 and f"wrote {tmp_path / 'runs.csv'}" in out.stdout
    header = (tmp_path / "runs.csv").read_text().splitlines()[0]
    assert header.startswith("n,test_error,reached_zero")
    options = ["--models", "pow3,exp3", "--bootstrap", "0", "--starts", "1", "--json"]
    from_db = badminima("fit", db, *options, cwd=tmp_path)
    from_csv = badminima("fit", tmp_path / "runs.csv", *options, cwd=tmp_path)
    assert from_db.returncode == 0 and from_csv.returncode == 0, from_csv.stderr
    untimed = [[{k: v for k, v in report.items() if k != "seconds"} for report in json.loads(out.stdout)]
               for out in (from_db, from_csv)]
    assert untimed[0] == untimed[1]


def test_csv_with_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path / "excel.csv", b"\xef\xbb\xbf" + per_run_csv().encode())
    result = badminima("fit", path, "--models", "pow3", "--bootstrap", "0", "--starts", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "pow3" in result.stdout


def test_increasing_learning_curve_is_fitted_with_a_warning(tmp_path):
    path = write(tmp_path / "up.csv", per_run_csv(decreasing=False))
    result = badminima("fit", path, "--models", "pow3", "--bootstrap", "0", "--starts", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: the mean test error grows with n" in result.stderr


# ------------------------------------------------------------ theory output
def test_theory_at_huge_n_has_no_warning_and_a_positive_std(tmp_path):
    result = badminima("theory", "--density", "beta:a=2,b=30", "--n", "0,1e300", "--json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    rows = json.loads(result.stdout)
    assert rows[1]["std"] == pytest.approx(np.sqrt(2.0) * 1e-300, rel=1e-6)


@pytest.mark.parametrize("spec", ["perceptron:N=10", "tail:eps_min=0.01,c=0.5,gamma=1",
                                  "power-law:k=2,eps_max=0.5"])
def test_theory_log_z0_is_exactly_zero(tmp_path, spec):
    result = badminima("theory", "--density", spec, "--n", "0,10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first_row = result.stdout.splitlines()[2].split()
    assert first_row[:2] == ["0", "0"], result.stdout


def test_theory_plot_without_suffix_reports_the_file_it_wrote(tmp_path):
    result = badminima("theory", "--density", "beta:a=2,b=30", "--n", "0,1e6", "--plot", "fig", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wrote fig.png"
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
