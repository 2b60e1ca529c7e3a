"""Gibbs experiment: quenched below annealed, agreement with rejection, worker invariance, CLI."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from badminima.cli.main import main
from badminima.errors import ConfigError
from badminima.experiments.configfile import config_from_dict
from badminima.experiments.gibbs import COLUMNS, run_gibbs
from badminima.experiments.gibbs_config import (
    ExecutorSpec, GibbsConfig, GridSpec, RejectionSpec, SamplerSpec, load_gibbs_config)
from badminima.fitting import read_curve_csv

NO_REJECTION = RejectionSpec(samples=0)


def _config(dims=(10,), alphas=(1.0, 3.0), sets=2, samples=20, rejection=NO_REJECTION, eps0=0.1, seed=0):
    return GibbsConfig(seed=seed, eps0=eps0, grid=GridSpec(dims=dims, alphas=alphas, training_sets=sets),
                       sampler=SamplerSpec(samples=samples), rejection=rejection,
                       executor=ExecutorSpec(name="serial"))


def _annealed_z(dim, n):
    """Z_n of D ∝ sin^(N-2)(pi eps) by direct quadrature (independent of badminima.theory)."""
    weight = lambda e: math.sin(math.pi * e) ** (dim - 2)
    return quad(lambda e: weight(e) * (1 - e) ** n, 0, 1)[0] / quad(weight, 0, 1)[0]


@pytest.mark.slow
def test_quenched_error_falls_below_the_annealed_one_for_n20():
    # Statistical mechanics of learning: for Gibbs learning of the perceptron the annealed
    # approximation overestimates the generalization error at alpha >= 2.
    result = run_gibbs(_config(dims=(20,), alphas=(2.0, 5.0), sets=16, samples=25))
    cols = result["columns"]
    for k in range(2):
        annealed_z = _annealed_z(20, cols["n"][k] + 1) / _annealed_z(20, cols["n"][k])
        assert cols["learning_curve_annealed"][k] == pytest.approx(1 - annealed_z, rel=1e-6)
        gap = cols["learning_curve_annealed"][k] - cols["learning_curve_measured"][k]
        assert gap > 3 * cols["learning_curve_stderr"][k] > 0
        assert cols["rhat"][k] < 1.1


def test_sampler_agrees_with_rejection_where_rejection_works():
    config = _config(dims=(8,), alphas=(0.5, 1.0, 1.5), sets=4, samples=100, eps0=0.3,
                     rejection=RejectionSpec(samples=200_000, chunk=100_000, min_survivors=50))
    cols = run_gibbs(config)["columns"]
    for k, n in enumerate(cols["n"]):
        z, z_se = cols["rejection_acceptance"][k], cols["rejection_acceptance_stderr"][k]
        assert abs(z - _annealed_z(8, n)) < 4 * z_se      # pooled acceptance estimates Z_n
        se = math.hypot(cols["learning_curve_mc_stderr"][k], cols["rejection_mc_stderr"][k])
        assert abs(cols["learning_curve_measured"][k] - cols["rejection_learning_curve"][k]) < 4 * se
        assert abs(cols["bad_fraction_measured"][k] - cols["rejection_bad_fraction"][k]) < 0.05


def test_rejection_columns_are_nan_where_acceptance_is_too_small():
    config = _config(dims=(20,), alphas=(5.0,), sets=1, samples=10,
                     rejection=RejectionSpec(samples=10_000, chunk=10_000))
    cols = run_gibbs(config)["columns"]
    assert cols["rejection_acceptance"] == [0.0]
    assert math.isnan(cols["rejection_learning_curve"][0])


def _same(a, b):
    return all(np.array_equal(np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float), equal_nan=True)
               for k in COLUMNS)


@pytest.mark.slow
def test_same_seed_same_result_with_1_and_4_workers():
    config = _config(rejection=RejectionSpec(samples=20_000, chunk=5_000))
    serial = run_gibbs(config, executor="serial")
    parallel = run_gibbs(config, executor="local", workers=4)
    assert _same(serial["columns"], parallel["columns"])
    assert serial["cells"] == parallel["cells"]
    other_seed = run_gibbs(_config(seed=1, rejection=RejectionSpec(samples=20_000, chunk=5_000)))
    assert not _same(serial["columns"], other_seed["columns"])


def test_cli_writes_results_and_figures(tmp_path, capsys):
    config = tmp_path / "gibbs.toml"
    config.write_text('name = "tiny"\n[grid]\ndims = [6]\nalphas = [1.0, 4.0]\ntraining_sets = 2\n'
                      '[sampler]\nsamples = 10\n[rejection]\nsamples = 2000\nchunk = 1000\n'
                      '[executor]\nname = "serial"\n')
    assert main(["gibbs", str(config), "--out", str(tmp_path / "out")]) == 0
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    for key in ("n", "alpha", "N", "learning_curve_measured", "learning_curve_stderr",
                "learning_curve_annealed", "bad_fraction_measured", "bad_fraction_annealed",
                "bad_fraction_bound", "eps0", "rhat", "ess", "rejection_learning_curve", "config"):
        assert key in document
    assert document["n"] == [6, 24] and document["alpha"] == [1.0, 4.0]
    assert document["rejection_learning_curve"][1] is None           # NaN -> null
    header = (tmp_path / "out" / "results.csv").read_text().splitlines()[0]
    assert header.split(",") == list(COLUMNS)
    for figure in ("learning_curve.png", "bad_fraction.png"):
        assert (tmp_path / "out" / figure).stat().st_size > 1000
    assert "tiny: 4 cells" in capsys.readouterr().out
    runs = tmp_path / "out" / "runs.csv"                              # the cells, a fit input
    n, errors = read_curve_csv(runs)
    assert sorted(n.tolist()) == [6, 6, 24, 24] and np.all((errors >= 0) & (errors <= 0.5))
    for size, measured in zip(document["n"], document["learning_curve_measured"]):
        assert np.mean(errors[n == size]) == pytest.approx(measured)
    assert main(["fit", str(runs), "--json"]) == 0


def test_cli_bad_config_exits_2(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text('[sampler]\nmethod = "metropolis"\n')
    assert main(["gibbs", str(config)]) == 2
    assert "'method'" in capsys.readouterr().err


@pytest.mark.parametrize("data, match", [
    ({"grid": {"dims": [20], "alphas": [0.01, 0.02]}}, "sizes"),
    ({"grid": {"alphas": [-1.0]}}, "'alphas'"),
    ({"eps0": 1.5}, "'eps0'"),
    ({"sampler": {"chains": 0}}, "'chains'"),
    ({"sampler": {"samplez": 3}}, "unknown key 'samplez'"),
    ({"rejection": {"min_acceptance": 0.0}}, "'min_acceptance'"),
])
def test_bad_config_values_name_the_key(data, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict(data, GibbsConfig, "gibbs.toml")


def test_shipped_config_loads():
    config = load_gibbs_config(Path(__file__).resolve().parents[2] / "configs" / "gibbs-perceptron.toml")
    assert config.grid.dims == (20, 50)
    assert min(config.grid.alphas) == 0.5 and max(config.grid.alphas) == 20.0
