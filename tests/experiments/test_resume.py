"""Guess & Check and Gibbs keep finished tasks in OUT/tasks.db and resume from them, bit for bit.

Also: a bad --out fails before any computing, and results that cannot be written where asked
go to a folder the message names.
"""

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.errors import InvalidParameterError
from badminima.experiments.configfile import config_from_dict
from badminima.experiments.gibbs import run_gibbs
from badminima.experiments.gibbs_config import GibbsConfig
from badminima.experiments.guess_check import run_guess_check
from badminima.experiments.guess_check_config import GuessCheckConfig
from badminima.experiments.output_dir import check_output_dir, write_or_fall_back
from badminima.experiments.task_store import STORE_NAME, TaskStore, decode_result, encode_result

GIBBS = {"name": "tiny-gibbs", "seed": 0, "eps0": 0.1,
         "grid": {"dims": [5], "alphas": [1.0, 2.0, 4.0], "training_sets": 3},
         "sampler": {"samples": 20, "chains": 2}, "rejection": {"samples": 20000, "chunk": 5000},
         "executor": {"name": "serial", "workers": 1}}


def _drop_tasks(db: Path, keep) -> int:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(f"DELETE FROM task_results WHERE task NOT IN ({','.join(map(str, keep))})")
    left = conn.execute("SELECT COUNT(*) FROM task_results").fetchone()[0]
    conn.close()
    return left


# --- the store ------------------------------------------------------------------------------

def test_task_results_round_trip_exactly():
    result = {"errors": np.random.default_rng(0).random(7), "draws": 5, "rhat": float("nan"),
              "count": np.arange(4, dtype=np.int32), "ok": True}
    back = decode_result(encode_result(result))
    np.testing.assert_array_equal(back["errors"], result["errors"])
    assert back["count"].dtype == np.int32 and back["draws"] == 5 and back["ok"] is True
    assert np.isnan(back["rhat"]) and isinstance(back["rhat"], float)


def test_none_fields_of_a_dataclass_come_back_as_their_default():
    @dataclasses.dataclass
    class Summary:
        index: int
        values: np.ndarray
        extra: np.ndarray | None = None

    back = Summary(**decode_result(encode_result(Summary(3, np.arange(2.0)))))
    assert back.index == 3 and back.extra is None
    np.testing.assert_array_equal(back.values, [0.0, 1.0])


def test_only_numbers_are_stored():
    with pytest.raises(TypeError, match="'name'"):
        encode_result({"name": "x"})


def test_guess_check_resumes_from_a_partial_store_bit_for_bit(tmp_path, tiny_guess_check):
    config = config_from_dict(tiny_guess_check, GuessCheckConfig)
    reference = run_guess_check(config, executor="serial", progress=False)
    store = tmp_path / STORE_NAME
    run_guess_check(config, executor="serial", progress=False, store=store)
    assert _drop_tasks(store, keep=[0, 3, 4, 11]) == 4
    resumed = run_guess_check(config, executor="serial", progress=False, store=store)
    assert resumed.info["chunks_resumed"] == 4
    np.testing.assert_array_equal(resumed.test_errors, reference.test_errors)
    np.testing.assert_array_equal(resumed.first_mistake, reference.first_mistake)
    assert resumed.first_mistake.dtype == reference.first_mistake.dtype
    for key, value in reference.measured.items():
        np.testing.assert_array_equal(resumed.measured[key], value)


def test_a_changed_config_does_not_mix_with_stored_chunks(tmp_path, tiny_guess_check):
    config = config_from_dict(tiny_guess_check, GuessCheckConfig)
    store = tmp_path / STORE_NAME
    run_guess_check(config, executor="serial", progress=False, store=store)
    other = dataclasses.replace(config, sampling=dataclasses.replace(config.sampling, seed=7))
    stored = run_guess_check(other, executor="serial", progress=False, store=store)
    assert stored.info["chunks_resumed"] == 0
    fresh = run_guess_check(other, executor="serial", progress=False)
    np.testing.assert_array_equal(stored.test_errors, fresh.test_errors)
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT COUNT(DISTINCT run_key) FROM task_results").fetchone()[0] == 2
    conn.close()


def test_gibbs_resumes_from_a_partial_store_bit_for_bit(tmp_path):
    config = config_from_dict(GIBBS, GibbsConfig)
    reference = run_gibbs(config, progress=False)
    store = tmp_path / STORE_NAME
    run_gibbs(config, progress=False, store=store)
    _drop_tasks(store, keep=[1, 2, 8, 10])  # some cells, some rejection chunks
    resumed = run_gibbs(config, progress=False, store=store)
    assert json.dumps(resumed, sort_keys=True) == json.dumps(reference, sort_keys=True)


@pytest.mark.parametrize("content", [b"not a database at all " * 40, None])
def test_a_foreign_task_store_is_refused_by_name(tmp_path, content):
    store = tmp_path / STORE_NAME
    if content is None:  # an SQLite file with another table of that name
        conn = sqlite3.connect(store)
        conn.execute("CREATE TABLE task_results (x TEXT)")
        conn.close()
    else:
        store.write_bytes(content)
    with pytest.raises(InvalidParameterError, match="tasks.db' is not a usable task store"):
        run_gibbs(config_from_dict(GIBBS, GibbsConfig), progress=False, store=store)


