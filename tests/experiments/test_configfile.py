"""TOML configs: keys and types checked on load, with the key named in the message."""

from dataclasses import dataclass, field
from typing import Literal

import pytest

from badminima.errors import ConfigError, InvalidParameterError
from badminima.experiments.configfile import config_hash, config_to_dict, load_toml_config


@dataclass(frozen=True)
class Model:
    widths: tuple[int, ...] = (64,)
    activation: Literal["relu", "tanh"] = "relu"


@dataclass(frozen=True)
class Experiment:
    name: str
    sizes: tuple[int, ...]
    lr: float = 0.1
    seed: int = 0
    data_dir: str | None = None
    model: Model = field(default_factory=Model)
    extra: Model | None = None

    def __post_init__(self):
        if self.lr <= 0:
            raise InvalidParameterError(f"key 'lr' must be positive, got {self.lr}")


def _write(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_valid_config_round_trips(tmp_path):
    cfg = load_toml_config(_write(tmp_path, 'name = "x"\nsizes = [10, 20]\nlr = 1\n[model]\nwidths = [8, 8]\n'), Experiment)
    assert cfg == Experiment(name="x", sizes=(10, 20), lr=1.0, model=Model(widths=(8, 8)))
    assert isinstance(cfg.lr, float)
    assert config_to_dict(cfg)["model"]["widths"] == [8, 8]
    assert config_hash(cfg) == config_hash(Experiment(name="x", sizes=(10, 20), lr=1.0, model=Model((8, 8))))
    assert config_hash(cfg) != config_hash(Experiment(name="x", sizes=(10, 21), lr=1.0, model=Model((8, 8))))


@pytest.mark.parametrize("text,match", [
    ('name = "x"\nsizes = [1]\nbogus = 3\n', r"unknown key 'bogus'"),
    ('sizes = [1]\n', r"missing required key 'name'"),
    ('name = "x"\nsizes = "10,20"\n', r"key 'sizes' must be a list of int, got str"),
    ('name = "x"\nsizes = [1, 2.5]\n', r"key 'sizes' must be a list of int"),
    ('name = "x"\nsizes = [1]\n[model]\nwidths = "512"\n', r"\[model\] key 'widths' must be a list of int"),
    ('name = "x"\nsizes = [1]\n[model]\nactivation = "gelu"\n', r"\[model\] key 'activation' must be one of 'relu', 'tanh'"),
    ('name = "x"\nsizes = [1]\nseed = true\n', r"key 'seed' must be an int, got bool"),
    ('name = "x"\nsizes = [1]\nlr = -1\n', r"key 'lr' must be positive"),
    ('name = "x"\nsizes = [1\n', r"not valid TOML"),
])
def test_bad_configs_name_the_key(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_toml_config(_write(tmp_path, text), Experiment)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_toml_config(tmp_path / "nope.toml", Experiment)


def test_optional_table_builds_its_dataclass(tmp_path):
    cfg = load_toml_config(_write(tmp_path, 'name = "x"\nsizes = [1]\n[extra]\nwidths = [3]\n'), Experiment)
    assert cfg.extra == Model(widths=(3,))
    assert load_toml_config(_write(tmp_path, 'name = "x"\nsizes = [1]\n'), Experiment).extra is None
    with pytest.raises(ConfigError, match=r"\[extra\] unknown key 'width'"):
        load_toml_config(_write(tmp_path, 'name = "x"\nsizes = [1]\n[extra]\nwidth = [3]\n'), Experiment)
