"""Shared fixtures: the path to ../shared/data, an isolated cache directory, config and database helpers."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """``$BADMINIMA_SHARED_DATA`` or ``<repo>/../shared/data``, when present."""
    candidate = Path(os.environ.get("BADMINIMA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    return candidate if candidate.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    """The shared datasets folder; the test is skipped with a reason when it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent (set BADMINIMA_SHARED_DATA to point at it)")
    return path


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Decoded-dataset caches of the test run go to one folder shared by the xdist workers."""
    root = tmp_path_factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    os.environ["BADMINIMA_CACHE_DIR"] = str(root / "badminima-cache")
    os.environ.setdefault("MPLBACKEND", "Agg")
    yield


@pytest.fixture
def one_torch_thread():
    """Tiny networks train fastest on one thread (and do not fight other test workers for cores)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def _write_toml(path: Path, data: dict) -> Path:
    top = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"[{k}]\n" + "\n".join(f"{key} = {_toml_value(v)}" for key, v in table.items())
              for k, table in data.items() if isinstance(table, dict)]
    path.write_text("\n".join(top + tables) + "\n")
    return path


@pytest.fixture
def write_toml():
    """``write_toml(path, config_dict)``: a config file from a dict (tables of scalars, lists, inline tables)."""
    return _write_toml


def _count_rows(db: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.fixture
def count_rows():
    """``count_rows(db, table)``: rows of a table, read-only; 0 while the file or the table is missing."""
    return _count_rows


@pytest.fixture
def tiny_guess_check() -> dict:
    """A Guess & Check config (as a dict) that runs in a second: perceptrons on 4-d separable data."""
    return {"name": "tiny-guess-check",
            "data": {"dataset": "synthetic-linear", "options": {"dim": 4, "n_train": 300, "n_test": 10}},
            "model": {"arch": "perceptron"},
            "sampling": {"K": 6000, "chunk_size": 500, "R": 4, "n_max": 10, "error": "exact-linear",
                         "device": "cpu"},
            "theory": {"density": "perceptron", "eps0": 0.2, "hist_n": [0, 5]}}
