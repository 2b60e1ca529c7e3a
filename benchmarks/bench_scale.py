"""Scale benchmark: chunks per second of Gibbs cells and Guess & Check chunks, 1 vs 2 workers.

    python benchmarks/bench_scale.py [--json] [--skip-guess-check]

Gibbs: the cells (one training set, one n, 4 chains) of a fixed N = 20 experiment, run by the
local executor through :func:`badminima.experiments.gibbs.run_gibbs_task`, timed after a warm-up
batch in the same pool (so worker start-up and imports are not counted). Guess & Check: the
chunks of a small perceptron :func:`badminima.experiments.guess_check.run_guess_check` run
(like configs/gc-perceptron.toml, 8 chunks of 25 000 classifiers) in its own pool, so that
figure includes worker start-up. ``speedup_2_workers`` is the Gibbs ratio.
"""

from __future__ import annotations

import argparse
import json
import os
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


def gibbs_rate(workers: int) -> tuple[float, int]:
    """Gibbs cells per second with ``workers`` local processes (after a warm-up)."""
    cells, _ = gibbs_tasks(config_from_dict(GIBBS, GibbsConfig, "bench"))
    warmup, _ = gibbs_tasks(config_from_dict(WARMUP, GibbsConfig, "bench"))
    with get_executor("local", workers) as pool:
        list(pool.imap_unordered(run_gibbs_task, warmup))
        began = time.perf_counter()
        done = sum(1 for _ in pool.imap_unordered(run_gibbs_task, cells))
        return done / (time.perf_counter() - began), done


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
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for key, value in report.items():
            print(f"{key:>36}: {value:.3f}" if isinstance(value, float) else f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
