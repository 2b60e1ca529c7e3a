"""Training throughput: achieved FLOP rate of training to zero error as a fraction of the GEMM rate.

Usage: python benchmarks/bench_training.py [--threads 1,2] [--json] [--ensemble] [--epochs-sizes 1000]
                                           [--data-dir DIR] [--quick] [--compare REF [--repeats 3]]

For each packaged config (same model, optimizer and batch size) and each thread count it
times one epoch of the code path a sweep runs, on synthetic inputs of the config's shape:

- ``mnist-mlp`` at n = 5000 and 20000: the 3 seeds as one batched model
  (:func:`~badminima.training.train_ensemble_to_zero`, as ``batch_seeds = true`` does);
- ``mnist-cnn`` and ``cifar10-cnn``: one network (:func:`~badminima.training.train_to_zero`).

An epoch is every minibatch step (forward, backward, optimizer step) plus the eval-mode
classification of the whole training subset (the zero-error check) and of the test set.
With this one-epoch budget the check is always the full one (the budget's last epoch is), so
the saving of the suspects-first check of real runs (docs/sweeps.md) is not in these figures.
Its FLOPs are counted from the architecture: ``2 * fan_in * fan_out`` per Linear layer and
``2 * C_in * C_out * k^2 * H_out * W_out`` per Conv2d layer and example for the forward pass,
twice that for the backward pass (gradients of weights and inputs; the first layer's input
gradient is not computed and not counted); element-wise work (ReLU, pooling, loss, the
optimizer step) is not counted, so the fraction is conservative. ``fraction_of_gemm`` divides
the rate by that of one large float32 ``torch.mm`` in the same process and thread count.

Also reported: the batched-ensemble ``speedup_vs_sequential`` (benchmarks/bench_ensemble.py,
16 digits MLPs) per thread count, and the number of epochs the shipped settings need to reach
zero training error: measured on MNIST (``--epochs-sizes``, when the files are present) and
read from the recorded sweep (``docs/results-data/mnist-mlp-runs.csv``), with the wall time
of the n = 60000 sweep size estimated from them and the measured epoch time.

Flat keys ``fraction_of_gemm_<case>`` (``mnist-mlp_n5000``, ``mnist-mlp_n20000``, ``mnist-cnn``,
``cifar10-cnn``) repeat the nested fractions at the largest thread count measured, and
``fraction_of_gemm_<case>_t<threads>`` at each.

``--compare REF`` (a git ref of this repository, e.g. ``HEAD~3``) also times every case with the
package as it was at REF (its ``src/`` extracted to a temporary folder) against the working
tree, each epoch in a fresh subprocess, the two interleaved ``--repeats`` times, the fastest of
each kept: on a shared machine only such a comparison within one run says what a change did.
It is reported under ``compare`` (``before``/``after`` fractions and ``speedup`` per case and
thread count) and as flat keys ``fraction_of_gemm_<case>_before``.

The machine's load (``os.getloadavg``) is reported: timings with load above the core count
are not idle figures. Default run: about 2-3 minutes on 2 idle cores.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from badminima.experiments.packaged_configs import packaged_config
from badminima.experiments.sweep_config import load_sweep_config
from badminima.training import build_model, train_ensemble_to_zero, train_to_zero

REPO = Path(__file__).resolve().parents[1]
SHAPES = {"mnist": ((1, 28, 28), 10), "cifar10": ((3, 32, 32), 10)}
#: (label, config, n, members): members > 1 trains the seeds as one batched model
CASES = [("mnist-mlp n=5000", "mnist-mlp", 5000, 3), ("mnist-mlp n=20000", "mnist-mlp", 20000, 3),
         ("mnist-cnn", "mnist-cnn", 2000, 1), ("cifar10-cnn", "cifar10-cnn", 1000, 1)]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def gemm_rate(size: int = 2048, seconds: float = 1.0, device: str | torch.device = "cpu") -> float:
    """FLOP rate of ``torch.mm`` on two ``size x size`` float32 matrices: best over ~``seconds``."""
    device = torch.device(device)
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    out = torch.empty(size, size, device=device)
    torch.mm(a, b, out=out)
    _sync(device)
    best, spent = float("inf"), 0.0
    while spent < seconds:
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        _sync(device)
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
    return 2 * size ** 3 / best


def forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[int, int]:
    """Forward FLOPs of one example through the Linear and Conv2d layers, and those of the first layer."""
    counts: list[int] = []

    def hook(module, inputs, output):
        if isinstance(module, nn.Linear):
            counts.append(2 * module.in_features * module.out_features)
        else:
            k = module.kernel_size[0] * module.kernel_size[1]
            counts.append(2 * module.in_channels // module.groups * module.out_channels * k * output[0, 0].numel())

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, *input_shape))
    for h in handles:
        h.remove()
    return sum(counts), counts[0]


def epoch_flops(model: nn.Module, input_shape: tuple[int, ...], n: int, n_test: int, members: int) -> float:
    """FLOPs of one epoch: n training steps' worth (forward + backward), n + n_test eval forwards."""
    fwd, first = forward_flops(model, input_shape)
    train = 3 * fwd - first  # no input gradient at the first layer
    return members * (n * train + (n + n_test) * fwd)


