"""The ``[data]`` table, one schema for every experiment config (sweep and Guess & Check).

::

    [data]
    dataset = "digits"          # any name of badminima.data.DATASETS
    classes = []                # keep these classes only (names or indices); empty: all
    data_dir = ""               # empty: the loader's default
    seed = 0                    # seed of generated datasets
    options = {}                # loader options, e.g. {label_noise = 0.1}

See docs/configs.md for every table of every config kind.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from badminima.data import DATASETS, dataset_options
from badminima.errors import InvalidParameterError
from badminima.validation import Interval, Options, validate_fields


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """Which dataset: ``load_dataset(dataset, data_dir or None, classes or None, seed, **options)``."""

    dataset: str = "digits"
    classes: tuple[int | str, ...] = ()
    data_dir: str = ""
    seed: int = 0
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    #: Keys of earlier releases and what replaced them (read by the config loader).
    moved_keys: ClassVar[dict[str, str]] = {"name": "'name' is now 'dataset' (dataset = \"...\")"}

    rules: ClassVar[dict] = {"dataset": Options(DATASETS), "seed": Interval(int, 0)}

    def __post_init__(self) -> None:
        validate_fields(self, "[data]")
        allowed = dataset_options(self.dataset)
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            raise InvalidParameterError(
                f"key 'options.{unknown[0]}' is not an option of dataset {self.dataset!r}; "
                f"it accepts {', '.join(allowed) or 'none'}")
