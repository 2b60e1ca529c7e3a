"""Version-space SMC against Guess & Check on MNIST 0 vs 7 (issue 21).

Task: Peleg & Hein's bias-free ReLU MLP 196-120-60-30-12-2 (one output unit) on 2x2
max-pooled MNIST 0 vs 7 images, a Gaussian (He) prior, one balanced training ordering.

- At n = 24 (where both work): effectively independent zero-error networks per second.
  Guess & Check: survivors of ``--gc-draws`` prior draws per second (independent, ESS =
  count), best of its two paths (``direct`` draws and exact ``subspace`` sampling of the
  first layer). SMC: ``--runs`` independent runs to n = 24; ESS = ArviZ bulk ESS of the
  particles' test errors (chains = runs, draws = particles), over the runs' total time.
- Seconds per checkpoint up to ``--n-max`` (256 by default, 1024 as an option) from the same
  runs, the fitted growth exponent ``b`` of ``seconds ~ n^b`` (checkpoints n >= 16), R-hat of
  the test error across the runs at every checkpoint.

``python benchmarks/bench_version_space.py [--json] [--data-dir DIR] [--n-max 256|1024]
[--particles P] [--runs R] [--gc-draws K] [--threads T] [--device cpu|cuda]``

``--json`` prints one object with ``speedup_vs_guess_check_n24``, ``max_rhat``,
``seconds_per_checkpoint`` (n -> cumulative seconds of one run), the targets and whether they
are met, the load average and the thread count (timings on a loaded machine are not those
of an idle one).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import torch

from badminima.classifiers import MLP
from badminima.experiments.datasets import load_normalized_dataset
from badminima.sampling.guess_check import accept_step, training_orderings
from badminima.sampling.version_space_diagnostics import effective_sample_size, split_rhat
from badminima.sampling.version_space_smc import sample_smc

CHECKPOINTS = (4, 16, 24, 64, 128, 256, 512, 1024)


def guess_check_rate(fs, x, y, draws: int, device) -> dict:
    """Survivors per second at n = len(x) for each accept path; the best one."""
    rates = {}
    for sampler in ("direct", "subspace"):
        began = time.perf_counter()
        kept = 0
        for chunk in range(0, draws, 50_000):
            kept += int(accept_step(fs, x, y, min(50_000, draws - chunk), seed=chunk, sampler=sampler,
                                    device=device).sum())
        seconds = time.perf_counter() - began
        rates[sampler] = {"survivors": kept, "seconds": seconds, "per_second": kept / seconds}
    best = max(rates, key=lambda k: rates[k]["per_second"])
    return {"paths": rates, "best": best, "per_second": rates[best]["per_second"]}


def smc_runs(fs, x, y, xt, yt, checkpoints, args) -> list:
    runs = []
    for run in range(args.runs):
        began = time.perf_counter()
        times = {}

        def on_stage(state, began=began, times=times):
            if state.n in checkpoints:
                times[state.n] = time.perf_counter() - began
        result = sample_smc(fs, x, y, x_test=xt, y_test=yt, checkpoints=list(checkpoints),
                            n_particles=args.particles, min_moves=args.min_moves, max_moves=args.max_moves,
                            seed=run, n_classes=2, device=args.device, on_stage=on_stage)
        runs.append((result, times))
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("BADMINIMA_MNIST", "../shared/data/mnist"))
    parser.add_argument("--n-max", type=int, default=256, choices=(24, 64, 128, 256, 512, 1024))
    parser.add_argument("--particles", type=int, default=256)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--min-moves", type=int, default=5)
    parser.add_argument("--max-moves", type=int, default=20)
    parser.add_argument("--gc-draws", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore", FutureWarning)
    ds = load_normalized_dataset("mnist", args.data_dir, [0, 7], 0, {})
    order = training_orderings(len(ds.y_train), args.n_max, 1, 0, labels=ds.y_train)[0]
    x, y = ds.x_train[order], ds.y_train[order]
    fs = MLP(widths=(120, 60, 30, 12), bias=False, prior="he", maxpool=2)
    load_before = os.getloadavg()
    gc = guess_check_rate(fs, x[:24], y[:24], args.gc_draws, args.device)
    checkpoints = tuple(c for c in CHECKPOINTS if c <= args.n_max)
    runs = smc_runs(fs, x, y, ds.x_test, ds.y_test, checkpoints, args)
    at24 = np.stack([r.test_errors(24) for r, _ in runs])
    seconds24 = sum(t[24] for _, t in runs)
    ess24 = effective_sample_size(at24) if at24.shape[0] > 1 else float(at24.shape[1])
    smc_rate = ess24 / seconds24
    rhat = {n: split_rhat(np.stack([r.test_errors(n) for r, _ in runs])) if len(runs) > 1 else math.nan
            for n in checkpoints}
    per_checkpoint = {n: float(np.mean([t[n] for _, t in runs])) for n in checkpoints}
    ns = np.array([n for n in checkpoints if n >= 16], dtype=float)
    growth = float(np.polyfit(np.log(ns), np.log([per_checkpoint[int(n)] for n in ns]), 1)[0])
    speedup = smc_rate / gc["per_second"] if gc["per_second"] > 0 else math.inf
    max_rhat = float(np.nanmax(list(rhat.values()))) if len(runs) > 1 else math.nan
    report = {
        "speedup_vs_guess_check_n24": speedup, "max_rhat": max_rhat,
        "seconds_per_checkpoint": per_checkpoint, "growth_exponent": growth,
        "smc_ess_per_second_n24": smc_rate, "smc_ess_n24": ess24, "smc_seconds_n24": seconds24,
        "guess_check": gc, "rhat": rhat,
        "log_z": {n: [r.log_z[n] for r, _ in runs] for n in checkpoints},
        "test_error": {n: [float(r.test_errors(n).mean()) for r, _ in runs] for n in checkpoints},
        "unique_roots": {n: [c.unique_roots for c in r.checkpoints if c.n == n][0] for n in checkpoints
                         for r, _ in runs[:1]},
        "targets": {"speedup_100x_n24": speedup >= 100, "rhat_le_1.05": bool(max_rhat <= 1.05),
                    "growth_at_most_quadratic": growth <= 2.0},
        "particles": args.particles, "runs": args.runs, "threads": args.threads, "device": args.device,
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(report, default=float))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