def synthetic(shape: tuple[int, ...], n_classes: int, n: int, members: int, seed: int,
              device: str | torch.device = "cpu"):
    g = torch.Generator().manual_seed(seed)
    lead = (members, n) if members > 1 else (n,)
    x, y = torch.randn(*lead, *shape, generator=g), torch.randint(0, n_classes, lead, generator=g)
    return x.to(device), y.to(device)


def time_epoch(config_name: str, n: int, members: int, n_test: int = 2000,
               device: str | torch.device = "cpu") -> dict:
    """Wall time and FLOP rate of one epoch of ``config_name`` on synthetic data of size n."""
    config = load_sweep_config(packaged_config(config_name))
    shape, n_classes = SHAPES[config.data.dataset]
    settings = dataclasses.replace(config.train, max_epochs=1)
    seeds = list(config.sweep.seeds)[:members] if members > 1 else [0]
    models = [build_model(config.model, shape, n_classes, s).to(device) for s in seeds]
    x, y = synthetic(shape, n_classes, n, members, 1, device)
    xt, yt = synthetic(shape, n_classes, n_test, 1, 2, device)
    _sync(torch.device(device))
    start = time.perf_counter()
    if members > 1:
        train_ensemble_to_zero(models, x, y, xt, yt, settings, seeds)
    else:
        train_to_zero(models[0], x, y, xt, yt, settings, seed=0)
    _sync(torch.device(device))
    seconds = time.perf_counter() - start
    flops = epoch_flops(models[0].cpu(), shape, n, n_test, len(seeds))
    return {"config": config_name, "n": n, "members": len(seeds), "batch_size": settings.batch_size,
            "epoch_seconds": round(seconds, 3), "gflops": round(flops / seconds / 1e9, 2)}


def recorded_epochs(csv_path: Path) -> dict[int, float]:
    """Mean epochs to zero training error per n in a sweep's per-run CSV."""
    per_n: dict[int, list[int]] = {}
    with open(csv_path, newline="") as fh:
        for row in csv.DictReader(fh):
            per_n.setdefault(int(row["n"]), []).append(int(row["epochs"]))
    return {n: float(np.mean(v)) for n, v in sorted(per_n.items())}


def extrapolate_epochs(epochs: dict[int, float], n: int, fit_from: int = 2000) -> float:
    """Epochs at n from a power law ``a n^b`` fitted (log-log least squares) to sizes >= fit_from."""
    sizes = np.array([m for m in epochs if m >= fit_from], dtype=float)
    b, log_a = np.polyfit(np.log(sizes), np.log([epochs[int(m)] for m in sizes]), 1)
    return float(np.exp(log_a) * n ** b)


