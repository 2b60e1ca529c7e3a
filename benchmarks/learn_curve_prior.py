"""Learn the prior over learning-curve shapes from the development curves (empirical Bayes).

Every development curve of ``bench_extrapolation.py`` (the Learning Curve Database's
interpolating learners on datasets with an **even** OpenML id, read without importing
``lcdb``, odd ids skipped before parsing; plus this project's curves in
``docs/results-data``, the digits demo curve among them) is fitted without a prior on all
its sizes by every model of :data:`PRIOR_MODELS`. The per-curve estimates (optimizer
coordinates) and relative misfits go to a cache (``--estimates``), and
:func:`badminima.fitting.prior.learn_curve_prior` turns them into the prior (moment
matching, docs/fitting.md), written to ``src/badminima/fitting/data/curve_prior.json``.

``bench_extrapolation.py --cross-validate`` reads the same cache to learn one prior per fold
of datasets, each without the curves it scores.

Usage::

    python benchmarks/learn_curve_prior.py [--max-curves N] [--seed S] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_extrapolation as bench  # noqa: E402

from badminima.errors import BadminimaError  # noqa: E402
from badminima.fitting import LearningCurveFit, get_model  # noqa: E402
from badminima.fitting.data import curve_data  # noqa: E402
from badminima.fitting.parametric import _Transform  # noqa: E402
from badminima.fitting.prior import CurvePrior, learn_curve_prior  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "src" / "badminima" / "fitting" / "data" / "curve_prior.json"
ESTIMATES = REPO / "benchmarks" / "output" / "curve_estimates.json"
#: The parametric models that get a prior (the free-form density has none).
PRIOR_MODELS = ("pow2", "pow2-tail", "pow3", "pow4", "mmf4", "wbl4", "exp3",
                "shifted-beta", "rare-good-tail")


#: The dataset of a curve (folds are by dataset).
group_of = bench.dataset_of


def estimate_curve(curve, models=PRIOR_MODELS) -> dict:
    """Prior-free fits of every model on the whole curve: coordinates and relative misfit."""
    data = curve_data(curve.n, np.clip(curve.errors, 0, 1))
    out = {"curve": curve.name, "group": group_of(curve.name), "models": {}}
    for name in models:
        try:
            fit = LearningCurveFit(name, n_bootstrap=0, prior="none").fit(data.n, data.errors)
        except BadminimaError as exc:
            logging.info("%s %s: %s", curve.name, name, exc)
            continue
        spec = get_model(name)
        u = _Transform(spec, 1.0).to_u(fit.result_.theta)
        used = data.sizes[-spec.tail:] if spec.tail else data.sizes
        means = data.means[np.isin(data.sizes, used)]
        misfit = float(np.sqrt(np.mean((fit.predict(used) / means - 1) ** 2)))
        if np.all(np.isfinite(u)) and np.isfinite(misfit):
            out["models"][name] = {"u": u.tolist(), "misfit": misfit}
    return out


def prior_from_estimates(rows, exclude_groups=(), source="", extras=None) -> CurvePrior:
    """The prior learned from the cached per-curve estimates, leaving out some datasets."""
    excluded = set(exclude_groups)
    estimates, misfits = {}, {}
    for row in rows:
        if row["group"] in excluded:
            continue
        for name, est in row["models"].items():
            estimates.setdefault(name, []).append(est["u"])
            misfits.setdefault(name, []).append(est["misfit"])
    return learn_curve_prior({k: np.array(v) for k, v in estimates.items()}, misfits,
                             source=source, extras=extras)


def development_curves(max_curves: int, seed: int):
    curves = [c for c in bench.load_project_curves() + bench.load_lcdb_curves(bench.lcdb_csv())
              if bench.usable(c)]
    return bench.select_curves(curves, max_curves, seed), len(curves)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-curves", type=int, default=0,
                        help="seeded subsample of the development curves (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--estimates", type=Path, default=ESTIMATES,
                        help="cache of the per-curve estimates (reused when it exists)")
    parser.add_argument("--refit", action="store_true", help="ignore the cache")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    began = time.perf_counter()
    if args.estimates.exists() and not args.refit:
        rows = json.loads(args.estimates.read_text())["curves"]
    else:
        curves, available = development_curves(args.max_curves, args.seed)
        if args.workers > 1:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                rows = list(pool.map(estimate_curve, curves, chunksize=4))
        else:
            rows = [estimate_curve(c) for c in curves]
        args.estimates.parent.mkdir(parents=True, exist_ok=True)
        args.estimates.write_text(json.dumps({"curves_available": available,
                                              "max_curves": args.max_curves,
                                              "seed": args.seed, "curves": rows}))
    n_lcdb = sum(r["curve"].startswith("lcdb:") for r in rows)
    source = (f"{len(rows)} development curves ({n_lcdb} from LCDB, even OpenML ids only; "
              f"{len(rows) - n_lcdb} of this project), whole-curve fits without a prior")
    prior = prior_from_estimates(rows, source=source,
                                 extras={"method": "moment matching (winsorized mean and "
                                         "covariance, shrunk towards the diagonal)",
                                         "script": "benchmarks/learn_curve_prior.py",
                                         "max_curves": args.max_curves, "seed": args.seed})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    prior.save(args.output)
    print(f"{source}; {len(prior.models)} models; wrote {args.output} "
          f"({time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
