"""Sweep configs: the shipped files load, bad keys and types are named, the run hash."""

import dataclasses
from pathlib import Path

import pytest

from badminima.errors import ConfigError
from badminima.experiments.sweep_config import SweepConfig, load_sweep_config, run_config_hash

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SWEEP_CONFIGS = ["digits-mlp", "mnist-mlp", "mnist-cnn", "cifar10-cnn", "cifar10-resnet18"]


@pytest.mark.parametrize("name", SWEEP_CONFIGS)
def test_shipped_configs_load(name):
    config = load_sweep_config(CONFIGS / f"{name}.toml")
    assert isinstance(config, SweepConfig) and config.name == name
    assert len(config.sweep.seeds) >= 3
    sizes = sorted(config.sweep.sizes)
    if name != "digits-mlp":
        assert sizes[-1] / sizes[0] >= 100, "sizes must span at least two decades"


def _write(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,match", [
    ('name = "x"\nepochs = 3\n', "unknown key 'epochs'"),
    ('name = "x"\n[model]\nwidths = "512"\n', r"\[model\] key 'widths' must be a list of int, got str"),
    ('name = "x"\n[train]\nlr = "fast"\n', r"\[train\] key 'lr' must be a float"),
    ('name = "x"\n[train]\noptimizer = "rmsprop"\n', r"\[train\].*'optimizer' parameter of TrainSettings must be one of 'adam', 'sgd'"),
    ('name = "x"\n[train]\nlr = -1.0\n', r"\[train\].*'lr' parameter"),
    ('name = "x"\n[sweep]\nsizes = [10, 10]\n', "repeated"),
    ('name = "x"\n[sweep]\nsizes = [0]\n', "'sizes'"),
    ('name = "x"\n[sweep]\nsizes = []\n', "no run"),
    ('name = "x"\n[data]\nclasses = [1.5]\n', r"\[data\] key 'classes'"),
    ('[sweep]\nsizes = [10]\n', "missing required key 'name'"),
])
def test_bad_config_names_the_key(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_sweep_config(_write(tmp_path, text))


def test_run_hash_ignores_sizes_seeds_device_but_not_training(tmp_path):
    base = load_sweep_config(CONFIGS / "digits-mlp.toml")
    more = dataclasses.replace(base, sweep=dataclasses.replace(base.sweep, sizes=(10, 20), seeds=(7,),
                                                                device="cpu", batch_seeds=False))
    other = dataclasses.replace(base, train=dataclasses.replace(base.train, lr=0.01))
    assert run_config_hash(base) == run_config_hash(more)
    assert run_config_hash(base) != run_config_hash(other)
