"""Benchmark: extrapolating real learning curves, point predictions and predictive intervals.

Curves (development set, docs/fitting.md):

* the Learning Curve Database (``pip install -e '.[bench]'``: the ``lcdb`` package ships
  ``database-accuracy.csv``): every (OpenML dataset, learner) curve whose learner reaches
  zero training error (training accuracy 1 at every size and seed), on datasets with an
  **even** OpenML id only (odd ids are held out for validation elsewhere: they are skipped
  while the file is read and never looked at), with at least 6 sizes and a positive mean
  test error at every size (the scores are relative);
* this project's own curves: ``docs/results-data/*-runs.csv`` (digits MLP, MNIST MLP/CNN,
  CIFAR-10 CNN).

Protocol: for each curve with ``S`` distinct sizes and each cutoff fraction ``f`` in
(1/4, 1/2, 3/4), every model is fitted to the runs at the first ``max(3, floor(f S))`` sizes
and predicts every larger size. Scores per model and cutoff: the median over curves of the
mean relative error ``|pred - mean| / mean`` at the held-out sizes, the mean log predictive
density of the held-out means (per point, in ``ln e``), and the empirical coverage of the
80% and 95% predictive intervals (pooled over held-out points). A model that cannot be
fitted to a curve is recorded with its message (``failures``), never skipped silently.

``--max-curves`` draws a seeded subsample of the curves (default 24 with 2 worker processes:
578 s measured under a load average of ~17, 377 s under ~5-12, on 2 shared cores (same
scores: the run is seeded; the idle time is not measured yet); ``--max-curves 0`` runs
every curve.
``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import logging
import math
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from badminima.errors import BadminimaError
from badminima.fitting import LearningCurveFit, read_curve_csv
from badminima.fitting.data import curve_data

REPO = Path(__file__).resolve().parents[1]
CUTOFFS = (0.25, 0.5, 0.75)
SINGLE_MODELS = ("pow3", "pow4", "mmf4", "wbl4", "exp3", "pow2", "pow2-tail", "last",
                 "shifted-beta", "memorization", "rare-good-tail", "nonparametric")
#: The literature's laws of the target (issue 13's list of baselines).
LAWS = ("pow3", "pow4", "mmf4", "wbl4", "exp3")
#: Every single law in the run, with the pure power laws ``auto`` itself combines (reported).
ALL_LAWS = ("pow2", "pow2-tail") + LAWS
LEVELS = (0.8, 0.95)
MIN_SIZES = 6

#: The targets of issue 13 (docs/fitting.md).
TARGET_RATIO = 0.8
TARGET_COVERAGE = {0.8: (0.75, 0.85), 0.95: (0.90, 0.97)}


@dataclass(frozen=True)
class Curve:
    name: str
    n: np.ndarray
    errors: np.ndarray


def lcdb_csv() -> Path:
    """``database-accuracy.csv`` of the installed ``lcdb`` package, found without importing it
    (``import lcdb`` needs ``openml``)."""
    spec = importlib.util.find_spec("lcdb")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the lcdb package is not installed: pip install -e '.[bench]'")
    return Path(list(spec.submodule_search_locations)[0]) / "database-accuracy.csv"


def load_lcdb_curves(path: Path) -> list[Curve]:
    """Zero-training-error curves of even-id datasets, read row by row (odd ids skipped)."""
    runs = defaultdict(list)
    interpolates = defaultdict(lambda: True)
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        col = {name: i for i, name in enumerate(next(reader))}
        for row in reader:
            openml_id = int(row[col["openmlid"]])
            if openml_id % 2:
                continue  # odd ids are the held-out validation set: never read further
            key = (openml_id, row[col["learner"]])
            train, test = row[col["score_train"]], row[col["score_test"]]
            if not train or not test or float(train) != 1.0:
                interpolates[key] = False
                continue
            runs[key].append((int(row[col["size_train"]]), 1.0 - float(test)))
    curves = []
    for key in sorted(runs):
        if not interpolates[key]:
            continue
        arr = np.array(runs[key])
        curves.append(Curve(f"lcdb:{key[0]}:{key[1].rsplit('.', 1)[-1]}", arr[:, 0], arr[:, 1]))
    return curves


def load_project_curves() -> list[Curve]:
    """This project's measured curves, ``docs/results-data/*-runs.csv``."""
    return [Curve(f"project:{path.stem.removesuffix('-runs')}", *read_curve_csv(path))
            for path in sorted((REPO / "docs" / "results-data").glob("*-runs.csv"))]


