"""The normalized dataset of an experiment, loaded once per process.

Sweep runs, Guess & Check chunks and their worker processes all ask for the dataset of their
config's ``[data]`` table; the decoded, normalized arrays are kept for the last two distinct
tables, so a worker that runs many tasks of one experiment loads them once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence

from badminima.data import Dataset, load_dataset


def load_normalized_dataset(name: str, data_dir: str | None = None,
                            classes: Sequence[int | str] | None = None, seed: int = 0,
                            options: Mapping | None = None) -> Dataset:
    """``load_dataset(name, data_dir, classes, seed, **options).normalized()``, cached per process."""
    key = json.dumps({"name": name, "data_dir": data_dir or None, "classes": list(classes) if classes else None,
                      "seed": seed, "options": dict(options or {})}, sort_keys=True)
    return _load(key)


@functools.lru_cache(maxsize=2)
def _load(key: str) -> Dataset:
    spec = json.loads(key)
    return load_dataset(spec["name"], data_dir=spec["data_dir"], classes=spec["classes"],
                        seed=spec["seed"], **spec["options"]).normalized()


def load_data_table(section) -> Dataset:
    """The normalized dataset of a config's ``[data]`` table (a :class:`~badminima.experiments.data_spec.DataSpec`)."""
    return load_normalized_dataset(section.dataset, section.data_dir, section.classes, section.seed,
                                   section.options)
