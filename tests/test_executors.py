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
