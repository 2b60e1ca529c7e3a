"""Guess & Check on a CUDA device: the accept step, the generator and one survivors-first chunk.

A short prepared check (under 3 minutes on one GPU) for a machine with CUDA; tests never need
it. Prints one JSON object:

- ``draws_per_second``: float32 uniform values per second of
  :class:`badminima.classifiers.draws.ParameterStream` on the device (torch's Philox there);
- ``mlp_networks_per_s``, ``lenet_networks_per_s``, ``subspace_mlp_networks_per_s``: the accept
  step of :func:`badminima.sampling.guess_check.accept_step` for M networks on 16 balanced
  images (MNIST 0 vs 7 from ../shared/data when present, random inputs of that shape otherwise);
- ``chunk_K_per_minute``: one survivors-first chunk of MLP 784-20-2 with a test pool;
- ``reproducible``: two runs with one seed give the same accepted members;
- ``cpu_mlp_networks_per_s`` for reference (same process, torch's CPU threads).

``python benchmarks/gpu_guess_check.py [--device cuda] [--members M]``
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from badminima.classifiers import MLP, LeNet
from badminima.classifiers.draws import ParameterStream
from badminima.sampling.guess_check import GuessCheckData, accept_step, guess_check_chunk, training_orderings


def _rate(fn, count: int, device: str) -> float:
    fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--members", type=int, default=200_000)
    args = parser.parse_args()
    device, M = args.device, args.members
    if device.startswith("cuda") and not torch.cuda.is_available():
        print(json.dumps({"error": "CUDA is not available"}))
        return
    from bench_guess_check import load_task  # same task as the CPU benchmark
    x, y, source = load_task()
    out = {"device": device, "source": source, "members": M,
           "gpu": torch.cuda.get_device_name() if device.startswith("cuda") else None}
    stream = ParameterStream(0)
    out["draws_per_second"] = _rate(lambda: stream.uniform((1 << 27,), -1, 1, device), 1 << 27, device)
    mlp, lenet, gauss = MLP((20,), prior="uniform"), LeNet((3, 8), (60, 42), 5, prior="uniform"), MLP((20,), prior="normal")
    out["mlp_networks_per_s"] = _rate(lambda: accept_step(mlp, x, y, M, 1, device=device), M, device)
    out["lenet_networks_per_s"] = _rate(lambda: accept_step(lenet, x, y, M // 4, 1, device=device), M // 4, device)
    out["subspace_mlp_networks_per_s"] = _rate(
        lambda: accept_step(gauss, x, y, M, 1, sampler="subspace", device=device), M, device)
    first, second = (accept_step(mlp, x, y, M // 4, 5, device=device) for _ in range(2))
    out["reproducible"] = bool(np.array_equal(first, second))
    out["mlp_acceptance_n16"] = float(first.mean())
    rng = np.random.default_rng(0)
    pool = rng.standard_normal((2000, 28, 28), dtype=np.float32)
    data = GuessCheckData.from_arrays(pool, rng.integers(0, 2, 2000), pool[:1000], rng.integers(0, 2, 1000),
                                      device=device)
    orderings = training_orderings(2000, 24, 20, 0)
    K = M // 4
    out["chunk_K_per_minute"] = 60 * _rate(
        lambda: guess_check_chunk(mlp, data, orderings, seed=0, chunk=0, size=K, n_classes=2,
                                  evaluate="survivors", n_min=8, subsample=0.01), K, device)
    out["cpu_mlp_networks_per_s"] = _rate(lambda: accept_step(mlp, x, y, 20_000, 1), 20_000, "cpu")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
