"""Scale benchmark: chunks per second of Gibbs cells and Guess & Check chunks, 1 vs 2 workers.

    python benchmarks/bench_scale.py [--json] [--skip-guess-check] [--skip-loaded]

Gibbs: the cells (one training set, one n, 4 chains) of a fixed N = 20 experiment, run by the
local executor through :func:`badminima.experiments.gibbs.run_gibbs_task`, timed after a warm-up
batch in the same pool (so worker start-up and imports are not counted). Guess & Check: the
chunks of a small perceptron :func:`badminima.experiments.guess_check.run_guess_check` run
(like configs/gc-perceptron.toml, 8 chunks of 25 000 classifiers) in its own pool, so that
figure includes worker start-up. ``speedup_2_workers`` is the Gibbs ratio.

Loaded case: the same Gibbs cells with 2 workers while two CPU-bound background processes run
(each stops by itself after a bound and is reaped at the end), with the local pool, with Ray
(local instance, workers at niceness 0, as :class:`~badminima.experiments.executors.RayExecutor`
starts them) and with Ray at its own default niceness 15; each is timed for at most
``LOADED_WINDOW_S`` seconds after a warm-up. ``loaded_ray_nice15_slowdown`` is how much slower
Ray's default makes the cells than niceness 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

from badminima.experiments.configfile import config_from_dict
from badminima.experiments.executors import get_executor
from badminima.experiments.gibbs import gibbs_tasks, run_gibbs_task
from badminima.experiments.gibbs_config import GibbsConfig

GIBBS = {"seed": 0, "grid": {"dims": [20], "alphas": [1.0, 2.0, 5.0, 10.0], "training_sets": 12},
         "sampler": {"samples": 60}, "rejection": {"samples": 0}}
WARMUP = {"seed": 1, "grid": {"dims": [10], "alphas": [1.0], "training_sets": 4},
          "sampler": {"samples": 5}, "rejection": {"samples": 0}}
GUESS_CHECK = {"name": "bench-scale",
               "data": {"dataset": "synthetic-linear", "options": {"dim": 5, "n_train": 2000, "n_test": 1000}},
               "model": {"arch": "perceptron", "bias": False, "prior": "sphere"},
               "sampling": {"K": 200_000, "chunk_size": 25_000, "R": 20, "n_max": 40, "device": "cpu",
                            "error": "exact-linear"},
               "theory": {"density": "perceptron", "eps0": 0.2}}
LOADED_WINDOW_S = 10.0
BURNER_LIMIT_S = 150.0


def gibbs_cells(config: dict = GIBBS):
    return gibbs_tasks(config_from_dict(config, GibbsConfig, "bench"))[0]


def gibbs_rate(workers: int) -> tuple[float, int]:
    """Gibbs cells per second with ``workers`` local processes (after a warm-up)."""
    return timed_rate(get_executor("local", workers), gibbs_cells())


def timed_rate(executor, tasks, window_s: float | None = None) -> tuple[float, int]:
    """Tasks per second of ``executor`` (closed after), after a warm-up, for at most ``window_s`` s."""
    with executor as pool:
        list(pool.imap_unordered(run_gibbs_task, gibbs_cells(WARMUP)))
        began, done = time.perf_counter(), 0
        for _ in pool.imap_unordered(run_gibbs_task, tasks):
            done += 1
            if window_s is not None and time.perf_counter() - began > window_s:
                break
        return done / (time.perf_counter() - began), done


@contextlib.contextmanager
def cpu_burners(count: int = 2, limit_s: float = BURNER_LIMIT_S):
    """``count`` CPU-bound processes (each stops by itself after ``limit_s``), killed and reaped at the end."""
    code = f"import time\nend = time.monotonic() + {limit_s}\nwhile time.monotonic() < end: pass"
    burners = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def loaded_rates(workers: int = 2) -> dict:
    """Gibbs cells per second with ``workers`` workers beside two CPU-bound processes."""
    cells = gibbs_cells()
    report = {}
    with cpu_burners():
        for name, make in (("local", lambda: get_executor("local", workers)),
                           ("ray", lambda: get_executor("ray", workers, worker_niceness=0)),
                           ("ray_nice15", lambda: get_executor("ray", workers, worker_niceness=15))):
            report[f"loaded_{name}_chunks_per_s"], report[f"loaded_{name}_chunks"] = timed_rate(
                make(), cells, LOADED_WINDOW_S)
    report["loaded_ray_nice15_slowdown"] = report["loaded_ray_chunks_per_s"] / report["loaded_ray_nice15_chunks_per_s"]
    return report


def guess_check_rate(workers: int) -> tuple[float, int]:
    """Guess & Check chunks per second with ``workers`` local processes (after a warm-up).

    The chunks are those of ``run_guess_check``; both worker counts use a started pool, so
    process start-up (importing torch) is not timed, as for Gibbs.
    """
    from badminima.experiments.guess_check import chunk_tasks, run_chunk
    from badminima.experiments.guess_check_config import GuessCheckConfig
    tasks = chunk_tasks(config_from_dict(GUESS_CHECK, GuessCheckConfig, "bench"))
    with get_executor("local", workers) as pool:
        list(pool.imap_unordered(run_chunk, tasks[:workers]))
        began = time.perf_counter()
        done = sum(1 for _ in pool.imap_unordered(run_chunk, tasks))
        return done / (time.perf_counter() - began), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--skip-guess-check", action="store_true", help="time Gibbs cells only")
    parser.add_argument("--skip-loaded", action="store_true",
                        help="skip the loaded case (local pool vs Ray beside two CPU-bound processes)")
    args = parser.parse_args()
    report = {"cpu_count": os.cpu_count()}
    for name, rate in (("gibbs", gibbs_rate), ("guess_check", guess_check_rate)):
        if name == "guess_check" and args.skip_guess_check:
            continue
        one, chunks = rate(1)
        two, _ = rate(2)
        report.update({f"{name}_chunks": chunks, f"{name}_chunks_per_s_1_worker": one,
                       f"{name}_chunks_per_s_2_workers": two, f"{name}_speedup_2_workers": two / one})
    report["speedup_2_workers"] = report["gibbs_speedup_2_workers"]
    if not args.skip_loaded:
        report.update(loaded_rates())
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for key, value in report.items():
            print(f"{key:>36}: {value:.3f}" if isinstance(value, float) else f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
