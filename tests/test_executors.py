"""Executors return every task's result, by index, whatever the number of workers."""

import pytest

from badminima.errors import InvalidParameterError
from badminima.experiments.executors import get_executor


def _square(x):
    return x * x


@pytest.mark.parametrize("name,workers", [("serial", None), ("local", 1), ("local", 2)])
def test_executor_returns_all_results_by_index(name, workers):
    tasks = list(range(7))
    with get_executor(name, workers=workers) as executor:
        results = dict(executor.imap_unordered(_square, tasks))
    assert results == {i: i * i for i in tasks}


@pytest.mark.slow
@pytest.mark.xdist_group("ray")  # one local Ray instance at a time
def test_ray_executor_on_local_instance():
    pytest.importorskip("ray")
    with get_executor("ray", workers=2) as executor:
        # a lambda travels by value: the Ray workers cannot import this test module
        results = dict(executor.imap_unordered(lambda x: x * x, list(range(5))))
    assert results == {i: i * i for i in range(5)}


@pytest.mark.slow
@pytest.mark.xdist_group("ray")
def test_local_ray_workers_run_at_niceness_0():
    """Ray's default worker niceness (15) starves its tasks beside any other CPU-bound process."""
    pytest.importorskip("ray")
    import os

    with get_executor("ray", workers=1) as executor:
        niceness = dict(executor.imap_unordered(lambda _: os.nice(0), [0]))[0]
    assert niceness == os.nice(0)  # the driver's own niceness: 0 unless started with nice


def test_unknown_executor_is_named():
    with pytest.raises(InvalidParameterError, match="'executor'.*'local'.*Got 'spark'"):
        get_executor("spark")


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_count(workers):
    with pytest.raises(InvalidParameterError, match="workers"):
        get_executor("local", workers=workers)


# --- Workers that start from anywhere (docs of badminima.experiments.executors) -----------

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from badminima.experiments.executors import WorkerDied, unreachable_by_workers  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"

#: A user's script without a main guard: a pool of 2 workers on a badminima-style task (a
#: module-level function referenced by import path), then one on a function of its own.
GUARDLESS = textwrap.dedent("""
    import os
    from badminima.experiments.executors import get_executor
    print("main ran in", os.getpid())
    with get_executor("local", workers=2) as pool:
        print("results", sorted(pool.imap_unordered(abs, [-1, -2, -3, -4])))
        print("workers", *[p.pid for p in pool._context.processes])
    def mine(x):
        return x + 1
    with get_executor("local", workers=2) as pool:
        print("own", sorted(pool.imap_unordered(mine, [1, 2])))
""")


