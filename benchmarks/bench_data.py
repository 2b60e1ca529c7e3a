"""Benchmark: first (decoding) load vs cached load of MNIST and CIFAR-10.

Usage: python benchmarks/bench_data.py [--data-dir DIR] [--json]

DIR defaults to $BADMINIMA_SHARED_DATA or ../shared/data (with mnist/ and cifar10/).
The first load decodes the source files (IDX; 60000 JPEGs from the CIFAR-10 archive)
and writes the npz cache; the cached load reads that npz. A fresh temporary cache folder
is used, so "first" is always a cold load. Target: cached CIFAR-10 under 1 second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time_load(name: str, data_dir: Path) -> tuple[float, object]:
    from badminima.data import load_dataset

    start = time.perf_counter()
    ds = load_dataset(name, data_dir=data_dir)
    return time.perf_counter() - start, ds


def run(data_dir: Path) -> dict:
    results = {"data_dir": str(data_dir)}
    with tempfile.TemporaryDirectory(prefix="badminima-bench-cache-") as cache:
        os.environ["BADMINIMA_CACHE_DIR"] = cache
        for name, sub in (("mnist", "mnist"), ("cifar10", "cifar10")):
            first, ds = _time_load(name, data_dir / sub)
            cached, again = _time_load(name, data_dir / sub)
            assert again.source["cache"] is not None and again.x_train.shape == ds.x_train.shape
            results[f"{name}_train_shape"] = list(ds.x_train.shape)
            results[f"{name}_first_seconds"] = round(first, 4)
            results[f"{name}_cached_seconds"] = round(cached, 4)
            results[f"{name}_speedup"] = round(first / cached, 1)
    results["cifar10_cached_under_1s"] = results["cifar10_cached_seconds"] < 1.0
    return results


def main(argv=None) -> int:
    default = Path(os.environ.get("BADMINIMA_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not (args.data_dir / "mnist").is_dir() or not (args.data_dir / "cifar10").is_dir():
        print(f"bench_data: skipped: {args.data_dir} lacks mnist/ and cifar10/ "
              "(set BADMINIMA_SHARED_DATA or pass --data-dir)")
        return 0
    results = run(args.data_dir)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name in ("mnist", "cifar10"):
            print(f"{name:8s} first load {results[f'{name}_first_seconds']:7.3f} s   cached "
                  f"{results[f'{name}_cached_seconds']:6.3f} s   speed-up x{results[f'{name}_speedup']}")
        print(f"target: cached CIFAR-10 < 1 s: {'met' if results['cifar10_cached_under_1s'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
