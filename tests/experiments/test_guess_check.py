"""The Guess & Check experiment: worker-count invariance, outputs, config errors, CLI."""

import json

import numpy as np
import pytest

from badminima.cli.main import main
from badminima.errors import ConfigError
from badminima.experiments.data_spec import DataSpec
from badminima.experiments.guess_check import REQUIRED_SERIES, run_guess_check, write_guess_check_outputs
from badminima.experiments.guess_check_config import (
    FunctionSetSpec,
    GuessCheckConfig,
    SamplingSection,
    SGDSection,
    TheorySection,
    load_guess_check_config,
)
from badminima.fitting import read_curve_csv

SMALL = GuessCheckConfig(
    name="small",
    data=DataSpec("synthetic-mlp", options={"dim": 3, "n_train": 300, "n_test": 2000, "teacher_hidden": [3]}),
    model=FunctionSetSpec("mlp", widths=(6,)),
    sampling=SamplingSection(K=4000, chunk_size=500, R=5, n_max=12, device="cpu"),
    theory=TheorySection(eps0=0.3, bins=10, hist_n=(0, 4)))

CONFIG_TEXT = """
name = "tiny"
[data]
dataset = "synthetic-linear"
options = { dim = 4, n_train = 300, n_test = 10 }
[model]
arch = "perceptron"
[sampling]
K = 3000
chunk_size = 1000
R = 4
n_max = 10
error = "exact-linear"
device = "cpu"
[theory]
density = "perceptron"
eps0 = 0.2
hist_n = [0, 5]
[sgd]
enabled = true
n = 5
training_sets = 2
members = 16
max_steps = 500
"""


@pytest.mark.slow
def test_same_result_with_1_or_4_workers():
    serial = run_guess_check(SMALL, executor="serial", progress=False)
    pooled = run_guess_check(SMALL, executor="local", workers=4, progress=False)
    np.testing.assert_array_equal(serial.test_errors, pooled.test_errors)
    np.testing.assert_array_equal(serial.first_mistake, pooled.first_mistake)
    for key, value in serial.measured.items():
        np.testing.assert_array_equal(value, pooled.measured[key], err_msg=key)


def test_outputs_hold_the_required_series(tmp_path):
    result = run_guess_check(SMALL, executor="serial", progress=False)
    paths = write_guess_check_outputs(result, tmp_path)
    data = json.loads(paths["json"].read_text())
    n = data["n"]
    assert n == list(range(13)) and data["K"] == 4000 and data["R"] == 5 and data["eps0"] == 0.3
    for key in REQUIRED_SERIES:
        assert len(data[key]) == len(n), key
    assert data["acceptance_measured"][0] == 1.0 and data["acceptance_predicted"][0] == pytest.approx(1.0)
    # acceptance decreases with n; E_0 is the mean sampled error
    acc = np.array(data["acceptance_measured"])
    assert np.all(np.diff(acc) <= 0)
    assert data["learning_curve_predicted"][0] == pytest.approx(result.test_errors.mean())
    header = paths["csv"].read_text().splitlines()[0].split(",")
    assert header[0] == "n" and set(REQUIRED_SERIES) <= set(header)
    saved = np.load(paths["npz"])
    np.testing.assert_array_equal(saved["first_mistake"], result.first_mistake)


