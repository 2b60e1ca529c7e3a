"""The extrapolation benchmark's reader, protocol and scoring, on small synthetic curves."""

import importlib.util
import json
import sys

import numpy as np
import pytest

from badminima.fitting import laws
from tests.conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    "bench_extrapolation", REPO_ROOT / "benchmarks" / "bench_extrapolation.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_extrapolation", bench)  # dataclasses look their module up
_spec.loader.exec_module(bench)

HEADER = "openmlid,learner,size_train,size_test,outer_seed,inner_seed,traintime,score_train,score_valid,score_test\n"


def _rows(openml_id, learner, train_score=1.0):
    out = []
    for n in (16, 32, 64, 128, 256, 512):
        for seed in range(3):
            err = laws.pow3(n, 0.05, 1.0, 0.5) * (1 + 0.01 * seed)
            out.append(f"{openml_id},{learner},{n},100,{seed},0,0.1,{train_score},0,{1 - err}\n")
    return out


def test_reader_keeps_even_ids_and_interpolating_learners_only(tmp_path):
    path = tmp_path / "database-accuracy.csv"
    path.write_text(HEADER + "".join(_rows(2, "sklearn.tree.DecisionTreeClassifier")
                                     + _rows(3, "sklearn.tree.DecisionTreeClassifier")
                                     + _rows(4, "SVC_linear", train_score=0.97)))
    curves = bench.load_lcdb_curves(path)
    assert [c.name for c in curves] == ["lcdb:2:DecisionTreeClassifier"]
    assert curves[0].n.size == 18 and np.all(curves[0].errors > 0)


def test_protocol_scores_and_targets(tmp_path):
    n = np.repeat([25, 50, 100, 200, 400, 800, 1600, 3200], 3).astype(float)
    curve = bench.Curve("synthetic", n, laws.pow3(n, 0.03, 1.0, 0.5) * np.tile([0.98, 1, 1.02], 8))
    assert bench.n_fitted_sizes(8, 0.25) == 3 and bench.n_fitted_sizes(8, 0.5) == 4
    records = [bench.evaluate(curve, cut, model) for cut in bench.CUTOFFS
               for model in ("auto", "pow3", "pow4", "pow4@none", "last")]
    failed = [r for r in records if "error" in r]
    assert all(r["model"] == "pow4@none" and "4 parameters" in r["error"] for r in failed)
    scores = bench.summarize(records)
    assert scores["pow3"]["0.5"]["median_relative_error"] < 0.05
    assert scores["last"]["0.5"]["median_relative_error"] > 0.3
    assert scores["pow4@none"]["0.25"]["failures"] == 1
    assert scores["pow4"]["0.25"]["failures"] == 0  # the learned prior determines it
    targets = bench.check_targets(scores)
    assert targets["no_empty_answer"]["met"]
    assert set(targets) >= {"auto_vs_best_law", "auto_coverage_80", "auto_coverage_95"}
    for target in targets.values():
        assert target["met"] or target["why"]
    json.dumps(targets)
    cv = bench.check_cv_targets(scores)
    assert set(cv) >= {"auto_vs_best_law_at_0.25", "auto_vs_best_law_at_0.5",
                       "auto_coverage_80", "auto_never_fails"}
    assert cv["auto_vs_best_law_at_0.5"]["best_law_without_prior"] == "pow4@none"
    json.dumps(cv)
    assert "auto" in bench.format_table({"curves": 1, "curves_available": 1, "wall_s": 1.0,
                                         "scores": scores, "targets": targets,
                                         "targets_issue19": cv})
    spread = bench.calibrate_spread([r for r in records if r["model"] == "pow3"])
    assert spread.kappa >= 0 and spread.df in bench.DF_GRID


def test_cross_validation_folds_leave_the_scored_dataset_out():
    """Every curve of a dataset shares a fold, and that fold's prior never saw the dataset."""
    assert bench.dataset_of("lcdb:6:RandomForest") == "lcdb:6"
    assert bench.dataset_of("project:mnist-mlp-full") == bench.dataset_of("project:mnist-cnn")
    k = 3
    assert bench.fold_of("lcdb:6:A", k) == bench.fold_of("lcdb:6:B", k)
    rng = np.random.default_rng(0)
    rows = [{"curve": f"lcdb:{2 * i}:L{j}", "group": f"lcdb:{2 * i}",
             "models": {"pow3": {"u": rng.normal(size=3).tolist(), "misfit": 0.02}}}
            for i in range(30) for j in range(2)]
    priors = bench.fold_priors(rows, k)
    for fold, prior in enumerate(priors):
        kept = sum(bench.fold_of(r["curve"], k) != fold for r in rows)
        assert prior.get("pow3").n_curves == kept < len(rows)


@pytest.mark.slow
def test_project_curves_are_read():
    names = [c.name for c in bench.load_project_curves()]
    assert "project:digits-mlp" in names and "project:cifar10-cnn" in names


def test_recalibrated_spreads_cover_held_out_folds():
    """Synthetic records whose log errors grow 0.1 per e-fold: K-fold calibrated spreads cover
    about 80% / 95% of another fold's points."""
    rng = np.random.default_rng(0)
    records = []
    for i in range(40):
        for cut in bench.CUTOFFS:
            reach = np.log(np.linspace(1.5, 8, 5))
            err = 0.1 * reach * rng.standard_t(6, reach.size)
            records.append({"curve": f"lcdb:{2 * i}:L", "cutoff": cut, "model": "pow3",
                            "relative_error": float(np.mean(np.abs(np.expm1(-err)))),
                            "log_error": err.tolist(), "base_scale": [0.0] * 5,
                            "reach": reach.tolist(), "log_density": [0.0] * 5, "seconds": 0.1,
                            "covered_0.8": [True] * 5, "covered_0.95": [True] * 5})
    scores, spreads, per_fold = bench.recalibrate(records, 4, models=("pow3",))
    assert len(per_fold) == 4 and 0.05 < spreads["pow3"].kappa < 0.2
    for cut in ("0.25", "0.5", "0.75"):
        assert abs(scores["pow3"][cut]["coverage_80"] - 0.8) < 0.1
        assert abs(scores["pow3"][cut]["coverage_95"] - 0.95) < 0.06
