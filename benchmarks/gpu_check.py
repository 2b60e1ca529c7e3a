"""A prepared check for a CUDA machine, at most ~5 minutes: prints one JSON object.

Usage: python benchmarks/gpu_check.py [--data-dir DIR] [--sizes 500,1000,2000] [--budget-s 270]

1. ``resnet18_sweep``: ResNet-18 (configs/cifar10-resnet18.toml: SGD 0.05, momentum 0.9,
   cosine schedule, batch 128, no augmentation or weight decay) trained to exactly zero training
   error on nested class-stratified CIFAR-10 subsets of the given sizes, seed 0, with the test
   error on the 10000 test images; CIFAR-10 from ``DIR/cifar10`` (default
   ``$BADMINIMA_SHARED_DATA`` or ``../shared/data``), or, when absent, synthetic 32x32 images
   (class-dependent mean patterns plus noise) of the same shapes. Sizes stop being started once
   the time budget's share is spent (reported as ``skipped``).
2. ``guess_check``: one Guess & Check chunk of the gc-mnist-01 setting (random MLPs 784-32-2,
   MNIST 0 vs 1, or random inputs of its shape) on CUDA, with classifiers per second, and the
   same small chunk on CPU: the fraction of first-mistake positions and test errors that agree.
3. ``throughput``: one epoch of the packaged configs' training on CUDA (benchmarks/bench_training.py
   code path, synthetic inputs) as a fraction of the float32 GEMM rate.

Without a CUDA device it prints one line saying so and exits with status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import _sync, gemm_rate, time_epoch  # noqa: E402  (the benchmarks folder)

REPO = Path(__file__).resolve().parents[1]
NO_CUDA_STATUS = 3


def _cifar_arrays(data_dir: Path):
    """Normalized CIFAR-10 (x NHWC float32, y) train and test arrays, or None when absent."""
    from badminima.data import load_dataset
    try:
        return load_dataset("cifar10", data_dir=str(data_dir / "cifar10")).normalized()
    except Exception:  # no files: the caller falls back to synthetic images
        return None


def _synthetic_cifar(n_train: int = 20000, n_test: int = 10000, seed: int = 0):
    """Learnable 32x32x3 images: a random mean pattern per class plus unit noise."""
    from badminima.data import Dataset
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((10, 32, 32, 3)).astype(np.float32)

    def draw(n):
        y = rng.integers(0, 10, n)
        return (0.5 * means[y] + rng.standard_normal((n, 32, 32, 3), dtype=np.float32)), y
    (x, y), (xt, yt) = draw(n_train), draw(n_test)
    return Dataset(name="synthetic-cifar", x_train=x, y_train=y, x_test=xt, y_test=yt,
                   class_names=[str(c) for c in range(10)], source={"synthetic": "gpu_check", "seed": seed})


def resnet18_sweep(data_dir: Path, sizes: list[int], budget_s: float, device: torch.device) -> dict:
    from badminima.experiments.packaged_configs import packaged_config
    from badminima.experiments.sweep_config import load_sweep_config
    from badminima.training import build_model, to_labels, to_tensor, train_to_zero
    start = time.perf_counter()
    ds = _cifar_arrays(data_dir)
    source = "cifar10"
    if ds is None:
        ds, source = _synthetic_cifar(), "synthetic 32x32x3 (CIFAR-10 not found)"
    config = load_sweep_config(packaged_config("cifar10-resnet18"))
    x_test, y_test = to_tensor(ds.x_test, device), to_labels(ds.y_test, device)
    runs, skipped = [], []
    load_s = time.perf_counter() - start
    for n in sorted(sizes):
        if time.perf_counter() - start > budget_s:
            skipped.append(n)
            continue
        idx = ds.subset_indices(n, 0)
        model = build_model(config.model, (3, 32, 32), 10, 0).to(device)
        r = train_to_zero(model, to_tensor(ds.x_train[idx], device), to_labels(ds.y_train[idx], device),
                          x_test, y_test, config.train, seed=0)
        runs.append({"n": n, "reached_zero": r.reached_zero, "train_error": r.train_error, "epochs": r.epochs,
                     "test_error": r.test_error, "wall_s": round(r.wall_s, 1)})
    return {"source": source, "config": "cifar10-resnet18", "seed": 0, "data_load_s": round(load_s, 1),
            "runs": runs, "skipped": skipped, "all_reached_zero": all(r["reached_zero"] for r in runs)}


def guess_check(data_dir: Path, device: torch.device | str, size: int = 100000, check_size: int = 2000) -> dict:
    from badminima.classifiers import MLP
    from badminima.data import load_dataset
    from badminima.sampling.guess_check import GuessCheckData, guess_check_chunk, training_orderings
    try:
        ds = load_dataset("mnist", data_dir=str(data_dir / "mnist"), classes=[0, 1]).normalized()
        arrays, source = (ds.x_train, ds.y_train, ds.x_test, ds.y_test), "mnist 0 vs 1"
    except Exception:  # no MNIST files: random inputs of the same shape
        rng = np.random.default_rng(0)
        arrays = (rng.standard_normal((12665, 28, 28), dtype=np.float32), rng.integers(0, 2, 12665),
                  rng.standard_normal((2115, 28, 28), dtype=np.float32), rng.integers(0, 2, 2115))
        source = "random inputs shaped like mnist 0 vs 1"
    orderings = training_orderings(len(arrays[1]), 20, 20, 0)
    device = torch.device(device)
    on = {d: GuessCheckData.from_arrays(*arrays, device=d) for d in (str(device), "cpu")}

    def chunk(d, k):
        return guess_check_chunk(MLP((32,)), on[d], orderings, seed=0, chunk=0, size=k, n_classes=2)
    chunk(str(device), check_size)  # warm-up
    _sync(device)
    start = time.perf_counter()
    chunk(str(device), size)
    _sync(device)
    seconds = time.perf_counter() - start
    gpu, cpu = chunk(str(device), check_size), chunk("cpu", check_size)
    return {"source": source, "K": size, "seconds": round(seconds, 2), "K_per_s": round(size / seconds),
            "cpu_agreement": {"K": check_size,
                              "first_mistake_equal": float(np.mean(gpu.first_mistake == cpu.first_mistake)),
                              "test_error_max_abs_diff": float(np.max(np.abs(gpu.test_errors - cpu.test_errors)))}}


def throughput(device: torch.device) -> dict:
    gemm = gemm_rate(8192, seconds=2.0, device=device)
    rows = {}
    for label, name, n, members in [("mnist-mlp n=20000", "mnist-mlp", 20000, 3), ("mnist-cnn", "mnist-cnn", 10000, 1),
                                    ("cifar10-cnn", "cifar10-cnn", 10000, 1),
                                    ("cifar10-resnet18", "cifar10-resnet18", 5000, 1)]:
        r = time_epoch(name, n, members, n_test=10000, device=device)
        r["fraction_of_gemm"] = round(r["gflops"] * 1e9 / gemm, 3)
        rows[label] = r
    return {"gemm_gflops_fp32": round(gemm / 1e9, 1), "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
            "training": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "BADMINIMA_SHARED_DATA", REPO.parent / "shared" / "data")), help="folder holding cifar10/ and mnist/")
    parser.add_argument("--sizes", default="500,1000,2000,5000", help="comma-separated ResNet-18 sweep sizes")
    parser.add_argument("--budget-s", type=float, default=150.0,
                        help="no new sweep size is started after this many seconds of the sweep")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device is present (torch.cuda.is_available() is False); "
              "run this on a machine with an NVIDIA GPU and a CUDA build of torch.", file=sys.stderr)
        return NO_CUDA_STATUS
    device = torch.device("cuda")
    from badminima.training import make_deterministic
    make_deterministic(device)
    start = time.perf_counter()
    result = {"device": torch.cuda.get_device_name(device), "torch": torch.__version__}
    result["resnet18_sweep"] = resnet18_sweep(args.data_dir, [int(s) for s in args.sizes.split(",")],
                                              args.budget_s, device)
    result["guess_check"] = guess_check(args.data_dir, device)
    result["throughput"] = throughput(device)
    result["total_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