def test_survivors_first_balanced_run_with_sgd_at_several_sizes(tmp_path):
    import dataclasses
    config = dataclasses.replace(
        SMALL, sampling=SamplingSection(K=3000, chunk_size=1000, R=4, n_max=12, device="cpu", balanced=True,
                                        evaluate="survivors", n_min=6, subsample=0.2),
        sgd=SGDSection(enabled=True, n=(4, 8), training_sets=2, members=8, max_steps=300))
    result = run_guess_check(config, executor="serial", progress=False)
    assert result.info["evaluate"] == "survivors" and result.info["evaluated"] < 3000
    assert np.isnan(result.test_errors).any() and result.subsample.mean() == pytest.approx(0.2, abs=0.03)
    assert set(result.sgd["by_n"]) == {"4", "8"} and result.sgd["n"] == 8
    assert np.isfinite(result.sgd["by_n"]["4"]["gc_test_errors"]).all()  # n < n_min: the subsample's survivors
    paths = write_guess_check_outputs(result, tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["test_error_summary"]["count"] == int(result.subsample.sum())
    assert np.array_equal(np.load(paths["npz"])["subsample"], result.subsample)


def test_toml_config_cli_and_sgd(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(CONFIG_TEXT)
    config = load_guess_check_config(path)
    assert config.model.function_set().__class__.__name__ == "Perceptron" and config.sgd.members == 16
    out = tmp_path / "out"
    assert main(["guess-check", str(path), "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["sgd"]["converged"] >= 1 and "ks_statistic" in data["sgd"]
    assert "acceptance_predicted_empirical" in data
    for name in ("acceptance", "learning_curve", "bad_fraction", "survivor_histograms", "sgd_comparison"):
        assert (out / f"{name}.png").stat().st_size > 1000
    assert "tiny: K=3000" in capsys.readouterr().out
    n, errors = read_curve_csv(out / "runs.csv")              # per training set and n: a fit input
    assert n.min() >= 1 and n.max() <= config.sampling.n_max and np.all((errors >= 0) & (errors <= 1))
    for size in np.unique(n):
        assert np.mean(errors[n == size]) == pytest.approx(data["learning_curve_measured"][int(size)])
    assert main(["fit", str(out / "runs.csv"), "--models", "pow3", "--json"]) == 0


@pytest.mark.parametrize("text,match", [
    ("[sampling]\nK = 'many'", r"\[sampling\] key 'K' must be an int"),
    ("[sampling]\nR = 0", r"'R' parameter of \[sampling\]"),
    ("[sampling]\nbatch = 3", r"unknown key 'batch'"),
    ("[model]\narch = 'rnn'", r"\[model\].*'arch'.*Got 'rnn'"),
    ("[model]\narch = 'perceptron'\nwidths = [3]", r"\[model\].*does not take the option 'widths'"),
    ("[model]\nkind = 'mlp'", r"\[model\] key 'kind' is no longer read: 'kind' is now 'arch'"),
    ("[model]\noptions = { widths = [3] }", r"\[model\] key 'options' is no longer read"),
    ("[data]\nname = 'digits'", r"\[data\] key 'name' is no longer read: 'name' is now 'dataset'"),
    ("[data]\noptions = { colour = 1 }", r"\[data\].*'options.colour'"),
    ("[theory]\neps0 = 1.5", r"'eps0' parameter of \[theory\]"),
    ("[theory]\nhist_n = [100]", r"hist_n.*above \[sampling\] n_max"),
    ("[sampling]\nsubsample = 0", r"'subsample' parameter of \[sampling\]"),
    ("[sampling]\nevaluate = 'some'", r"'evaluate' parameter of \[sampling\].*'survivors'"),
])
def test_malformed_config_names_the_key(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_guess_check_config(path)


def test_cli_reports_bad_config_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[sampling]\nK = -1")
    assert main(["guess-check", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("badminima guess-check: error:") and "'K'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["gc-separable-mlp", "gc-perceptron", "gc-mnist-01", "gc-vs-sgd",
                                  "gc-mnist-07-vs-sgd"])
def test_shipped_configs_load(name):
    from pathlib import Path
    config = load_guess_check_config(Path(__file__).resolve().parents[2] / "configs" / f"{name}.toml")
    assert config.name == name


def test_the_docstring_example_is_the_packaged_config():
    """guess_check_config's docstring shows configs/gc-separable-mlp.toml: the two give one config."""
    import textwrap
    import tomllib

    from badminima.experiments import guess_check_config
    from badminima.experiments.configfile import config_from_dict
    from badminima.experiments.configs import load_config

    doc = guess_check_config.__doc__
    block = doc.split("::\n", 1)[1].split("\n\n", 1)[0]
    example = config_from_dict(tomllib.loads(textwrap.dedent(block)), GuessCheckConfig, where="docstring")
    assert example == load_config("gc-separable-mlp")
