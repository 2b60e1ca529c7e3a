"""The Guess & Check experiment config: one frozen dataclass per TOML table.

Example (``configs/gc-separable-mlp.toml``)::

    name = "gc-separable-mlp"
    [data]
    name = "synthetic-mlp"
    options = { dim = 10, n_train = 2000, n_test = 10000, teacher_hidden = [8] }
    [model]
    kind = "mlp"
    options = { widths = [16], activation = "relu", prior = "pytorch" }
    [sampling]
    K = 200000
    R = 20
    n_max = 40
    [theory]
    density = "empirical"
    eps0 = 0.1

Every key is optional except where noted; unknown keys and wrong types are refused with a
message naming the key (:func:`badminima.experiments.configfile.load_toml_config`), and
values are checked in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from badminima.classifiers import make_function_set
from badminima.data import DATASETS, dataset_options
from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int, check_real


@dataclass(frozen=True)
class DataSection:
    """Which dataset: a :func:`badminima.data.load_dataset` name, its options and classes."""

    name: str = "synthetic-mlp"
    data_dir: str | None = None
    classes: tuple[int | str, ...] | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        check_choice("name", self.name, "[data]", DATASETS)
        allowed = dataset_options(self.name)
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            raise InvalidParameterError(
                f"key 'options.{unknown[0]}' is not an option of dataset {self.name!r}; "
                f"it accepts {', '.join(allowed) or 'none'}")
        check_int("seed", self.seed, "[data]", 0, None)


@dataclass(frozen=True)
class ModelSection:
    """The function set: a :data:`badminima.classifiers.FUNCTION_SETS` kind and its options."""

    kind: str = "mlp"
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.function_set()  # validates kind and options

    def function_set(self):
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in self.options.items()}
        return make_function_set(self.kind, **options)


@dataclass(frozen=True)
class SamplingSection:
    """How many classifiers (K, in chunks), training orderings (R) and sizes (n <= n_max)."""

    K: int = 100_000
    chunk_size: int = 25_000
    R: int = 20
    n_max: int = 40
    seed: int = 0
    error: Literal["test", "exact-linear"] = "test"
    device: str = "auto"
    max_mbytes: int = 256
    balanced: bool = False
    evaluate: Literal["auto", "all", "survivors"] = "auto"
    n_min: int | None = None
    subsample: float = 0.05
    sampler: Literal["auto", "direct", "subspace"] = "auto"

    def __post_init__(self):
        check_int("K", self.K, "[sampling]", 1, None)
        check_int("chunk_size", self.chunk_size, "[sampling]", 1, None)
        check_int("R", self.R, "[sampling]", 1, None)
        check_int("n_max", self.n_max, "[sampling]", 1, None)
        check_int("seed", self.seed, "[sampling]", 0, None)
        check_int("max_mbytes", self.max_mbytes, "[sampling]", 1, None)
        check_real("subsample", self.subsample, "[sampling]", 0, 1, "right")
        if self.n_min is not None:
            check_int("n_min", self.n_min, "[sampling]", 0, self.n_max)
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise InvalidParameterError(
                f"The 'device' parameter of [sampling] must be 'auto', 'cpu', 'cuda' or 'cuda:N'. "
                f"Got {self.device!r} instead.")


    def survivors_first(self) -> bool:
        """``evaluate`` resolved: ``auto`` is survivors-first for test-pool errors when the
        uniform subsample holds at least :data:`MIN_SUBSAMPLE` classifiers (then it pays)."""
        if self.evaluate == "auto":
            return self.error == "test" and self.K * self.subsample >= MIN_SUBSAMPLE
        return self.evaluate == "survivors"

    def survival_threshold(self) -> int:
        """``n_min`` (default ``n_max // 2``): every survivor of this many points gets a true error."""
        return self.n_max // 2 if self.n_min is None else self.n_min


#: Smallest uniform subsample (K * subsample) for which ``evaluate = "auto"`` goes survivors-first.
MIN_SUBSAMPLE = 5000


@dataclass(frozen=True)
class TheorySection:
    """The density the measurements are compared with, eps0 and the histogram bins."""

    density: Literal["empirical", "perceptron"] = "empirical"
    eps0: float = 0.1
    bins: int = 40
    hist_n: tuple[int, ...] = (0, 5, 10, 20)
    confidence: float = 0.95

    def __post_init__(self):
        check_real("eps0", self.eps0, "[theory]", 0, 1, "neither")
        check_int("bins", self.bins, "[theory]", 1, 10_000)
        check_real("confidence", self.confidence, "[theory]", 0, 1, "neither")
        for value in self.hist_n:
            check_int("hist_n", value, "[theory]", 0, None)


@dataclass(frozen=True)
class SGDSection:
    """Guess & Check vs SGD: train ``members`` networks per training set of size ``n``."""

    enabled: bool = False
    n: int | tuple[int, ...] = 10
    training_sets: int = 4
    members: int = 256
    lr: float = 0.5
    max_steps: int = 3000
    loss: Literal["logistic", "hinge"] = "logistic"

    def __post_init__(self):
        for value in self.sizes():
            check_int("n", value, "[sgd]", 1, None)
        check_int("training_sets", self.training_sets, "[sgd]", 1, None)
        check_int("members", self.members, "[sgd]", 1, None)
        check_real("lr", self.lr, "[sgd]", 0, None, "neither")
        check_int("max_steps", self.max_steps, "[sgd]", 1, None)

    def sizes(self) -> tuple:
        """The training-set sizes compared (``n`` as a tuple)."""
        return tuple(self.n) if isinstance(self.n, (list, tuple)) else (self.n,)


@dataclass(frozen=True)
class GuessCheckConfig:
    """A whole Guess & Check run (docs/science.md section 4, experiments 1, 2 and 4)."""

    name: str = "guess-check"
    data: DataSection = field(default_factory=DataSection)
    model: ModelSection = field(default_factory=ModelSection)
    sampling: SamplingSection = field(default_factory=SamplingSection)
    theory: TheorySection = field(default_factory=TheorySection)
    sgd: SGDSection = field(default_factory=SGDSection)

    def __post_init__(self):
        n_max = self.sampling.n_max
        for value in self.theory.hist_n:
            if value > n_max:
                raise InvalidParameterError(
                    f"[theory] key 'hist_n' holds {value}, above [sampling] n_max = {n_max}")
        if self.sgd.enabled and max(self.sgd.sizes()) > n_max:
            raise InvalidParameterError(f"[sgd] key 'n' = {self.sgd.n} is above [sampling] n_max = {n_max}")

        if self.sgd.enabled and self.sgd.training_sets > self.sampling.R:
            raise InvalidParameterError(
                f"[sgd] key 'training_sets' = {self.sgd.training_sets} is above [sampling] R = {self.sampling.R}")


def load_guess_check_config(path: str | Path) -> GuessCheckConfig:
    """Read and validate a Guess & Check TOML config."""
    from badminima.experiments.configfile import load_toml_config
    return load_toml_config(path, GuessCheckConfig)
