"""Every ready config ships with the package and loads with its experiment's loader."""

from pathlib import Path

import pytest

from badminima.errors import ConfigError
from badminima.experiments.gibbs_config import load_gibbs_config
from badminima.experiments.guess_check_config import load_guess_check_config
from badminima.experiments.packaged_configs import packaged_config, packaged_config_names, resolve_config
from badminima.experiments.sweep_config import load_sweep_config

REPO_CONFIGS = Path(__file__).resolve().parents[1] / "configs"
ISSUE_CONFIGS = {"gc-separable-mlp", "gc-perceptron", "gc-mnist-01", "gc-vs-sgd", "gibbs-perceptron",
                 "digits-mlp", "mnist-mlp", "mnist-cnn", "cifar10-cnn", "cifar10-resnet18"}


def _loader(name):
    if name.startswith("gc-"):
        return load_guess_check_config
    if name.startswith("gibbs-"):
        return load_gibbs_config
    return load_sweep_config


def test_all_ready_configs_are_packaged():
    assert ISSUE_CONFIGS <= set(packaged_config_names())


@pytest.mark.parametrize("name", sorted(ISSUE_CONFIGS))
def test_ready_config_loads(name):
    config = _loader(name)(packaged_config(name))
    assert config.name


def test_repo_configs_folder_is_the_packaged_one():
    assert sorted(p.stem for p in REPO_CONFIGS.glob("*.toml")) == packaged_config_names()


def test_resolve_config_by_path_or_name(tmp_path):
    assert resolve_config("digits-mlp") == packaged_config("digits-mlp.toml")
    own = tmp_path / "own.toml"
    own.write_text('name = "own"\n')
    assert resolve_config(own) == own
    with pytest.raises(ConfigError, match="no packaged config 'nope'"):
        resolve_config("nope")
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_config(tmp_path / "missing.toml")