def usable(curve: Curve) -> bool:
    data = curve_data(curve.n, np.clip(curve.errors, 0, 1))
    return data.sizes.size >= MIN_SIZES and bool(np.all(data.means > 0))


def select_curves(curves: list[Curve], max_curves: int, seed: int) -> list[Curve]:
    """Every project curve plus a seeded subsample of the others (``max_curves`` in all)."""
    project = [c for c in curves if c.name.startswith("project:")]
    other = [c for c in curves if not c.name.startswith("project:")]
    if max_curves and len(project) + len(other) > max_curves:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(other), size=max(0, max_curves - len(project)), replace=False)
        other = [other[i] for i in sorted(keep)]
    return project + other


def n_fitted_sizes(n_sizes: int, fraction: float) -> int:
    return max(3, int(math.floor(fraction * n_sizes)))


def evaluate(curve: Curve, fraction: float, model: str, bootstrap: int = 0) -> dict:
    """Fit ``model`` on the first sizes, predict the rest: one record (or its failure)."""
    data = curve_data(curve.n, np.clip(curve.errors, 0, 1))
    k = n_fitted_sizes(data.sizes.size, fraction)
    mask = np.arange(data.sizes.size) < k
    train, held, observed = data.select(mask), data.sizes[~mask], data.means[~mask]
    record = {"curve": curve.name, "cutoff": fraction, "model": model}
    began = time.perf_counter()
    try:
        fit = LearningCurveFit(model, n_bootstrap=bootstrap).fit(train.n, train.errors)
        predictive = fit.predictive(held)
        predicted = fit.predict(held)
    except BadminimaError as exc:
        return record | {"error": str(exc)}
    record |= {"seconds": time.perf_counter() - began,
               "relative_error": float(np.mean(np.abs(predicted - observed) / observed)),
               "log_density": predictive.logpdf(observed).tolist(),
               "log_error": (np.log(predicted) - np.log(observed)).tolist(),
               "scale": predictive.scale.tolist()}
    for level in LEVELS:
        low, high = predictive.interval(level)
        record[f"covered_{level}"] = ((low <= observed) & (observed <= high)).tolist()
    return record


def summarize(records: list[dict]) -> dict:
    """Per model and cutoff: median relative error, mean LPD, coverages, failures."""
    grouped = defaultdict(list)
    for r in records:
        grouped[(r["model"], r["cutoff"])].append(r)
    out = defaultdict(dict)
    for (model, cutoff), rows in sorted(grouped.items()):
        ok = [r for r in rows if "error" not in r]
        entry = {"curves": len(rows), "failures": len(rows) - len(ok),
                 "failure_messages": sorted({f"{r['curve']}: {r['error']}"
                                             for r in rows if "error" in r})[:5]}
        if ok:
            lpd = np.concatenate([r["log_density"] for r in ok])
            entry |= {"median_relative_error": float(np.median([r["relative_error"] for r in ok])),
                      "mean_log_predictive_density": float(np.mean(lpd[np.isfinite(lpd)]))
                      if np.any(np.isfinite(lpd)) else None,
                      "seconds_per_fit": float(np.mean([r["seconds"] for r in ok]))}
            for level in LEVELS:
                entry[f"coverage_{int(level * 100)}"] = float(np.mean(np.concatenate(
                    [r[f"covered_{level}"] for r in ok])))
        out[model][str(cutoff)] = entry
    return dict(out)


