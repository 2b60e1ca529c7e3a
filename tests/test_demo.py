"""End to end: `badminima demo` on a small digits sweep writes its report, DB, figures and fits."""

import json
import sqlite3

import pytest

from badminima.cli.main import main

SMALL_SWEEP = """
name = "digits-demo-test"
[data]
dataset = "digits"
[model]
arch = "mlp"
widths = [128]
[train]
optimizer = "adam"
lr = 0.003
batch_size = 0
max_epochs = 400
[sweep]
sizes = [40, 80, 160, 320]
seeds = [0, 1, 2]
batch_seeds = true
"""


@pytest.mark.slow
def test_demo_writes_report_results_and_fits(tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(SMALL_SWEEP)
    out = tmp_path / "out"
    args = ["demo", "--out", str(out), "--config", str(config), "--workers", "1",
            "--bootstrap", "0", "--no-progress"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    for name in ("report.md", "theory.json", "theory.png", "results.db", "fit.json", "fit.png"):
        assert (out / name).is_file(), name
    rows = sqlite3.connect(out / "results.db").execute(
        "SELECT n, seed, reached_zero, train_error, test_error FROM runs").fetchall()
    assert sorted((n, s) for n, s, *_ in rows) == [(n, s) for n in (40, 80, 160, 320) for s in (0, 1, 2)]
    assert all(zero == 1 and train == 0.0 for _, _, zero, train, _ in rows)
    theory = json.loads((out / "theory.json").read_text())
    assert theory[0]["n"] == 0 and theory[0]["learning_curve"] == pytest.approx(0.5)  # E_0 = mean of D
    fits = json.loads((out / "fit.json").read_text())
    assert {f["model"] for f in fits} >= {"shifted-beta", "pow3"}
    means = {n: sum(e for m, _, _, _, e in rows if m == n) / 3 for n in (40, 320)}
    assert means[320] < means[40]  # more data, lower error: the curve the fit explains
    assert "Models fitted to the learning curve" in (out / "report.md").read_text()
    assert "auto fitted on n <= 160, at the held-out sizes:" in printed
    assert "interval covers it" in (out / "report.md").read_text()
    auto = next(f for f in fits if f["model"] == "auto")
    assert auto["interval_level"] == 0.8 and len(auto["extrapolated_interval_low"]) == 4
    assert "shifted-beta" in printed
    # a rerun resumes: nothing is trained again
    assert main(args) == 0
    assert "0 runs done now, 12 already stored" in capsys.readouterr().out
