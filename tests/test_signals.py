"""Drivers and their pool workers under signals, with real processes.

- ``kill -9`` of a ``sweep`` driver (local executor): its workers exit within seconds
  (parent-death detection), instead of computing on for half an hour.
- SIGTERM (what schedulers and container runtimes send) stops ``sweep`` and ``guess-check`` like
  Ctrl-C: exit status 143, one line naming where the finished work is, every finished run or
  chunk kept, no worker left.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from badminima.experiments import store
from badminima.experiments.executors import get_executor

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find workers")

SWEEP = {"name": "signals", "data": {"dataset": "digits"}, "model": {"arch": "mlp", "widths": [256]},
         "train": {"batch_size": 32, "max_epochs": 300},
         "sweep": {"sizes": [100, 200, 300, 400, 500, 600, 700, 800], "seeds": [0, 1, 2]}}

def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONFAULTHANDLER="1")  # SIGABRT dumps every thread
    return subprocess.Popen([sys.executable, "-m", "badminima", *args], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(proc, done, what: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _reap_group(proc) -> None:
    """Test cleanup: whatever the test found, nothing it started outlives it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    proc.stderr.close()


def _wait_gone(pids, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(map(_alive, pids)):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _signal_when(proc, ready, what: str, signum=signal.SIGTERM, gone_within: float = 2.0):
    """``signum`` to the driver once ``ready()``; its exit status, its stderr and its workers still alive
    ``gone_within`` seconds after it ended. The process group is reaped in any case."""
    try:
        _wait_for(proc, ready, what)
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers
        os.kill(proc.pid, signum)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGABRT)
            proc.wait()
            raise AssertionError(f"the driver did not stop; its threads:\n{proc.stderr.read()}") from None
        return proc.returncode, proc.stderr.read(), _wait_gone(workers, gone_within)
    finally:
        _reap_group(proc)


@pytest.mark.slow
def test_workers_exit_when_the_sweep_driver_is_killed(tmp_path, write_toml, count_rows):
    config, db = write_toml(tmp_path / "signals.toml", SWEEP), tmp_path / "r.db"
    proc = _start(["sweep", str(config), "--db", str(db), "--workers", "2", "--no-progress"])
    # the driver only, as an OOM killer or `kill -9 PID` does
    status, _, left = _signal_when(proc, lambda: count_rows(db, "runs") >= 1 and len(_children(proc.pid)) >= 2,
                                   "a finished run", signal.SIGKILL, gone_within=10)
    assert status == -signal.SIGKILL
    assert left == [], "pool workers outlived their driver"


@pytest.mark.slow
def test_sigterm_stops_a_sweep_like_ctrl_c(tmp_path, write_toml, count_rows):
    config, db = write_toml(tmp_path / "signals.toml", SWEEP), tmp_path / "r.db"
    proc = _start(["sweep", str(config), "--db", str(db), "--workers", "2", "--no-progress"])
    status, err, left = _signal_when(proc, lambda: count_rows(db, "runs") >= 1, "a finished run")
    assert status == 128 + signal.SIGTERM, err
    assert err.strip() == (f"badminima sweep: stopped by SIGTERM; every finished run is kept in {db}; "
                           "run the same command again to continue")
    assert left == []
    assert 1 <= len(store.read_runs(db)) < 24
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.slow
def test_sigterm_stops_guess_check_and_keeps_its_chunks(tmp_path, write_toml, count_rows, tiny_guess_check):
    long_run = {**tiny_guess_check, "sampling": {**tiny_guess_check["sampling"], "K": 4_000_000, "chunk_size": 4000}}
    config, out = write_toml(tmp_path / "gc.toml", long_run), tmp_path / "out"
    proc = _start(["guess-check", str(config), "--out", str(out), "--workers", "2", "--no-progress"])
    status, err, left = _signal_when(proc, lambda: count_rows(out / "tasks.db", "task_results") >= 2,
                                     "two finished chunks")
    assert status == 143, err
    assert err.strip() == (f"badminima guess-check: stopped by SIGTERM; the finished chunks are kept in "
                           f"{out / 'tasks.db'}; run the same command again to continue")
    assert left == []
    assert 2 <= count_rows(out / "tasks.db", "task_results") < 1000
    assert not (out / "results.json").exists()


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_leaving_a_pool_by_an_exception_stops_its_workers_at_once():
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with get_executor("local", workers=2) as pool:
            for index, _ in pool.imap_unordered(_sleep, [0.0, 60.0, 60.0]):
                workers = [p.pid for p in pool._pool._processes.values()]
                raise KeyboardInterrupt  # as Ctrl-C or SIGTERM would, while two tasks of 60 s run
    assert time.monotonic() - began < 30
    assert _wait_gone(workers, timeout=5) == []