def measured_epochs(sizes: list[int], data_dir: Path) -> dict:
    """Epochs to zero of the mnist-mlp config (3 seeds batched) on MNIST at each size."""
    from badminima.experiments.datasets import load_normalized_dataset
    from badminima.experiments.sweep import run_one
    from badminima.experiments.configfile import config_to_dict
    try:
        load_normalized_dataset("mnist", str(data_dir))
    except Exception as exc:  # no MNIST files: nothing to measure
        return {"skipped": f"MNIST not found in {data_dir}: {exc}"}
    config = load_sweep_config(packaged_config("mnist-mlp"))
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=str(data_dir)))
    out = {}
    for n in sizes:
        start = time.perf_counter()
        rows = run_one({"config": config_to_dict(config), "experiment": "bench", "config_hash": "",
                        "n": n, "seeds": list(config.sweep.seeds)})
        out[str(n)] = {"epochs": [r["epochs"] for r in rows], "reached_zero": all(r["reached_zero"] for r in rows),
                       "seconds": round(time.perf_counter() - start, 1)}
    return out


def ensemble_speedup() -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_ensemble import bench_ensemble
    r = bench_ensemble(16, 200, 128)
    return {key: r[key] for key in ("speedup_vs_sequential", "sequential_seconds", "batched_seconds",
                                    "same_epochs", "max_test_error_difference")}


def case_key(label: str) -> str:
    """``"mnist-mlp n=5000"`` -> ``"mnist-mlp_n5000"``: the ``<case>`` of the flat keys."""
    return label.replace(" ", "_").replace("=", "")


def flat_fractions(result: dict, suffix: str = "") -> dict:
    """``fraction_of_gemm_<case>[_t<threads>]<suffix>`` from a ``by_threads`` section."""
    flat, by_threads = {}, result["by_threads"]
    for t, entry in by_threads.items():
        for label, r in entry["training"].items():
            flat[f"fraction_of_gemm_{case_key(label)}_t{t}{suffix}"] = r["fraction_of_gemm"]
    top = max(by_threads, key=int)
    for label, r in by_threads[top]["training"].items():
        flat[f"fraction_of_gemm_{case_key(label)}{suffix}"] = r["fraction_of_gemm"]
    return flat


