"""The dataset registry and the single public entry point :func:`load_dataset`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from badminima.data.cifar10 import load_cifar10, load_imagefolder
from badminima.data.dataset import Dataset
from badminima.data.digits import load_digits_dataset
from badminima.data.mnist import load_fashion_mnist, load_mnist
from badminima.data.synthetic import load_synthetic_linear, load_synthetic_mlp
from badminima.errors import InvalidParameterError
from badminima.registry import Registry

#: name -> loader ``f(data_dir=None, seed=0, **options) -> Dataset``.
DATASETS: Registry[Callable[..., Dataset]] = Registry({
    "synthetic-linear": load_synthetic_linear,
    "synthetic-mlp": load_synthetic_mlp,
    "digits": load_digits_dataset,
    "mnist": load_mnist,
    "fashion-mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    "imagefolder": load_imagefolder,
})


def dataset_options(name: str) -> list[str]:
    """Keyword options the loader of ``name`` accepts besides ``data_dir`` and ``seed``."""
    loader = _loader(name)
    return [p for p in inspect.signature(loader).parameters if p not in ("data_dir", "seed")]


def _loader(name: str) -> Callable[..., Dataset]:
    return DATASETS.lookup(name, parameter="name", owner="load_dataset")


def load_dataset(name: str, data_dir=None, classes: Sequence | None = None, seed: int = 0,
                 **options) -> Dataset:
    """Load a dataset by registry name.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`: ``synthetic-linear``, ``synthetic-mlp``, ``digits``,
        ``mnist``, ``fashion-mnist``, ``cifar10``, ``imagefolder``.
    data_dir : str or path-like, optional
        Where the files are (see docs/data.md); ignored by generated datasets.
    classes : sequence of int or str, optional
        Keep these classes only, relabelled ``0 .. len(classes) - 1`` in the given order.
    seed : int
        Seed of generated datasets (synthetic); file datasets are fixed.
    **options
        Loader options, e.g. ``dim``, ``n_classes``, ``label_noise`` (synthetic),
        ``download`` (mnist, fashion-mnist, cifar10); unknown options are refused.

    Returns
    -------
    Dataset
    """
    loader = _loader(name)
    allowed = dataset_options(name)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InvalidParameterError(
            f"load_dataset({name!r}) got unknown option(s) {', '.join(unknown)}; "
            f"it accepts {', '.join(allowed) or 'none'}.")
    dataset = loader(data_dir=data_dir, seed=seed, **options)
    return dataset if classes is None else dataset.select_classes(classes)
