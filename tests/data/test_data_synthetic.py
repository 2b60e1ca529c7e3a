"""Synthetic teacher tasks: determinism, teacher rules, label noise, option checks."""

import numpy as np
import pytest

from badminima.data import DATASETS, load_dataset
from badminima.errors import InvalidParameterError


def test_registry_lists_every_dataset():
    assert {"synthetic-linear", "synthetic-mlp", "digits"} <= set(DATASETS)


@pytest.mark.parametrize("name", ["synthetic-linear", "synthetic-mlp"])
def test_same_seed_same_data_and_different_seed_different(name):
    a, b = load_dataset(name, seed=3, n_test=500), load_dataset(name, seed=3, n_test=500)
    c = load_dataset(name, seed=4, n_test=500)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    assert a.x_train.shape == (1000, 20) and a.x_test.shape == (500, 20)


def test_growing_the_pool_keeps_the_first_points():
    small = load_dataset("synthetic-mlp", seed=1, n_train=100, n_test=50)
    big = load_dataset("synthetic-mlp", seed=1, n_train=300, n_test=80)
    np.testing.assert_array_equal(big.x_train[:100], small.x_train)
    np.testing.assert_array_equal(big.y_train[:100], small.y_train)
    np.testing.assert_array_equal(big.x_test[:50], small.x_test)


def test_linear_teacher_is_bias_free_unit_vector_rule():
    ds = load_dataset("synthetic-linear", seed=0, dim=7, n_test=2000)
    w = ds.teacher["w"]
    assert w.shape == (7,) and np.isclose(np.linalg.norm(w), 1.0)
    np.testing.assert_array_equal(ds.y_train, (ds.x_train.astype(float) @ w > 0).astype(int))
    np.testing.assert_array_equal(ds.y_test, (ds.x_test.astype(float) @ w > 0).astype(int))


def test_student_perceptron_error_is_angle_over_pi():
    """Isotropic Gaussian inputs: a student at angle theta errs with probability theta/pi."""
    dim, n_test = 10, 200_000
    ds = load_dataset("synthetic-linear", seed=5, dim=dim, n_train=1, n_test=n_test)
    w = ds.teacher["w"]
    rng = np.random.default_rng(0)
    u = rng.standard_normal(dim)
    u -= (u @ w) * w
    u /= np.linalg.norm(u)
    for theta in (0.3, 1.0, 2.5):
        student = np.cos(theta) * w + np.sin(theta) * u
        err = np.mean((ds.x_test @ student > 0).astype(int) != ds.y_test)
        se = np.sqrt(theta / np.pi * (1 - theta / np.pi) / n_test)
        assert abs(err - theta / np.pi) < 4 * se


def test_multiclass_linear_teacher_is_argmax():
    ds = load_dataset("synthetic-linear", n_classes=4, dim=5, n_test=300)
    np.testing.assert_array_equal(ds.y_train, np.argmax(ds.x_train.astype(float) @ ds.teacher["W"], 1))
    assert set(np.unique(ds.y_train)) == {0, 1, 2, 3}
    assert ds.class_names == ["0", "1", "2", "3"] and ds.n_classes == 4


def test_mlp_teacher_labels_match_an_independent_forward_pass():
    ds = load_dataset("synthetic-mlp", n_classes=3, dim=6, teacher_hidden=(8, 5), n_test=400)
    t = ds.teacher
    assert sorted(t) == ["W0", "W1", "W2", "b0", "b1", "b2"]
    assert t["W0"].shape == (6, 8) and t["W1"].shape == (8, 5) and t["W2"].shape == (5, 3)
    h = np.tanh(ds.x_test.astype(float) @ t["W0"] + t["b0"])
    h = np.tanh(h @ t["W1"] + t["b1"])
    np.testing.assert_array_equal(ds.y_test, np.argmax(h @ t["W2"] + t["b2"], axis=1))
    assert np.bincount(ds.y_train, minlength=3).min() > 50  # centred output: no empty class


def test_label_noise_rate_and_flips_to_other_classes():
    p, n = 0.2, 20000
    ds = load_dataset("synthetic-linear", n_classes=3, label_noise=p, n_train=n, n_test=n)
    flipped = ds.y_train != ds.y_train_clean
    assert abs(flipped.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    clean = load_dataset("synthetic-linear", n_classes=3, n_train=n, n_test=n)
    np.testing.assert_array_equal(ds.y_train_clean, clean.y_train)  # noise leaves the task intact
    assert (ds.y_test != ds.y_test_clean).mean() > 0.15


def test_uniform_inputs_are_bounded_with_unit_variance():
    ds = load_dataset("synthetic-linear", input_dist="uniform", n_train=20000, n_test=10)
    assert np.abs(ds.x_train).max() <= np.sqrt(3) + 1e-6
    assert abs(ds.x_train.var() - 1.0) < 0.02


def test_normalized_leaves_vectors_unchanged():
    ds = load_dataset("synthetic-linear", n_test=10)
    np.testing.assert_array_equal(ds.normalized().x_train, ds.x_train)


@pytest.mark.parametrize("options, word", [
    ({"n_classes": 1}, "n_classes"), ({"label_noise": 1.0}, "label_noise"),
    ({"input_dist": "cauchy"}, "input_dist"), ({"dim": 0}, "dim"), ({"n_train": 0}, "n_train"),
    ({"teacher_hidden": "32"}, "teacher_hidden"), ({"widths": 3}, "widths"),
])
def test_bad_options_are_named(options, word):
    with pytest.raises(InvalidParameterError, match=word):
        load_dataset("synthetic-mlp", **options)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(InvalidParameterError, match="synthetic-linear"):
        load_dataset("imagenet")
