"""Each README quick-tour task done from Python with top-level names only (``import badminima``)."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import badminima as bm

def _shrunk(config, **tables):
    """``config`` with some keys of some tables replaced: ``_shrunk(c, sampling={"K": 10})``."""
    return dataclasses.replace(config, **{table: dataclasses.replace(getattr(config, table), **keys)
                                          for table, keys in tables.items()})


def test_all_names_resolve_and_import_is_light():
    for name in bm.__all__:
        assert getattr(bm, name) is not None, name
    code = ("import sys, badminima; assert 'torch' not in sys.modules; "
            "badminima.Beta(2, 30).learning_curve(10); assert 'torch' not in sys.modules; "
            "badminima.MLP; assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bm.nope  # noqa: B018


def test_theory_numbers():
    beta = bm.Beta(2, 30)
    n = np.array([0, 10, 100, 1e6])
    np.testing.assert_allclose(beta.learning_curve(n), 2 / (32 + n))
    np.testing.assert_allclose(bm.learning_curve("beta:a=2,b=30", n), beta.learning_curve(n))
    np.testing.assert_allclose(beta.log_acceptance(n), bm.log_acceptance(beta, n))
    assert beta.bad_fraction(0.05, 100) == bm.bad_fraction("beta:a=2,b=30", 0.05, 100)
    bound, eps1 = beta.bound(0.05, 100)
    assert beta.bad_fraction(0.05, 100) <= bound < 1 and 0 < eps1 < 0.05
    size = beta.sample_size(0.05, 0.01)
    assert size == bm.sample_size("beta:a=2,b=30", 0.05, 0.01)
    assert size.exact <= size.from_bound
    assert beta.bad_fraction(0.05, size.exact) <= 0.01 < beta.bad_fraction(0.05, size.exact - 1)
    np.testing.assert_allclose(beta.posterior(100).mean(), beta.learning_curve(100))
    perceptron = bm.SphericalPerceptron(10)
    np.testing.assert_allclose(bm.error_std("perceptron:N=10", [1, 10]), perceptron.error_std([1, 10]))
    with pytest.raises(bm.InvalidParameterError, match="Unknown density"):
        bm.learning_curve("nope:a=1", 10)


def test_data_info_on_digits():
    data = bm.load_dataset("digits")
    assert isinstance(data, bm.Dataset)
    assert data.n_classes == 10 and len(data.y_train) + len(data.y_test) == 1797


def test_tiny_guess_check(tmp_path):
    config = bm.load_config("gc-perceptron")
    assert isinstance(config, bm.GuessCheckConfig)
    config = _shrunk(config, sampling={"K": 4000, "chunk_size": 2000, "R": 4, "n_max": 10, "device": "cpu"},
                     theory={"hist_n": (0, 5)})
    result = bm.run_guess_check(config, executor="serial", progress=False)
    assert result.measured["acceptance_measured"][0] == 1.0
    assert np.all(np.diff(result.measured["acceptance_measured"]) <= 0)
    written = bm.write_guess_check_outputs(result, tmp_path / "out")
    assert written["json"].is_file()


def test_tiny_gibbs(tmp_path):
    config = _shrunk(bm.load_config("gibbs-perceptron"), grid={"dims": (5,), "alphas": (1.0, 2.0), "training_sets": 2},
                     sampler={"chains": 2, "samples": 20}, rejection={"samples": 2000, "chunk": 1000})
    result = bm.run_gibbs(config, executor="serial")
    columns = result["columns"]
    assert columns["n"] == [5, 10]
    assert all(0 < e < 0.5 for e in columns["learning_curve_measured"])
    assert columns["learning_curve_annealed"][1] < columns["learning_curve_annealed"][0]
    assert [p.name for p in bm.write_gibbs_results(result, tmp_path / "out")] == ["results.json", "results.csv", "runs.csv"]


def test_tiny_version_space(tmp_path):
    config = _shrunk(bm.load_config("vs-synthetic"), smc={"particles": 32, "checkpoints": (2, 4), "max_moves": 3},
                     runs={"training_sets": 1, "runs": 2, "rejection": 0})
    result = bm.run_version_space(config, executor="serial", progress=False)
    assert result.columns["n"] == [2, 4] and all(v < 0 for v in result.columns["log_z"])
    assert [p.name for p in result.write(tmp_path / "out")] == ["results.json", "results.csv", "runs.csv",
                                                                 "particles.nc"]


@pytest.mark.slow
def test_tiny_sweep_then_fit_and_plan(tmp_path, one_torch_thread):
    config = bm.load_config("digits-mlp")
    assert isinstance(config, bm.SweepConfig)
    config = _shrunk(config, sweep={"sizes": (25, 50, 100, 200), "seeds": (0, 1), "include_full": False,
                                    "device": "cpu"})
    summary = bm.run_sweep(config, tmp_path / "runs.db", executor="serial", progress=False)
    assert summary.completed == 8 and summary.not_zero == 0
    table = bm.learning_curve_table(tmp_path / "runs.db")
    assert list(table.n) == [25, 50, 100, 200] and table.mean[0] > table.mean[-1]
    n, errors = bm.load_learning_curve(tmp_path / "runs.db")
    fit = bm.LearningCurveFit("pow3", n_bootstrap=0).fit(n, errors)
    assert np.all(np.diff(fit.predict([100, 1000, 10000])) < 0)
    plan = bm.plan_sample_size(fit, float(fit.predict([1000])[0]))
    assert 900 <= plan.n <= 1000
    reports = bm.compare_models(n, errors, models=("pow3", "shifted-beta"), n_bootstrap=0)
    assert {r.model for r in reports} == {"pow3", "shifted-beta"}


def test_load_config_from_a_path_and_by_kind(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "x"\n[data]\ndataset = "digits"\n')
    with pytest.raises(bm.ConfigError, match="cannot tell the experiment kind"):
        bm.load_config(path)
    assert isinstance(bm.load_config(path, kind="sweep"), bm.SweepConfig)
    with pytest.raises(bm.ConfigError, match="no packaged config 'nope'"):
        bm.load_config("nope")


def test_packaged_configs_load_by_name_for_every_kind():
    kinds = {bm.SweepConfig: 0, bm.GuessCheckConfig: 0, bm.GibbsConfig: 0, bm.VersionSpaceConfig: 0}
    for name in bm.packaged_config_names():
        kinds[type(bm.load_config(name))] += 1
    assert all(kinds.values()), kinds


@pytest.mark.parametrize("layer", ["theory", "data", "classifiers", "sampling", "training", "fitting",
                                   "experiments", "report", "cli"])
def test_every_layer_exports_its_public_names(layer):
    import importlib

    module = importlib.import_module(f"badminima.{layer}")
    assert module.__all__, layer
    for name in module.__all__:
        assert getattr(module, name) is not None, f"badminima.{layer}.{name}"