def test_gibbs_store_key_ignores_the_executor(tmp_path):
    config = config_from_dict(GIBBS, GibbsConfig)
    store = tmp_path / STORE_NAME
    run_gibbs(config, progress=False, store=store)
    other = dataclasses.replace(config, executor=dataclasses.replace(config.executor, workers=3))
    with TaskStore(store, _gibbs_key(other), "gibbs", {}) as kept:
        assert len(kept.finished()) == 21  # 9 cells + 3 x 4 rejection chunks


def _gibbs_key(config):
    from badminima.experiments.gibbs import resume_key
    return resume_key(config)


# --- the output folder ----------------------------------------------------------------------

def test_output_folder_checks_create_nothing(tmp_path):
    target = tmp_path / "a" / "b"
    assert check_output_dir(target) == target
    assert not (tmp_path / "a").exists()
    existing = tmp_path / "file.txt"
    existing.write_text("keep me")
    with pytest.raises(InvalidParameterError, match="is an existing file"):
        check_output_dir(existing)
    with pytest.raises(InvalidParameterError, match="lies below the file"):
        check_output_dir(existing / "sub")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_output_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InvalidParameterError, match="cannot write to the output folder"):
        check_output_dir(locked / "out")


@pytest.mark.parametrize("command", ["guess-check", "gibbs"])
def test_out_an_existing_file_fails_before_computing(tmp_path, capsys, write_toml, tiny_guess_check, command):
    path = write_toml(tmp_path / "config.toml", tiny_guess_check if command == "guess-check" else GIBBS)
    existing = tmp_path / "results"
    existing.write_text("not a folder")
    began = time.perf_counter()
    assert main([command, str(path), "--out", str(existing), "--executor", "serial"]) == 2
    assert time.perf_counter() - began < 5  # nothing was computed
    err = capsys.readouterr().err.strip()
    assert err == f"badminima {command}: error: output folder {str(existing)!r} is an existing file; " \
                  "expected a folder (new or existing)"
    assert existing.read_text() == "not a folder"


def test_results_that_cannot_be_written_go_to_a_named_folder(tmp_path):
    def write(folder: Path) -> list[Path]:
        if folder == tmp_path / "full":
            raise OSError(28, "No space left on device")
        (folder / "results.json").write_text("{}")
        return [folder / "results.json"]

    with pytest.raises(InvalidParameterError, match="No space left on device") as info:
        write_or_fall_back(write, tmp_path / "full", "gibbs", tmp_path / "full" / STORE_NAME)
    folder = Path(str(info.value).split("wrote them to ")[1].split("'")[1])
    try:
        assert (folder / "results.json").read_text() == "{}"
    finally:
        (folder / "results.json").unlink()
        folder.rmdir()


def test_when_no_folder_can_be_written_the_message_names_the_store(tmp_path):
    def write(folder: Path) -> list[Path]:
        raise OSError(30, "Read-only file system")

    with pytest.raises(InvalidParameterError, match="finished tasks are kept in .*tasks.db.*rerun"):
        write_or_fall_back(write, tmp_path / "out", "gibbs", tmp_path / "out" / STORE_NAME)


# --- real processes: kill -9 mid-run, rerun, compare with an uninterrupted run ---------------

def _command(kind: str, config: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "badminima", kind, str(config), "--out", str(out), "--executor", "serial",
            "--no-progress"]


def _kill_mid_run(kind: str, config: Path, out: Path, total: int, count_rows, at_least: int = 2) -> int:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen(_command(kind, config, out), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while count_rows(out / STORE_NAME, "task_results") < at_least:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no task finished in time"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()
    kept = count_rows(out / STORE_NAME, "task_results")
    assert at_least <= kept < total, "the run should have been killed in the middle"
    assert not (out / "results.json").exists()
    return kept


@pytest.mark.slow
def test_guess_check_killed_then_rerun_equals_an_uninterrupted_run(tmp_path, write_toml, count_rows,
                                                                   tiny_guess_check):
    data = {**tiny_guess_check, "sampling": {**tiny_guess_check["sampling"], "K": 400_000, "chunk_size": 2000}}
    config = write_toml(tmp_path / "gc.toml", data)
    _kill_mid_run("guess-check", config, tmp_path / "killed", 200, count_rows)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for out in ("killed", "whole"):
        done = subprocess.run(_command("guess-check", config, tmp_path / out), env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    killed, whole = (np.load(tmp_path / out / "summaries.npz") for out in ("killed", "whole"))
    for key in ("test_errors", "first_mistake"):
        np.testing.assert_array_equal(killed[key], whole[key])
    assert (tmp_path / "killed" / "results.csv").read_bytes() == (tmp_path / "whole" / "results.csv").read_bytes()
    info = json.loads((tmp_path / "killed" / "results.json").read_text())["info"]
    assert 2 <= info["chunks_resumed"] < 200


@pytest.mark.slow
def test_gibbs_killed_then_rerun_equals_an_uninterrupted_run(tmp_path, write_toml, count_rows):
    data = {**GIBBS, "grid": {**GIBBS["grid"], "training_sets": 8}, "sampler": {"samples": 40, "chains": 2}}
    config = write_toml(tmp_path / "gibbs.toml", data)
    _kill_mid_run("gibbs", config, tmp_path / "killed", 8 * 3 + 8 * 4, count_rows)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for out in ("killed", "whole"):
        done = subprocess.run(_command("gibbs", config, tmp_path / out), env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    for name in ("results.csv", "results.json"):
        assert (tmp_path / "killed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
