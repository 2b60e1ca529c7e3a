"""The config of a version-space (SMC) experiment: one TOML file.

::

    name = "vs-synthetic"
    seed = 0

    [data]                        # badminima.experiments.data_spec.DataSpec
    dataset = "synthetic-mlp"
    options = { dim = 4, n_train = 400, n_test = 4000, teacher_hidden = [4] }

    [model]                       # badminima.experiments.guess_check_config.FunctionSetSpec
    arch = "mlp"
    widths = [8]
    bias = false
    prior = "he"                  # normal, he, lecun, uniform or pytorch (sphere: perceptron only)

    [smc]                         # badminima.sampling.version_space_smc.sample_smc
    particles = 128
    checkpoints = [4, 8, 16, 32]
    schedule = "adaptive"         # or a list of sizes, e.g. [2, 4, 6, 8, ...]
    survive = 0.5
    min_moves = 2
    max_moves = 20
    decorrelation = 0.1
    probe = 32
    threads = 1                   # torch threads per task (one task per worker process)

    [runs]
    training_sets = 2             # R orderings of the training pool (balanced by class if asked)
    runs = 2                      # independent SMC runs per training set (R-hat across them)
    balanced = false
    rejection = 100000            # Guess & Check draws per training set (0: off), for log Z_n
    rejection_chunk = 50000

    [executor]
    name = "local"
    workers = 0

docs/version_space.md describes the estimators.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from badminima.errors import InvalidParameterError
from badminima.experiments.configfile import load_toml_config
from badminima.experiments.data_spec import DataSpec
from badminima.experiments.gibbs_config import ExecutorSpec
from badminima.experiments.guess_check_config import FunctionSetSpec
from badminima.validation import Each, Interval, validate_fields

__all__ = ["SMCSpec", "RunsSpec", "VersionSpaceConfig", "load_version_space_config", "DEFAULT_CONFIG"]


@dataclasses.dataclass(frozen=True)
class SMCSpec:
    """Arguments of :func:`badminima.sampling.version_space_smc.sample_smc`."""

    particles: int = 128
    checkpoints: tuple[int, ...] = (4, 8, 16, 32)
    schedule: str | tuple[int, ...] = "adaptive"
    survive: float = 0.5
    min_moves: int = 2
    max_moves: int = 20
    decorrelation: float = 0.1
    probe: int = 32
    threads: int = 1

    rules: ClassVar[dict] = {"particles": Interval(int, 4), "checkpoints": Each(Interval(int, 1), nonempty=True),
                             "survive": Interval(float, 0, 1, "neither"), "min_moves": Interval(int, 0),
                             "max_moves": Interval(int, 1), "decorrelation": Interval(float, 0, 1, "neither"),
                             "probe": Interval(int, 1), "threads": Interval(int, 1)}

    def __post_init__(self) -> None:
        validate_fields(self, "[smc]")
        if list(self.checkpoints) != sorted(set(self.checkpoints)):
            raise InvalidParameterError(
                f"The 'checkpoints' parameter of [smc] must be strictly increasing. Got {list(self.checkpoints)}.")
        if isinstance(self.schedule, str) and self.schedule != "adaptive":
            raise InvalidParameterError(
                f"The 'schedule' parameter of [smc] must be \"adaptive\" or a list of sizes. Got {self.schedule!r}.")
        if self.min_moves > self.max_moves:
            raise InvalidParameterError(
                f"The 'max_moves' parameter of [smc] must be at least min_moves = {self.min_moves}. "
                f"Got {self.max_moves}.")


@dataclasses.dataclass(frozen=True)
class RunsSpec:
    """Training sets, independent runs per set, and the rejection (Guess & Check) reference."""

    training_sets: int = 2
    runs: int = 2
    balanced: bool = False
    rejection: int = 0
    rejection_chunk: int = 50_000

    rules: ClassVar[dict] = {"training_sets": Interval(int, 1), "runs": Interval(int, 1),
                             "rejection": Interval(int, 0), "rejection_chunk": Interval(int, 1)}

    def __post_init__(self) -> None:
        validate_fields(self, "[runs]")


@dataclasses.dataclass(frozen=True)
class VersionSpaceConfig:
    """A whole version-space experiment (see the module docstring for the TOML layout)."""

    name: str = "vs-synthetic"
    seed: int = 0
    eps0: float = 0.2
    data: DataSpec = DataSpec(dataset="synthetic-mlp", seed=0,
                              options={"dim": 4, "n_train": 400, "n_test": 4000, "teacher_hidden": [4]})
    model: FunctionSetSpec = FunctionSetSpec(arch="mlp", widths=(8,), bias=False, prior="he")
    smc: SMCSpec = SMCSpec()
    runs: RunsSpec = RunsSpec(rejection=100_000)
    executor: ExecutorSpec = ExecutorSpec()

    rules: ClassVar[dict] = {"seed": Interval(int, 0), "eps0": Interval(float, 0, 1, "neither")}

    def __post_init__(self) -> None:
        validate_fields(self, "config")


#: The embedded default: a synthetic task that runs in well under a minute, no data files.
DEFAULT_CONFIG = VersionSpaceConfig()


def load_version_space_config(path: str | Path) -> VersionSpaceConfig:
    """Read and validate a version-space config: a path or a packaged config name.

    Raises :class:`~badminima.errors.ConfigError` naming the bad key.
    """
    return load_toml_config(path, VersionSpaceConfig)
