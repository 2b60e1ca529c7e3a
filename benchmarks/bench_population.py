"""Population evaluation throughput: batched path vs a loop over torch modules, and GEMM peak.

Measured in one run, on this machine (ratios are noisy when the machine is shared: with
``--threads 2`` on two cores that other jobs also use, every parallel region waits for a
descheduled thread, which slows the loop's many small calls far more than the batched path;
run ``--threads 1`` as well and report both):

- ``speedup_vs_loop``: classifier-sample predictions per second of
  :meth:`Population.predict` over a Python loop calling each member as an ``nn.Module``
  (MLP population 10 -> 16 -> 1 on 2048 inputs, the synthetic Guess & Check setting);
  ``speedup_vs_loop_mnist_shape`` the same for 784 -> 64 -> 1.
- ``fraction_of_gemm_peak``: FLOP rate of the batched 784 -> 64 -> 1 MLP forward over the
  rate of one large ``torch.mm`` (2048^3, float32), measured in the same process.
- ``mnist01_K_per_minute``: classifiers per minute of one Guess & Check chunk of the
  ``configs/gc-mnist-01.toml`` setting (MNIST 0 vs 1 when ../shared/data is present,
  otherwise random inputs of the same shape: 12665 pool, 2115 test images).

``python benchmarks/bench_population.py [--json] [--threads T]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from badminima.classifiers import MLP
from badminima.classifiers.population import module_labels
from badminima.sampling.guess_check import GuessCheckData, guess_check_chunk, training_orderings


def _best_time(fn, repeats: int = 3) -> float:
    fn()  # warm-up
    return min(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def gemm_rate(size: int = 2048) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    return 2 * size ** 3 / _best_time(lambda: torch.mm(a, b))


def batched_vs_loop(K: int = 512, N: int = 2048, d: int = 784, h: int = 64) -> dict:
    fs = MLP((h,))
    pop = fs.sample(K, (d,), 2, torch.Generator().manual_seed(0))
    x = torch.randn(N, d)
    batched = _best_time(lambda: pop.predict(x))
    members = [pop.member(k) for k in range(64)]

    def loop():
        with torch.no_grad():
            for m in members:
                module_labels(m, x)
    looped = _best_time(loop, repeats=2) * K / len(members)
    flops = 2 * K * N * (d * h + h)
    return {"batched_predictions_per_s": K * N / batched, "loop_predictions_per_s": K * N / looped,
            "speedup_vs_loop": looped / batched, "batched_gflops": flops / batched / 1e9}


def mnist_chunk_rate(K: int = 5000) -> dict:
    root = Path(os.environ.get("BADMINIMA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    try:
        from badminima.data import load_dataset
        ds = load_dataset("mnist", data_dir=root / "mnist", classes=[0, 1]).normalized()
        arrays, source = (ds.x_train, ds.y_train, ds.x_test, ds.y_test), "mnist 0 vs 1"
    except Exception:  # no shared data: inputs of the same shape
        rng = np.random.default_rng(0)
        arrays = (rng.standard_normal((12665, 28, 28), dtype=np.float32), rng.integers(0, 2, 12665),
                  rng.standard_normal((2115, 28, 28), dtype=np.float32), rng.integers(0, 2, 2115))
        source = "random inputs shaped like mnist 0 vs 1"
    data = GuessCheckData.from_arrays(*arrays)
    orderings = training_orderings(len(arrays[1]), 20, 20, 0)
    seconds = _timed(lambda: guess_check_chunk(MLP((32,)), data, orderings, seed=0, chunk=0, size=K, n_classes=2))
    return {"mnist01_K_per_minute": K / seconds * 60, "mnist01_source": source}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {"threads": torch.get_num_threads(), "gemm_gflops": gemm_rate() / 1e9}
    mnist_shape = batched_vs_loop()  # d=784, h=64: GEMM-bound, for the FLOP-rate fraction
    small = batched_vs_loop(K=4096, N=2048, d=10, h=16)  # the synthetic Guess & Check setting
    result.update(small)
    result["fraction_of_gemm_peak"] = mnist_shape["batched_gflops"] / result["gemm_gflops"]
    result.update({f"{k}_mnist_shape": v for k, v in mnist_shape.items()})
    result.update(mnist_chunk_rate())
    # The ratio depends on the work per member call: a loop over modules is overhead-bound
    # for tiny nets and few inputs, and itself near the GEMM rate for large ones, where no
    # batched path can gain more than (GEMM rate / loop rate).
    result["speedup_by_shape"] = {
        f"d{d}-h{h}-N{n}": round(batched_vs_loop(K=512, N=n, d=d, h=h)["speedup_vs_loop"], 2)
        for d, h, n in [(4, 8, 512), (4, 8, 2048), (10, 16, 512), (10, 16, 2048), (784, 64, 256)]}
    result["loop_fraction_of_gemm_peak"] = (result["loop_predictions_per_s"] * 2 * (10 * 16 + 16)
                                            / 1e9 / result["gemm_gflops"])
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>36}: {value:.4g}" if isinstance(value, float) else f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