def _session_processes(session: int) -> list[int]:
    """Live processes of the session ``session`` (those a test's subprocess started, at any depth)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == session and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def run_as_user(argv: list[str], cwd: Path, stdin: str | None = None, timeout: float = 300,
                env: dict | None = None) -> tuple[subprocess.CompletedProcess, list[int]]:
    """Run ``python ARGV`` in its own session; its result and the processes of that session left
    alive 10 s after it ended (pool workers and helpers must die with their driver)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", **(env or {})}
    proc = subprocess.Popen([sys.executable, *argv], cwd=cwd, env=env, start_new_session=True, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        deadline = time.monotonic() + 10
        while (left := _session_processes(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return subprocess.CompletedProcess(argv, proc.returncode, out, err), left
    finally:
        for pid in _session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()


def _check_guardless_output(done, left):
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(line.startswith("main ran") for line in lines) == 1, "a worker re-ran __main__"
    assert "results [(0, 1), (1, 2), (2, 3), (3, 4)]" in lines
    assert "own [(0, 2), (1, 3)]" in lines
    assert done.stderr.strip() == (
        "running the tasks serially: the task function mine is defined in __main__, which the worker "
        "processes do not import; define it in an importable module to run it in parallel")
    assert left == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find processes")
@pytest.mark.parametrize("how", ["script", "stdin", "dash-c", "dash-m"])
def test_a_guardless_main_runs_a_pool_from_anywhere(how, tmp_path):
    (tmp_path / "tour.py").write_text(GUARDLESS)
    argv, stdin = {"script": (["tour.py"], None), "stdin": (["-"], GUARDLESS),
                   "dash-c": (["-c", GUARDLESS], None), "dash-m": (["-m", "tour"], None)}[how]
    _check_guardless_output(*run_as_user(argv, tmp_path, stdin, timeout=120))


def test_functions_of_main_are_named_as_unreachable():
    assert unreachable_by_workers(abs) is None
    assert unreachable_by_workers(_square) is None
    main_fn = type(lambda: 0)(_square.__code__, {"__name__": "__main__"}, "mine")
    assert "_square is defined in __main__" in unreachable_by_workers(main_fn)
    import functools
    assert "defined in __main__" in unreachable_by_workers(functools.partial(main_fn))


def _torch_threads(_):
    import torch

    return torch.get_num_threads()


def test_workers_limit_torch_threads_and_ignore_ctrl_c():
    """torch is imported by the task, after the initializer limited the threads (OMP_NUM_THREADS)."""
    with get_executor("local", workers=2, threads_per_worker=1) as pool:
        threads = dict(pool.imap_unordered(_torch_threads, [0, 1]))
        handlers = dict(pool.imap_unordered(signal.getsignal, [signal.SIGINT, signal.SIGINT]))
    assert threads == {0: 1, 1: 1}
    assert set(handlers.values()) == {signal.SIG_IGN}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kills a worker by pid")
def test_a_killed_worker_is_one_error_naming_it():
    with pytest.raises(WorkerDied, match=r"pid \d+ was killed by SIGKILL while tasks were left to run"):
        with get_executor("local", workers=2) as pool:
            for index, _ in pool.imap_unordered(time.sleep, [0.0, 60.0, 60.0]):
                os.kill(pool._context.processes[0].pid, signal.SIGKILL)


# --- Quiet failures of helpers: a killed resource tracker or worker, under the CLI --------------

def _driver_children(pid: int, command_contains: str = "") -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and command_contains in command:
                found.append(int(entry.name))
    return found


def _guess_check_killing(tmp_path, write_toml, count_rows, config: dict, victim: str):
    """Run ``badminima guess-check`` (2 workers) and SIGKILL its ``victim`` ("tracker" or "worker")
    once 3 chunks are stored; exit status, stderr, chunks kept, processes left."""
    path, out = write_toml(tmp_path / "gc.toml", config), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "badminima", "guess-check", str(path), "--out", str(out),
                             "--workers", "2", "--no-progress"], env=env, start_new_session=True, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while count_rows(out / "tasks.db", "task_results") < 3:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        pids = _driver_children(proc.pid, "resource_tracker" if victim == "tracker" else "spawn_main")
        assert pids, f"no {victim} found"
        os.kill(pids[0], signal.SIGKILL)
        err = proc.communicate(timeout=240)[1]
        deadline = time.monotonic() + 10
        while (left := _session_processes(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return proc.returncode, err, count_rows(out / "tasks.db", "task_results"), left
    finally:
        for pid in _session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
        proc.stderr.close()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the helpers")
def test_a_killed_resource_tracker_prints_no_traceback(tmp_path, write_toml, count_rows, tiny_guess_check):
    """Python's tracker, relaunched, used to print a KeyError traceback per semaphore of the pool."""
    config = {**tiny_guess_check, "sampling": {**tiny_guess_check["sampling"], "K": 60_000, "chunk_size": 1000}}
    status, err, chunks, left = _guess_check_killing(tmp_path, write_toml, count_rows, config, "tracker")
    assert (status, err) == (0, "")
    assert chunks == 60
    assert left == []


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_a_killed_worker_stops_the_run_with_one_line(tmp_path, write_toml, count_rows, tiny_guess_check):
    config = {**tiny_guess_check, "sampling": {**tiny_guess_check["sampling"], "K": 4_000_000, "chunk_size": 1000}}
    status, err, chunks, left = _guess_check_killing(tmp_path, write_toml, count_rows, config, "worker")
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("badminima guess-check: error: pid ") and "was killed by SIGKILL" in err
    assert "the results of the finished tasks are kept" in err
    assert 3 <= chunks < 4000
    assert left == []
