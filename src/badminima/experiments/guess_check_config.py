"""The Guess & Check experiment config: one frozen dataclass per TOML table.

Example (``configs/gc-separable-mlp.toml`` without its comments; a test keeps the two equal)::

    name = "gc-separable-mlp"
    [data]
    dataset = "synthetic-mlp"
    seed = 0
    options = { dim = 4, n_classes = 2, n_train = 2000, n_test = 10000, teacher_hidden = [4] }
    [model]
    arch = "mlp"
    widths = [8]
    activation = "relu"
    bias = true
    prior = "pytorch"
    [sampling]
    K = 200000
    chunk_size = 25000
    R = 20
    n_max = 30
    seed = 0
    error = "test"
    [theory]
    density = "empirical"
    eps0 = 0.3
    bins = 40
    hist_n = [0, 5, 10, 20]

Every key is optional except where noted; unknown keys and wrong types are refused with a
message naming the key (:func:`badminima.experiments.configfile.load_toml_config`), and
values are checked in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from badminima.classifiers import make_function_set
from badminima.errors import InvalidParameterError
from badminima.experiments.data_spec import DataSpec
from badminima.sampling.guess_check_choices import ERRORS, EVALUATE, SAMPLERS
from badminima.sampling.guess_check_theory import DENSITIES
from badminima.training.population_sgd import SGD_LOSSES
from badminima.validation import Device, Each, Interval, Options, validate_fields


@dataclass(frozen=True)
class FunctionSetSpec:
    """The ``[model]`` table: a :data:`badminima.classifiers.FUNCTION_SETS` name and its keywords.

    ``arch`` names the function set; every other key is a keyword of its constructor, given
    flat in the table (``widths``, ``activation``, ``bias``, ``prior``, ``maxpool`` for ``mlp``; ``bias``,
    ``prior`` for ``perceptron``; ``channels``, ``hidden``, ``kernel``, ``activation``,
    ``bias``, ``prior`` for ``lenet``). Omitted keys take the function set's default. The
    same keys as the sweep's ``[model]`` table (:class:`badminima.training.NetworkSpec`);
    docs/configs.md lists them.
    """

    arch: str = "mlp"
    widths: tuple[int, ...] | None = None
    channels: tuple[int, ...] | None = None
    hidden: int | tuple[int, ...] | None = None
    kernel: int | None = None
    activation: str | None = None
    bias: bool | None = None
    prior: str | None = None
    maxpool: int | None = None

    #: Keys of earlier releases and what replaced them (read by the config loader).
    moved_keys: ClassVar[dict[str, str]] = {
        "kind": "'kind' is now 'arch' (arch = \"mlp\")",
        "options": "write the options' keys directly in [model] (widths = [8], prior = \"he\", ...)"}

    def __post_init__(self):
        # Validates arch and keys by building the function set once; function_set() returns it.
        object.__setattr__(self, "_built", make_function_set(self.arch, **self.options()))

    def options(self) -> dict[str, Any]:
        """The keywords given (not None) for the function set's constructor."""
        given = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "arch"}
        options = {k: v for k, v in given.items() if v is not None}
        if isinstance(options.get("hidden"), int):
            options["hidden"] = (options["hidden"],)
        return options

    def function_set(self):
        """The :class:`~badminima.classifiers.FunctionSet` this table describes (built once, on construction)."""
        return self._built


@dataclass(frozen=True)
class SamplingSection:
    """How many classifiers (K, in chunks), training orderings (R) and sizes (n <= n_max)."""

    K: int = 100_000
    chunk_size: int = 25_000
    R: int = 20
    n_max: int = 40
    seed: int = 0
    error: str = "test"
    device: str = "auto"
    max_mbytes: int = 256
    balanced: bool = False
    evaluate: str = "auto"
    n_min: int | None = None
    subsample: float = 0.05
    sampler: str = "auto"

    rules: ClassVar[dict] = {
        "K": Interval(int, 1), "chunk_size": Interval(int, 1), "R": Interval(int, 1),
        "n_max": Interval(int, 1), "seed": Interval(int, 0), "error": Options(ERRORS),
        "device": Device(), "max_mbytes": Interval(int, 1),
        "evaluate": Options(("auto", *EVALUATE)), "subsample": Interval(float, 0, 1, "right"),
        "sampler": Options(("auto", *SAMPLERS))}

    def __post_init__(self):
        validate_fields(self, "[sampling]")
        if self.n_min is not None:
            Interval(int, 0, self.n_max).check("n_min", self.n_min, "[sampling]")


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

    density: str = "empirical"
    eps0: float = 0.1
    bins: int = 40
    hist_n: tuple[int, ...] = (0, 5, 10, 20)
    confidence: float = 0.95

    rules: ClassVar[dict] = {
        "density": Options(DENSITIES), "eps0": Interval(float, 0, 1, "neither"),
        "bins": Interval(int, 1, 10_000), "hist_n": Each(Interval(int, 0)),
        "confidence": Interval(float, 0, 1, "neither")}

    def __post_init__(self):
        validate_fields(self, "[theory]")


@dataclass(frozen=True)
class SGDSection:
    """Guess & Check vs SGD: train ``members`` networks per training set of size ``n``."""

    enabled: bool = False
    n: int | tuple[int, ...] = 10
    training_sets: int = 4
    members: int = 256
    lr: float = 0.5
    max_steps: int = 3000
    loss: str = "logistic"

    rules: ClassVar[dict] = {
        "training_sets": Interval(int, 1), "members": Interval(int, 1),
        "lr": Interval(float, 0, None, "neither"), "max_steps": Interval(int, 1),
        "loss": Options(SGD_LOSSES)}

    def __post_init__(self):
        validate_fields(self, "[sgd]")
        Each(Interval(int, 1), nonempty=True).check("n", self.sizes(), "[sgd]")

    def sizes(self) -> tuple:
        """The training-set sizes compared (``n`` as a tuple)."""
        return tuple(self.n) if isinstance(self.n, (list, tuple)) else (self.n,)


@dataclass(frozen=True)
class GuessCheckConfig:
    """A whole Guess & Check run (docs/science.md section 4, experiments 1, 2 and 4)."""

    name: str = "guess-check"
    data: DataSpec = field(default_factory=lambda: DataSpec(dataset="synthetic-mlp"))
    model: FunctionSetSpec = field(default_factory=FunctionSetSpec)
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
    """Read and validate a Guess & Check TOML config (a path or a packaged config name)."""
    from badminima.experiments.configfile import load_toml_config
    return load_toml_config(path, GuessCheckConfig)
