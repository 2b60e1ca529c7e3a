"""``badminima fit`` / ``badminima plan`` end to end: CSV and database sources, bad input."""

import json

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.fitting import laws


def _write_csv(path, n, errors):
    path.write_text("n,seed,test_error\n" +
                    "".join(f"{int(a)},{i},{float(e)!r}\n" for i, (a, e) in enumerate(zip(n, errors))))
    return path


@pytest.fixture
def pow3_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = np.repeat(np.geomspace(50, 20000, 8).round(), 3)
    truth = laws.pow3(n, 0.03, 2.0, 0.6)
    return _write_csv(tmp_path / "curve.csv", n, truth + rng.normal(0, 0.02 * truth))


def test_fit_json_has_the_documented_keys(pow3_csv, capsys):
    assert main(["fit", str(pow3_csv), "--models", "pow3,exp3", "--json", "--bootstrap", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["model"] for o in out] == ["pow3", "exp3"]
    for key in ("model", "params", "param_stderr", "aic", "bic", "extrapolation_error",
                "predicted"):
        assert key in out[0]
    assert len(out[0]["predicted"]) == 8
    assert set(out[0]["params"]) == {"a", "b", "c"}


def test_fit_table_and_plot(pow3_csv, tmp_path, capsys):
    plot = tmp_path / "fig" / "fit.png"
    code = main(["fit", str(pow3_csv), "--models", "pow3,pow4", "--fit-below", "1000",
                 "--bootstrap", "0", "--plot", str(plot)])
    assert code == 0
    out = capsys.readouterr().out
    assert "pow3" in out and "n > 1000" in out
    assert plot.stat().st_size > 10_000


def test_fit_reads_a_results_database(tmp_path, capsys):
    import sqlite3
    db = tmp_path / "runs.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, experiment TEXT, config_hash TEXT,"
                 " dataset TEXT, arch TEXT, n INTEGER, seed INTEGER, epochs INTEGER,"
                 " reached_zero INTEGER, train_error REAL, test_error REAL, n_test INTEGER,"
                 " wall_s REAL, device TEXT, versions TEXT, finished_at TEXT)")
    rows = [("e", "h", "d", "a", n, s, 1, int(n != 400 or s != 1), 0.0,
             float(laws.pow3(n, 0.05, 1.0, 0.5)) * (1 + 0.01 * s), 1000, 1.0, "cpu", "{}", "t")
            for n in (25, 50, 100, 200, 400) for s in range(3)]
    conn.executemany("INSERT INTO runs (experiment, config_hash, dataset, arch, n, seed, epochs,"
                     " reached_zero, train_error, test_error, n_test, wall_s, device, versions,"
                     " finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.close()
    assert main(["fit", str(db), "--models", "pow3", "--json", "--bootstrap", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["params"]["a"] == pytest.approx(0.05, abs=0.01)


def test_plan_prints_the_inverse(pow3_csv, capsys):
    assert main(["plan", str(pow3_csv), "--target-error", "0.05", "--model", "pow3",
                 "--json", "--bootstrap", "10"]) == 0
    plan = json.loads(capsys.readouterr().out)
    a, b, c = (plan["params"][k] for k in "abc")
    assert plan["n"] == int(np.ceil(((0.05 - a) / b) ** (-1 / c)))
    assert plan["low"] <= plan["n"] <= plan["high"]


def _bad(argv, capsys, match):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert match in err, err


@pytest.mark.parametrize("text, match", [
    ("n,test_error\n", "no data rows"),
    ("n,test_error\n10,0.5\n10,0.4\n", "at least two distinct n"),
    ("n,test_error\n10,0.5\n100,nan\n1000,0.1\n", "NaN"),
    ("n,err\n10,0.5\n", "missing test_error"),
])
def test_bad_data_exit_2(tmp_path, capsys, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    _bad(["fit", str(path), "--models", "pow3"], capsys, match)


def test_model_that_cannot_be_fitted_exits_2(tmp_path, capsys):
    path = _write_csv(tmp_path / "c.csv", [10, 100, 1000], [0.5, 0.3, 0.2])
    _bad(["fit", str(path), "--models", "pow4", "--prior", "none"], capsys,
         "3 distinct n (10, 100, 1000); fitting needs at least 4")


def test_unknown_model_and_missing_file_exit_2(pow3_csv, tmp_path, capsys):
    _bad(["fit", str(pow3_csv), "--models", "pow3,gauss"], capsys, "unknown model 'gauss'")
    _bad(["fit", str(tmp_path / "absent.csv")], capsys, "no such file")
    _bad(["plan", str(pow3_csv), "--target-error", "0.1", "--model", "gauss"], capsys,
         "Unknown model 'gauss'")


def test_unreachable_target_exits_2(pow3_csv, capsys):
    _bad(["plan", str(pow3_csv), "--target-error", "0.001", "--model", "pow3",
          "--bootstrap", "0"], capsys, "unreachable")


def test_fit_below_that_holds_out_nothing_exits_2(pow3_csv, capsys):
    _bad(["fit", str(pow3_csv), "--models", "pow3", "--fit-below", "1e6"], capsys,
         "holds out no size")


def test_fit_defaults_to_auto_with_intervals(pow3_csv, capsys):
    assert main(["fit", str(pow3_csv), "--json", "--bootstrap", "0", "--level", "0.9"]) == 0
    (out,) = json.loads(capsys.readouterr().out)
    assert out["model"] == "auto" and out["interval_level"] == 0.9
    assert set(out["params"]) == {"w_pow3", "w_pow2-tail"}
    assert all(v is None for v in out["param_stderr"].values())  # weights: no stderr
    low, high = out["extrapolated_interval_low"], out["extrapolated_interval_high"]
    assert all(lo < p < hi for lo, p, hi in zip(low, out["extrapolated"], high))


def test_plan_defaults_to_auto_with_a_predictive_interval(pow3_csv, capsys):
    assert main(["plan", str(pow3_csv), "--target-error", "0.05", "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("auto: mean test error <= 0.05 needs n = ")
    assert "80% predictive interval [" in out


def test_bad_level_exits_2(pow3_csv, capsys):
    _bad(["fit", str(pow3_csv), "--level", "1.5"], capsys, "--level must be a probability")