def check_targets(scores: dict) -> dict:
    """Each target of issue 13 met or not, and why."""
    half = str(0.5)
    laws = {m: scores[m][half].get("median_relative_error") for m in LAWS if m in scores}
    laws = {m: v for m, v in laws.items() if v is not None}
    best_law = min(laws, key=laws.get)
    auto = scores["auto"]
    ratio = auto[half]["median_relative_error"] / laws[best_law]
    singles = {m: scores[m][half].get("median_relative_error") for m in scores if m != "auto"}
    singles = {m: v for m, v in singles.items() if v is not None}
    best_single = min(singles, key=singles.get)
    every_law = {m: v for m, v in singles.items() if m in ALL_LAWS}
    best_any_law = min(every_law, key=every_law.get)
    targets = {"auto_vs_best_law": {
        "met": ratio <= TARGET_RATIO, "ratio": ratio, "best_law": best_law,
        "required": f"<= {TARGET_RATIO}",
        "best_single_model": best_single,
        "ratio_to_best_single_model": auto[half]["median_relative_error"] / singles[best_single],
        "best_law_including_pow2": best_any_law,
        "ratio_to_best_law_including_pow2":
            auto[half]["median_relative_error"] / every_law[best_any_law],
        "why": "" if ratio <= TARGET_RATIO else
        f"auto's median relative error at the half cutoff is {ratio:.2f} x {best_law}'s: "
        f"its candidates miss in the same direction on most curves, which no weighting "
        f"corrects (docs/fitting.md, limits)."}}
    for level, (low, high) in TARGET_COVERAGE.items():
        key = f"coverage_{int(level * 100)}"
        values = {cut: auto[cut][key] for cut in auto}
        met = all(low <= v <= high for v in values.values())
        targets[f"auto_{key}"] = {
            "met": met, "by_cutoff": values, "required": [low, high],
            "why": "" if met else f"coverage outside [{low}, {high}] at cutoff(s) "
            f"{', '.join(c for c, v in values.items() if not low <= v <= high)}"}
    failures = {m: sum(e["failures"] for e in by_cut.values()) for m, by_cut in scores.items()}
    targets["no_empty_answer"] = {
        "met": failures.get("auto", 0) == 0,
        "auto_failures": failures.get("auto", 0),
        "model_failures_with_message": failures,
        "why": "" if failures.get("auto", 0) == 0 else "auto failed on some curves"}
    return targets


def evaluate_curve(curve: Curve, models, bootstrap: int) -> list[dict]:
    """Every model at every cutoff on one curve."""
    logging.info("%s", curve.name)
    return [evaluate(curve, fraction, model, bootstrap)
            for fraction in CUTOFFS for model in models]


def run(max_curves: int, seed: int, models, bootstrap: int, workers: int = 2) -> dict:
    began = time.perf_counter()
    curves = [c for c in load_project_curves() + load_lcdb_curves(lcdb_csv()) if usable(c)]
    chosen = select_curves(curves, max_curves, seed)
    jobs = [(curve, models, bootstrap) for curve in chosen]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            per_curve = list(pool.map(evaluate_curve, *zip(*jobs)))
    else:
        per_curve = [evaluate_curve(*job) for job in jobs]
    records = [record for rows in per_curve for record in rows]
    scores = summarize(records)
    return {"benchmark": "extrapolation", "curves_available": len(curves),
            "curves": len(chosen), "seed": seed, "cutoffs": list(CUTOFFS),
            "odd_openml_ids": "never read (held out)",
            "scores": scores,
            "targets": check_targets(scores) if "auto" in scores else None,
            "wall_s": time.perf_counter() - began}


def format_table(result: dict) -> str:
    lines = [f"{result['curves']} curves (of {result['curves_available']}), "
             f"{result['wall_s']:.0f} s"]
    head = (f"{'model':<15}" + "".join(f"  {'relerr@' + c:>10}" for c in ("1/4", "1/2", "3/4"))
            + f"  {'LPD@1/2':>8}  {'cov80@1/2':>9}  {'cov95@1/2':>9}  {'fail':>4}")
    lines += [head, "-" * len(head)]
    for model, by_cut in result["scores"].items():
        cells = [by_cut.get(str(c), {}).get("median_relative_error") for c in CUTOFFS]
        half = by_cut.get("0.5", {})
        fails = sum(e["failures"] for e in by_cut.values())
        lines.append(f"{model:<15}" + "".join(f"  {_fmt(v):>10}" for v in cells)
                     + f"  {_fmt(half.get('mean_log_predictive_density')):>8}"
                     f"  {_fmt(half.get('coverage_80')):>9}  {_fmt(half.get('coverage_95')):>9}"
                     f"  {fails:>4}")
    if result.get("targets"):
        for name, t in result["targets"].items():
            lines.append(f"target {name}: {'met' if t['met'] else 'NOT met: ' + t['why']}")
    return "\n".join(lines)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-curves", type=int, default=24,
                        help="curves in the seeded subsample (0: all; default 24)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes, one curve each at a time (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the curve subsample")
    parser.add_argument("--models", default=",".join(("auto",) + SINGLE_MODELS),
                        help="comma-separated models (default: auto and every baseline)")
    parser.add_argument("--bootstrap", type=int, default=0,
                        help="bootstrap refits per fit (default 0: intervals use the "
                             "delta method, which does not need them)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each curve")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    result = run(args.max_curves, args.seed, [m.strip() for m in args.models.split(",")],
                 args.bootstrap, args.workers)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
