"""Benchmark: K small MLPs trained to zero error as one vmapped model vs K sequential trainings.

Usage: python benchmarks/bench_ensemble.py [--k 16] [--n 200] [--threads 2] [--json]
                                           [--mnist-sizes 50,500,5000 [--data-dir DIR]]

The K members (seeds 0..K-1, each on its own class-stratified digits subset of size n) are
trained with the same settings both ways; the results must agree (same zero-error epoch,
test errors within 2 test points). Target: ``speedup_vs_sequential`` >= 4 on 2 cores.
With ``--mnist-sizes`` it also times the configs/mnist-mlp.toml sweep (its 3 seeds batched)
at those sizes and reports the wall time per n (MNIST from --data-dir, default
$BADMINIMA_SHARED_DATA/mnist or ../shared/data/mnist).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from badminima.data import load_dataset
from badminima.training import (NetworkSpec, TrainSettings, build_model, to_labels, to_tensor,
                                train_ensemble_to_zero, train_to_zero)

REPO = Path(__file__).resolve().parents[1]


def bench_ensemble(k: int, n: int, width: int) -> dict:
    ds = load_dataset("digits").normalized()
    seeds = list(range(k))
    xs = torch.stack([to_tensor(ds.subset(n, s)[0]) for s in seeds])
    ys = torch.stack([to_labels(ds.subset(n, s)[1]) for s in seeds])
    xt, yt = to_tensor(ds.x_test), to_labels(ds.y_test)
    spec, settings = NetworkSpec(arch="mlp", widths=(width,)), TrainSettings(batch_size=32, max_epochs=1000)
    shape = tuple(xt.shape[1:])

    start = time.perf_counter()
    alone = [train_to_zero(build_model(spec, shape, 10, s), xs[i], ys[i], xt, yt, settings, seed=s)
             for i, s in enumerate(seeds)]
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    batched = train_ensemble_to_zero([build_model(spec, shape, 10, s) for s in seeds], xs, ys, xt, yt,
                                     settings, seeds)
    together = time.perf_counter() - start
    return {"k": k, "n": n, "width": width, "threads": torch.get_num_threads(),
            "sequential_seconds": round(sequential, 3), "batched_seconds": round(together, 3),
            "speedup_vs_sequential": round(sequential / together, 2),
            "all_reached_zero": all(r.reached_zero for r in alone + batched),
            "same_epochs": sum(a.epochs == b.epochs for a, b in zip(alone, batched)),
            "max_test_error_difference": max(abs(a.test_error - b.test_error) for a, b in zip(alone, batched)),
            "mean_epochs": sum(a.epochs for a in alone) / k}


def bench_mnist_sweep(sizes: list[int], data_dir: Path) -> dict:
    from badminima.experiments.store import learning_curve_table
    from badminima.experiments.sweep import run_sweep
    from badminima.experiments.sweep_config import load_sweep_config

    config = load_sweep_config(REPO / "configs" / "mnist-mlp.toml")
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=str(data_dir)),
                                 sweep=dataclasses.replace(config.sweep, sizes=tuple(sizes), include_full=False))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "mnist.db"
        summary = run_sweep(config, db, executor="serial", progress=False)
        table = learning_curve_table(db)
    return {"config": "configs/mnist-mlp.toml", "seeds": list(config.sweep.seeds), "total_seconds": round(summary.wall_s, 1),
            "per_n": [{"n": r["n"], "wall_s_per_run": round(r["mean_wall_s"], 2),
                       "mean_test_error": r["mean_test_error"]} for r in table.rows()]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16, help="members (seeds)")
    parser.add_argument("--n", type=int, default=200, help="training-set size of each member")
    parser.add_argument("--width", type=int, default=128, help="hidden width of the MLP")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for both ways")
    parser.add_argument("--mnist-sizes", default="", help="comma-separated n for the mnist-mlp sweep timing")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "BADMINIMA_SHARED_DATA", REPO.parent / "shared" / "data")) / "mnist")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = bench_ensemble(args.k, args.n, args.width)
    if args.mnist_sizes:
        results["mnist_mlp_sweep"] = bench_mnist_sweep([int(s) for s in args.mnist_sizes.split(",")], args.data_dir)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