def _extract_src(ref: str, into: Path) -> Path:
    """The ``src/`` folder of this repository at git ``ref``, extracted under ``into``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref, "src"],
                             check=True, capture_output=True).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _time_in_subprocess(src: Path, label: str, n: int, members: int, config: str, threads: int) -> dict:
    """:func:`time_epoch` and the GEMM rate in a fresh interpreter importing the package from ``src``."""
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps([config, n, members, threads])],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _worker(spec: str) -> int:
    config, n, members, threads = json.loads(spec)
    torch.set_num_threads(threads)
    gemm = gemm_rate()
    r = time_epoch(config, n, members)
    r["fraction_of_gemm"] = round(r["gflops"] * 1e9 / gemm, 3)
    print(json.dumps(r))
    return 0


def compare(ref: str, threads: list[int], cases: list[tuple], repeats: int) -> dict:
    """Before (``ref``) and after (working tree) per case and thread count, interleaved."""
    out: dict = {"ref": ref, "repeats": repeats, "load_before": [round(v, 2) for v in os.getloadavg()],
                 "by_threads": {}}
    with tempfile.TemporaryDirectory() as tmp:
        srcs = {"before": _extract_src(ref, Path(tmp)), "after": REPO / "src"}
        for t in threads:
            rows = {}
            for label, name, n, members in cases:
                runs: dict[str, list[dict]] = {"before": [], "after": []}
                for _ in range(repeats):
                    for which, src in srcs.items():
                        runs[which].append(_time_in_subprocess(src, label, n, members, name, t))
                best = {w: max(rs, key=lambda r: r["fraction_of_gemm"]) for w, rs in runs.items()}
                rows[label] = {"before": best["before"]["fraction_of_gemm"], "after": best["after"]["fraction_of_gemm"],
                               "before_epoch_seconds": min(r["epoch_seconds"] for r in runs["before"]),
                               "after_epoch_seconds": min(r["epoch_seconds"] for r in runs["after"])}
                row = rows[label]
                row["speedup"] = round(row["before_epoch_seconds"] / row["after_epoch_seconds"], 2)
                print(f"compare threads {t} {label}: {json.dumps(rows[label])}", file=sys.stderr, flush=True)
            out["by_threads"][str(t)] = {"training": rows}
    out["load_after"] = [round(v, 2) for v in os.getloadavg()]
    return out


def run(threads: list[int], cases: list[tuple], ensemble: bool) -> dict:
    out: dict = {"load_before": [round(v, 2) for v in os.getloadavg()], "cores": os.cpu_count(), "by_threads": {}}
    for t in threads:
        torch.set_num_threads(t)
        gemm = gemm_rate()
        rows = {}
        for label, name, n, members in cases:
            r = time_epoch(name, n, members)
            r["fraction_of_gemm"] = round(r["gflops"] * 1e9 / gemm, 3)
            rows[label] = r
            print(f"threads {t} {label}: {json.dumps(r)}", file=sys.stderr, flush=True)
        entry = {"gemm_gflops": round(gemm / 1e9, 1), "training": rows}
        if ensemble:
            entry["ensemble"] = ensemble_speedup()
        out["by_threads"][str(t)] = entry
    out["load_after"] = [round(v, 2) for v in os.getloadavg()]
    return out


def epochs_section(result: dict, sizes: list[int], data_dir: Path) -> dict:
    """Epochs to zero (recorded and measured) and the n = 60000 wall-time estimate."""
    recorded = recorded_epochs(REPO / "docs" / "results-data" / "mnist-mlp-runs.csv")
    at_full = extrapolate_epochs(recorded, 60000)
    timed = min((e["training"]["mnist-mlp n=20000"] for e in result["by_threads"].values()),
                key=lambda r: r["epoch_seconds"])
    epoch_full = timed["epoch_seconds"] * 60000 / timed["n"]  # an epoch's work is linear in n
    section = {"recorded_mean_epochs_per_n": {str(k): v for k, v in recorded.items()},
               "extrapolated_epochs_at_60000": round(at_full, 1),
               "epoch_seconds_at_60000_estimate": round(epoch_full, 1),
               "wall_seconds_at_60000_estimate": round(epoch_full * at_full)}
    if sizes:
        section["measured"] = measured_epochs(sizes, data_dir)
    return section


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-ensemble", action="store_true", help="skip the batched-ensemble speedup")
    parser.add_argument("--epochs-sizes", default="1000",
                        help="comma-separated n at which to train the mnist-mlp config to zero on MNIST ('' = none)")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "BADMINIMA_SHARED_DATA", REPO.parent / "shared" / "data")) / "mnist")
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke test)")
    parser.add_argument("--compare", metavar="REF", help="also time the package at git REF, interleaved")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of --compare")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker)
    cases = [(label, name, n // 10 if args.quick else n, m) for label, name, n, m in CASES]
    threads = [int(t) for t in args.threads.split(",")]
    result = run(threads, cases, not args.no_ensemble)
    result.update(flat_fractions(result))
    if args.compare:
        result["compare"] = compare(args.compare, threads, cases, args.repeats)
        for t, entry in result["compare"]["by_threads"].items():
            for label, r in entry["training"].items():
                result[f"fraction_of_gemm_{case_key(label)}_t{t}_before"] = r["before"]
                if t == max(result["compare"]["by_threads"], key=int):
                    result[f"fraction_of_gemm_{case_key(label)}_before"] = r["before"]
    sizes = [int(s) for s in args.epochs_sizes.split(",") if s] if not args.quick else []
    result["epochs_to_zero"] = epochs_section(result, sizes, args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for t, entry in result["by_threads"].items():
            print(f"threads {t}: GEMM {entry['gemm_gflops']} GFLOP/s")
            for label, r in entry["training"].items():
                print(f"  {label:>20}: {r['gflops']:7.1f} GFLOP/s = {r['fraction_of_gemm']:.0%} of GEMM "
                      f"({r['epoch_seconds']} s per epoch)")
            if "ensemble" in entry:
                print(f"  ensemble speedup_vs_sequential: {entry['ensemble']['speedup_vs_sequential']}")
        for t, entry in result.get("compare", {}).get("by_threads", {}).items():
            print(f"threads {t}, before ({result['compare']['ref']}) -> after, fraction of GEMM:")
            for label, r in entry["training"].items():
                print(f"  {label:>20}: {r['before']:.0%} -> {r['after']:.0%} "
                      f"({r['before_epoch_seconds']} -> {r['after_epoch_seconds']} s, {r['speedup']}x)")
        print("epochs to zero:", json.dumps(result["epochs_to_zero"]))
        print("load average before/after:", result["load_before"], result["load_after"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
