"""The config of a Gibbs (version-space sampling) experiment: one TOML file.

::

    name = "gibbs-perceptron"
    seed = 0                     # one seed for teachers, training sets, chains, rejection
    eps0 = 0.1                   # "bad" global minima: true error > eps0

    [grid]
    dims = [20, 50]              # perceptron input dimensions N
    alphas = [0.5, 1.0, 2.0]     # n = round(alpha N) training points (nested prefixes)
    training_sets = 8            # R teachers and training sets per N

    [sampler]                    # badminima.sampling.sample_version_space
    method = "hmc"               # or "hit_and_run"
    chains = 4                   # >= 4 for split R-hat
    samples = 100                # kept per chain
    burn_in = 20                 # optional: the method's default when omitted
    thin = 1                     # optional

    [rejection]                  # plain rejection sampling, where it still works
    samples = 200000             # uniform draws per training set (0: off)
    chunk = 50000                # draws per task
    min_acceptance = 1e-4        # report rejection at n where the acceptance is at least this
    min_survivors = 20           # ... and every training set kept at least this many

    [executor]
    name = "local"               # serial, local or ray
    workers = 2                  # 0: all cores

Inputs are isotropic Gaussian, labels come from a teacher perceptron drawn uniformly from the
sphere, so the true error of a student ``w`` is exactly ``angle(w, w*) / pi`` (docs/science.md
section 2, spherical perceptron).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from badminima.errors import InvalidParameterError
from badminima.experiments.configfile import load_toml_config
from badminima.experiments.executors import EXECUTORS
from badminima.sampling.version_space import METHODS
from badminima.validation import Each, Interval, Options, validate_fields

__all__ = ["GridSpec", "SamplerSpec", "RejectionSpec", "ExecutorSpec", "GibbsConfig",
           "load_gibbs_config"]


@dataclasses.dataclass(frozen=True)
class GridSpec:
    """Which cells: every ``N`` of ``dims`` times every ``alpha`` times ``training_sets`` sets."""

    dims: tuple[int, ...] = (20,)
    alphas: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    training_sets: int = 4

    rules: ClassVar[dict] = {"dims": Each(Interval(int, 2), nonempty=True),
                             "alphas": Each(Interval(float, 0, None, "neither"), nonempty=True),
                             "training_sets": Interval(int, 1)}

    def __post_init__(self) -> None:
        validate_fields(self, "grid")
        for dim in self.dims:
            ns = self.sizes(dim)
            if min(ns) < 1 or len(set(ns)) != len(ns):
                raise InvalidParameterError(
                    f"The 'alphas' parameter of grid gives training-set sizes {ns} for N = {dim}: "
                    "each must be at least 1 and they must be distinct.")

    def sizes(self, dim: int) -> list[int]:
        """Training-set sizes ``n = round(alpha N)`` for dimension ``dim``."""
        return [int(round(alpha * dim)) for alpha in self.alphas]


@dataclasses.dataclass(frozen=True)
class SamplerSpec:
    """Arguments of :func:`badminima.sampling.version_space.sample_version_space`."""

    method: str = "hmc"
    chains: int = 4
    samples: int = 100
    burn_in: int | None = None
    thin: int | None = None

    rules: ClassVar[dict] = {"method": Options(METHODS), "chains": Interval(int, 1),
                             "samples": Interval(int, 4), "burn_in": Interval(int, 0),
                             "thin": Interval(int, 1)}

    def __post_init__(self) -> None:
        validate_fields(self, "sampler")


@dataclasses.dataclass(frozen=True)
class RejectionSpec:
    """Rejection sampling from the prior: ``samples`` draws per training set, in chunks of ``chunk``."""

    samples: int = 200_000
    chunk: int = 50_000
    min_acceptance: float = 1e-4
    min_survivors: int = 20

    rules: ClassVar[dict] = {"samples": Interval(int, 0), "chunk": Interval(int, 1),
                             "min_acceptance": Interval(float, 0, 1, "right"),
                             "min_survivors": Interval(int, 2)}

    def __post_init__(self) -> None:
        validate_fields(self, "rejection")


@dataclasses.dataclass(frozen=True)
class ExecutorSpec:
    """Where tasks run: :func:`badminima.experiments.executors.get_executor` (0 workers: all cores)."""

    name: str = "local"
    workers: int = 0

    rules: ClassVar[dict] = {"name": Options(EXECUTORS), "workers": Interval(int, 0)}

    def __post_init__(self) -> None:
        validate_fields(self, "executor")


@dataclasses.dataclass(frozen=True)
class GibbsConfig:
    """A whole Gibbs experiment (see the module docstring for the TOML layout)."""

    name: str = "gibbs-perceptron"
    seed: int = 0
    eps0: float = 0.1
    grid: GridSpec = GridSpec()
    sampler: SamplerSpec = SamplerSpec()
    rejection: RejectionSpec = RejectionSpec()
    executor: ExecutorSpec = ExecutorSpec()

    rules: ClassVar[dict] = {"seed": Interval(int, 0), "eps0": Interval(float, 0, 1, "neither")}

    def __post_init__(self) -> None:
        validate_fields(self, "config")


def load_gibbs_config(path: str | Path) -> GibbsConfig:
    """Read and validate a Gibbs experiment config: a path or a packaged config name.

    Raises :class:`~badminima.errors.ConfigError` naming the bad key.
    """
    return load_toml_config(path, GibbsConfig)
