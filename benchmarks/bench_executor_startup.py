"""Start-up cost of the local executor's pool against plain ``spawn`` (issue 20).

The local executor spawns workers that never import the user's ``__main__`` and import torch
only when a task needs it (``badminima.experiments.executors``). Baselines: the pool a user
would otherwise pick, ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` context
(which re-runs the main script in every worker), and badminima 0.1's local pool (the same,
with an initializer that imported torch to limit its threads). Each case runs in a fresh interpreter (a
driver script that imports numpy and badminima, as the README's tour does) and reports the
seconds from creating a 2-worker pool to the first result of a trivial task, and to the first
result of a task that imports torch. Repeats alternate the cases and keep the fastest.

    python benchmarks/bench_executor_startup.py [--repeats 5] [--json]

Report the figures from an idle machine (``uptime``) with the thread count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

_DRIVER = textwrap.dedent("""
    import time, sys
    import numpy as np
    import badminima
    case, task = sys.argv[1], sys.argv[2]
    if task == "trivial":
        fn, arg = abs, -1
    else:  # a module-level function of a module that imports torch
        from badminima.classifiers.devices import resolve_device as fn
        arg = "cpu"
    if case == "badminima":
        from badminima.experiments.executors import LocalExecutor
        start = time.perf_counter()
        with LocalExecutor(workers=2) as pool:
            next(iter(pool.imap_unordered(fn, [arg, arg])))
            first = time.perf_counter() - start
    else:
        import concurrent.futures as cf, multiprocessing as mp
        def _previous_init():  # what badminima 0.1's local pool did in each worker
            import torch
            torch.set_num_threads(1)
        if __name__ == "__main__":
            init = _previous_init if case == "previous" else None
            start = time.perf_counter()
            with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("spawn"), initializer=init) as pool:
                pool.submit(fn, arg).result()
                first = time.perf_counter() - start
    if __name__ == "__main__":
        print(first)
""")


def _time(case: str, task: str, script: str) -> float:
    out = subprocess.run([sys.executable, script, case, task], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "driver.py")
        with open(script, "w") as f:
            f.write(_DRIVER)
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for task in ("trivial", "torch"):
                for case in ("badminima", "spawn", "previous"):
                    key = f"{case}_{task}_s"
                    best[key] = min(best.get(key, float("inf")), _time(case, task, script))
    figures = {**best,
               "speedup_vs_spawn_trivial": best["spawn_trivial_s"] / best["badminima_trivial_s"],
               "speedup_vs_spawn_torch": best["spawn_torch_s"] / best["badminima_torch_s"],
               "speedup_vs_previous_trivial": best["previous_trivial_s"] / best["badminima_trivial_s"],
               "speedup_vs_previous_torch": best["previous_torch_s"] / best["badminima_torch_s"],
               "load_average_1min": os.getloadavg()[0], "workers": 2, "repeats": args.repeats}
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>22}: {value:.3f}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
