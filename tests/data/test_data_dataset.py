"""Dataset container: class selection, normalization, nested stratified subsets; digits."""

import numpy as np
import pytest

from badminima.data import Dataset, load_dataset
from badminima.errors import InvalidParameterError


def _images(rgb: bool, n=60, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, 4, 5, 3) if rgb else (n, 4, 5)
    x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if rgb:
        x[..., 2] //= 4  # channels with different statistics
    y = np.arange(n) % 3
    return Dataset("toy", x, y, x[:10] // 2, y[:10], ["a", "b", "c"], {"path": None, "sha256": None})


@pytest.mark.parametrize("rgb", [True, False])
def test_normalized_uses_training_statistics(rgb):
    ds = _images(rgb)
    norm = ds.normalized()
    axes = (0, 1, 2) if rgb else None
    x = ds.x_train.astype(np.float64)
    mean, std = x.mean(axis=axes), x.std(axis=axes)
    assert norm.x_train.dtype == np.float32 and norm.x_train.shape == ds.x_train.shape
    np.testing.assert_allclose(norm.x_train.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(norm.x_train.std(axis=axes), 1, atol=1e-5)
    np.testing.assert_allclose(norm.x_test, (ds.x_test - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(norm.normalization["mean"], mean, rtol=1e-6)
    assert norm.normalized() is norm


def test_select_classes_by_name_and_index_remaps_in_given_order():
    ds = _images(False)
    by_name = ds.select_classes(["c", "a"])
    by_index = ds.select_classes([2, 0])
    assert by_name.class_names == ["c", "a"] and by_name.n_classes == 2
    np.testing.assert_array_equal(by_name.y_train, by_index.y_train)
    keep = ds.y_train != 1
    np.testing.assert_array_equal(by_name.x_train, ds.x_train[keep])
    np.testing.assert_array_equal(by_name.y_train, np.where(ds.y_train[keep] == 2, 0, 1))
    assert by_name.source["classes"] == ["c", "a"]


@pytest.mark.parametrize("classes, word", [
    (["a", "zebra"], "zebra"), ([0, 7], "outside"), ([0, 0], "repeats"), ([1], "at least 2"),
    ("ab", "list"), ([0, 1.5], "ints or str"),
])
def test_select_classes_errors(classes, word):
    with pytest.raises(InvalidParameterError, match=word):
        _images(False).select_classes(classes)


def test_subsets_are_nested_stratified_and_deterministic():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    rng = np.random.default_rng(1)
    ds = Dataset("toy", np.zeros((1000, 2)), rng.permutation(labels), np.zeros((1, 2)),
                 np.zeros(1, dtype=np.int64), ["0", "1", "2"], {})
    prev = np.array([], dtype=np.int64)
    for n in (0, 1, 7, 10, 55, 123, 500, 999, 1000):
        idx = ds.subset_indices(n, seed=4)
        assert len(idx) == n and len(np.unique(idx)) == n
        assert set(prev) <= set(idx)
        np.testing.assert_array_equal(idx[: len(prev)], prev)
        counts = np.bincount(ds.y_train[idx], minlength=3)
        expected = n * np.array([0.5, 0.3, 0.2])
        assert np.all(np.abs(counts - expected) < 1.0 + np.array([0.5, 0.3, 0.2]) + 1e-9), (n, counts)
        prev = idx
    np.testing.assert_array_equal(ds.subset_indices(50, seed=4), ds.subset_indices(50, seed=4))
    assert not np.array_equal(ds.subset_indices(50, seed=4), ds.subset_indices(50, seed=5))
    x, y = ds.subset(20, seed=4)
    np.testing.assert_array_equal(y, ds.y_train[ds.subset_indices(20, seed=4)])


@pytest.mark.parametrize("n", [1001, -1, 2.5])
def test_subset_size_out_of_range(n):
    ds = Dataset("toy", np.zeros((1000, 2)), np.arange(1000) % 2, np.zeros((1, 2)),
                 np.zeros(1, dtype=np.int64), ["0", "1"], {})
    with pytest.raises(InvalidParameterError, match="'n'"):
        ds.subset_indices(n, seed=0)


def test_digits_is_a_fixed_stratified_split_of_sklearn_digits():
    from sklearn.datasets import load_digits

    ds = load_dataset("digits")
    assert ds.x_train.dtype == np.uint8 and ds.x_train.shape[1:] == (8, 8)
    assert len(ds.y_train) + len(ds.y_test) == 1797
    assert ds.x_train.max() == 16 and ds.class_names == [str(k) for k in range(10)]
    full = np.bincount(load_digits().target)
    np.testing.assert_allclose(np.bincount(ds.y_test), np.round(0.3 * full))
    again = load_dataset("digits", seed=9)
    np.testing.assert_array_equal(again.x_test, ds.x_test)
    pair = load_dataset("digits", classes=[0, 1])
    assert pair.n_classes == 2 and set(np.unique(pair.y_train)) == {0, 1}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 40), min_size=2, max_size=5), seed=st.integers(0, 10_000),
       cut=st.floats(0, 1))
def test_every_prefix_is_stratified_for_any_class_sizes(sizes, seed, cut):
    from badminima.data.dataset import stratified_order

    labels = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(sizes)), sizes))
    order = stratified_order(labels, seed)
    assert sorted(order.tolist()) == list(range(len(labels)))
    n = int(cut * len(labels))
    counts = np.bincount(labels[order[:n]], minlength=len(sizes))
    p = np.asarray(sizes) / len(labels)
    assert np.all(np.abs(counts - n * p) < 1.0 + p * (len(sizes) - 2) + 1e-9)


def test_two_class_prefixes_are_floor_or_ceil_of_the_proportion():
    labels = np.random.default_rng(3).permutation(np.repeat([0, 1], [700, 300]))
    ds = Dataset("toy", np.zeros((1000, 1)), labels, np.zeros((1, 1)), np.zeros(1, dtype=np.int64),
                 ["a", "b"], {})
    order = ds.subset_indices(1000, seed=11)
    ones = np.cumsum(labels[order] == 1)
    n = np.arange(1, 1001)
    assert np.all(np.abs(ones - 0.3 * n) < 1.0)
