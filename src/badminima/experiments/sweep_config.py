"""The config of a learning-curve sweep (docs/science.md section 4, experiment 3): one TOML file.

::

    name = "digits-mlp"

    [data]                      # badminima.experiments.data_spec.DataSpec
    dataset = "digits"          # any name of badminima.data.DATASETS
    classes = []                # keep these classes only (names or indices); empty: all
    data_dir = ""               # empty: the loader's default
    seed = 0                    # seed of generated datasets
    options = {}                # loader options, e.g. {label_noise = 0.1}

    [model]                     # badminima.training.NetworkSpec
    arch = "mlp"
    widths = [512]

    [train]                     # badminima.training.TrainSettings
    optimizer = "adam"
    lr = 0.001
    batch_size = 128
    max_epochs = 300

    [sweep]
    sizes = [50, 100, 200, 400, 800]
    include_full = true         # add the full training set
    seeds = [0, 1, 2]
    batch_seeds = true          # train the seeds of one n as one batched model
    device = "auto"

Run ``(n, seed)`` trains a fresh network (initialized from ``seed``) on the first ``n``
points of the dataset's seeded, class-stratified ordering (nested subsets).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from badminima.errors import InvalidParameterError
from badminima.experiments.configfile import config_to_dict, load_toml_config
from badminima.experiments.keys import run_key
from badminima.experiments.data_spec import DataSpec
from badminima.training import NetworkSpec, TrainSettings
from badminima.validation import Device, Each, Interval, validate_fields


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """Which runs: every size of ``sizes`` (plus the full set) times every seed of ``seeds``."""

    sizes: tuple[int, ...] = ()
    seeds: tuple[int, ...] = (0, 1, 2)
    include_full: bool = False
    batch_seeds: bool = False
    device: str = "auto"

    rules: ClassVar[dict] = {"sizes": Each(Interval(int, 1)), "seeds": Each(Interval(int, 0), nonempty=True),
                             "device": Device()}

    def __post_init__(self) -> None:
        if not self.sizes and not self.include_full:
            raise InvalidParameterError("'sizes' is empty and 'include_full' is false: no run to do")
        validate_fields(self, "sweep")
        for name in ("sizes", "seeds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise InvalidParameterError(f"The {name!r} parameter of sweep has repeated entries: {list(values)}.")


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """A whole experiment: name, data, model, training and the runs to make."""

    name: str
    data: DataSpec = dataclasses.field(default_factory=DataSpec)
    model: NetworkSpec = dataclasses.field(default_factory=NetworkSpec)
    train: TrainSettings = dataclasses.field(default_factory=TrainSettings)
    sweep: SweepSpec = dataclasses.field(default_factory=lambda: SweepSpec(sizes=(50, 100)))

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() for c in self.name):
            raise InvalidParameterError(f"The 'name' parameter must be a non-empty word. Got {self.name!r} instead.")


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep config: a path or a packaged config name (``"digits-mlp"``).

    A :class:`~badminima.errors.ConfigError` names the bad key.
    """
    return load_toml_config(path, SweepConfig)


def run_config_hash(config: SweepConfig) -> str:
    """Hash of everything that determines one run's result besides ``n`` and ``seed``.

    The sizes, seeds, batching, device and data folder are left out, so a sweep extended
    with new sizes or seeds (or moved to another machine) resumes instead of starting over.
    """
    data = dataclasses.replace(config.data, data_dir="")
    return run_key({"data": config_to_dict(data), "model": config_to_dict(config.model),
                    "train": config_to_dict(config.train)}, versions=False)


__all__ = ["DataSpec", "SweepConfig", "SweepSpec", "config_to_dict", "load_sweep_config", "run_config_hash"]
