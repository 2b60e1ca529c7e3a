"""Shared fixtures: the path to ../shared/data and an isolated cache directory."""

from __future__ import annotations

import os
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
