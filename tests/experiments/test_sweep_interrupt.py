"""A sweep killed with SIGKILL mid-way loses no finished run; a Ray sweep matches a serial one."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from badminima.experiments import store
from badminima.experiments.configfile import config_from_dict
from badminima.experiments.sweep import run_sweep
from badminima.experiments.sweep_config import SweepConfig

CONFIG = """
name = "killme"
[data]
dataset = "digits"
[model]
arch = "mlp"
widths = [256]
[train]
batch_size = 32
max_epochs = 300
[sweep]
sizes = [100, 200, 300, 400, 500, 600]
seeds = [0, 1]
"""


def _count(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def _sweep_command(config: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "badminima", "sweep", str(config), "--db", str(db),
            "--executor", "serial", "--no-progress"]


@pytest.mark.slow
def test_kill_9_mid_sweep_then_resume(tmp_path):
    config, db = tmp_path / "killme.toml", tmp_path / "r.db"
    config.write_text(CONFIG)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen(_sweep_command(config, db), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(db) < 1:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no run finished in time"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = {(r["n"], r["seed"]): r for r in store.read_runs(db)}
    assert 1 <= len(before) < 12, "the sweep should have been killed in the middle"

    done = subprocess.run(_sweep_command(config, db), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{12 - len(before)} runs done now, {len(before)} already in" in done.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    pairs = conn.execute("SELECT n, seed FROM runs").fetchall()
    conn.close()
    assert sorted(pairs) == sorted((n, s) for n in (100, 200, 300, 400, 500, 600) for s in (0, 1))
    after = {(r["n"], r["seed"]): r for r in store.read_runs(db)}
    for key, row in before.items():
        assert after[key] == row, "a run finished before the kill was changed"


@pytest.mark.slow
@pytest.mark.xdist_group("ray")  # one local Ray instance at a time
def test_ray_executor_sweep_matches_serial(tmp_path):
    pytest.importorskip("ray")
    data = {"name": "tiny-ray", "data": {"dataset": "digits"}, "model": {"arch": "mlp", "widths": [32]},
            "train": {"batch_size": 64, "max_epochs": 300}, "sweep": {"sizes": [20, 40], "seeds": [0, 1]}}
    config = config_from_dict(data, SweepConfig)
    summary = run_sweep(config, tmp_path / "ray.db", executor="ray", workers=2, progress=False)
    assert summary.completed == 4
    run_sweep(config, tmp_path / "serial.db", executor="serial", progress=False)
    ray_rows = {(r["n"], r["seed"]): r for r in store.read_runs(tmp_path / "ray.db")}
    serial_rows = {(r["n"], r["seed"]): r for r in store.read_runs(tmp_path / "serial.db")}
    assert set(ray_rows) == set(serial_rows) == {(20, 0), (20, 1), (40, 0), (40, 1)}
    for key in ray_rows:
        assert ray_rows[key]["test_error"] == serial_rows[key]["test_error"]
        assert ray_rows[key]["epochs"] == serial_rows[key]["epochs"]
