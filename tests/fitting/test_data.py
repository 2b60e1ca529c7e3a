"""Per-run data: validation, per-size summaries, CSV reading, bootstrap resampling."""

import numpy as np
import pytest

from badminima.errors import DataError, FitError
from badminima.fitting.data import curve_data, read_curve_csv


def test_summary_means_and_standard_errors():
    data = curve_data([100, 10, 10, 100, 10], [0.1, 0.5, 0.3, 0.3, 0.4])
    np.testing.assert_array_equal(data.sizes, [10, 100])
    np.testing.assert_array_equal(data.counts, [3, 2])
    np.testing.assert_allclose(data.means, [0.4, 0.2])
    np.testing.assert_allclose(data.sigmas, [0.1 / np.sqrt(3), np.sqrt(0.02) / np.sqrt(2)])
    assert not data.relative_weights


def test_single_run_sizes_get_pooled_relative_spread():
    data = curve_data([10, 10, 100], [0.4, 0.6, 0.2])
    r = np.std([0.4, 0.6], ddof=1) / 0.5
    np.testing.assert_allclose(data.sigmas, [r * 0.5 / np.sqrt(2), r * 0.2])


def test_no_replicates_means_relative_weights():
    data = curve_data([10, 100, 1000], [0.4, 0.2, 0.1])
    assert data.relative_weights
    np.testing.assert_allclose(data.sigmas, data.means)


def test_resample_keeps_counts_and_is_seeded():
    data = curve_data(np.repeat([10, 100, 1000], 4), np.linspace(0.5, 0.1, 12))
    a = data.resample(np.random.default_rng(3))
    b = data.resample(np.random.default_rng(3))
    np.testing.assert_array_equal(a.counts, data.counts)
    np.testing.assert_array_equal(a.errors, b.errors)
    for size in data.sizes:
        assert set(a.errors[a.n == size]) <= set(data.errors[data.n == size])


@pytest.mark.parametrize("n, errors, match", [
    ([], [], "empty"),
    ([10, 10], [0.1, 0.2], "at least two distinct n"),
    ([10, 20], [0.1, np.nan], "NaN"),
    ([10, 20], [0.1, 1.5], r"\[0, 1\]"),
    ([10, 20.5], [0.1, 0.2], "positive integer"),
    ([10, 20, 30], [0.1, 0.2], "3 entries"),
])
def test_bad_runs_raise(n, errors, match):
    with pytest.raises(FitError, match=match):
        curve_data(n, errors)


def test_read_csv(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("seed, n ,test_error\n0,10,0.5\n1,10,0.4\n0,100,0.2\n")
    n, err = read_curve_csv(path)
    np.testing.assert_array_equal(n, [10, 10, 100])
    np.testing.assert_array_equal(err, [0.5, 0.4, 0.2])


@pytest.mark.parametrize("text, match", [
    ("n,error\n10,0.5\n", "missing test_error"),
    ("n,test_error\n", "no data rows"),
    ("n,test_error\n10,abc\n", "line 2: column test_error"),
    ("", "header"),
])
def test_bad_csv_raises(tmp_path, text, match):
    path = tmp_path / "curve.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        read_curve_csv(path)


def test_missing_csv(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_curve_csv(tmp_path / "absent.csv")
