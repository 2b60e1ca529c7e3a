"""The real MNIST and CIFAR-10 copies in ../shared/data (skipped when absent).

Each dataset is decoded once per test session (memoized), as decoding 60000 JPEGs takes
seconds.
"""

import functools
from pathlib import Path

import numpy as np
import pytest

from badminima.data import load_dataset

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@functools.lru_cache(maxsize=None)
def _load(name: str, data_dir: str):
    return load_dataset(name, data_dir=data_dir)


def test_mnist_shapes_counts_and_order(shared_data: Path):
    ds = _load("mnist", str(shared_data / "mnist"))
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.x_train.dtype == np.uint8
    assert np.bincount(ds.y_train).tolist() == MNIST_TRAIN_COUNTS
    assert ds.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert ds.y_test[:5].tolist() == [7, 2, 1, 0, 4]
    # the source checksums are those of the shared folder's SHA256SUMS
    sums = dict(line.split()[::-1] for line in (shared_data / "SHA256SUMS").read_text().splitlines())
    for name, digest in ds.source["files"].items():
        assert sums[f"mnist/{name}"] == digest
    zero_one = ds.select_classes([0, 1])
    assert len(zero_one.y_train) == 5923 + 6742


def test_cifar10_from_the_jpeg_archive(shared_data: Path):
    ds = _load("cifar10", str(shared_data / "cifar10"))
    assert ds.x_train.shape == (50000, 32, 32, 3) and ds.x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(ds.y_train).tolist() == [5000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.source["sha256"] == "d34c68f61cca57aa9144c8f25bda427abb9921bd642d5857a2fc1a6b4416f965"
    # per-channel training means quoted in ../shared/data/README.md
    np.testing.assert_allclose(ds.normalized().normalization["mean"], [125.3, 122.9, 113.9], atol=0.06)
    again = load_dataset("cifar10", data_dir=shared_data / "cifar10")  # from the npz cache
    assert again.source["cache"] is not None
    np.testing.assert_array_equal(again.x_test, ds.x_test)
    cat_dog = again.select_classes(["cat", "dog"])
    assert cat_dog.x_train.shape == (10000, 32, 32, 3)
    idx = cat_dog.subset_indices(100, seed=0)
    assert np.bincount(cat_dog.y_train[idx]).tolist() == [50, 50]
