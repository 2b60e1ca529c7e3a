"""MNIST-style IDX files written by the tests: exact read-back, errors, checksum-keyed cache."""

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from badminima.data import load_dataset
from badminima.data.idx import parse_idx
from badminima.errors import DataError

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder: Path, seed=0, n_train=30, n_test=12, gz=True) -> dict:
    rng = np.random.default_rng(seed)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
              "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, n_test).astype(np.uint8)}
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in zip(STEMS, arrays.values()):
        data = idx_bytes(array)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return arrays


def cache_files(prefix):
    root = Path(os.environ["BADMINIMA_CACHE_DIR"])
    return sorted(root.glob(f"{prefix}-*.npz")) if root.is_dir() else []


@pytest.mark.parametrize("gz", [True, False])
def test_idx_files_read_back_exactly(tmp_path, gz):
    arrays = write_mnist(tmp_path / "m", gz=gz)
    ds = load_dataset("mnist", data_dir=tmp_path / "m")
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(ds, key), expected)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.class_names == [str(k) for k in range(10)]
    assert len(ds.source["sha256"]) == 64 and len(ds.source["files"]) == 4


def test_parent_folder_with_named_subfolder_and_fashion_names(tmp_path):
    write_mnist(tmp_path / "fashion-mnist", seed=2)
    ds = load_dataset("fashion-mnist", data_dir=tmp_path, classes=["Bag", "Sandal"])
    assert ds.class_names == ["Bag", "Sandal"]
    assert set(np.unique(ds.y_train)) <= {0, 1}


def test_missing_folder_is_one_short_line_naming_what_is_expected(tmp_path):
    with pytest.raises(DataError, match=r"nowhere does not exist .*train-images-idx3-ubyte.*--download") as info:
        load_dataset("mnist", data_dir=tmp_path / "nowhere")
    assert "data_dir" not in str(info.value) and "download=True" not in str(info.value)
    with pytest.raises(DataError, match=r"no IDX file in .*expected train-images-idx3-ubyte\[\.gz\] and") as info:
        load_dataset("mnist", data_dir=tmp_path)
    assert len(str(info.value)) < 150 + len(str(tmp_path)) and "\n" not in str(info.value)


def test_partial_folder_names_missing_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="lacks t10k-labels-idx1-ubyte"):
        load_dataset("mnist", data_dir=tmp_path)


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"\x00\x00\x09\x01" + d[4:], "expected uint8"),
    (lambda d: b"\x12\x34\x08\x03" + d[4:], "bad magic number"),
    (lambda d: d[:-7], "wrong length"),
    (lambda d: d + b"\x00", "wrong length"),
    (lambda d: b"\x00\x00\x08\x01" + d[4:], "dimension"),
])
def test_corrupt_idx_is_refused_by_name_and_nothing_cached(tmp_path, damage, message):
    write_mnist(tmp_path, gz=False)
    target = tmp_path / "train-labels-idx1-ubyte" if "uint8" in message else tmp_path / "train-images-idx3-ubyte"
    target.write_bytes(damage(target.read_bytes()))
    before = cache_files("mnist")
    with pytest.raises(DataError, match=message) as info:
        load_dataset("mnist", data_dir=tmp_path)
    assert target.name in str(info.value)
    assert cache_files("mnist") == before


def test_truncated_gzip_is_refused(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        load_dataset("mnist", data_dir=tmp_path)


def test_label_count_mismatch(tmp_path):
    write_mnist(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5, dtype=np.uint8)))
    with pytest.raises(DataError, match="5 labels for 12 images"):
        load_dataset("mnist", data_dir=tmp_path)


def test_parse_idx_other_types():
    values = np.arange(6, dtype=">i4").reshape(2, 3)
    data = bytes([0, 0, 0x0C, 2]) + struct.pack(">II", 2, 3) + values.tobytes()
    np.testing.assert_array_equal(parse_idx(data, "mem"), values)


def test_cache_is_used_then_rebuilt_when_the_source_changes(tmp_path):
    arrays = write_mnist(tmp_path, seed=5, gz=False)
    first = load_dataset("mnist", data_dir=tmp_path)
    cached = Path(first.source["cache"])
    assert cached.is_file()
    second = load_dataset("mnist", data_dir=tmp_path)
    assert second.source["cache"] == str(cached)
    np.testing.assert_array_equal(second.x_train, arrays["x_train"])
    changed = arrays["x_train"].copy()
    changed[0, 0, 0] ^= 0xFF
    (tmp_path / STEMS[0]).write_bytes(idx_bytes(changed))
    third = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(third.x_train, changed)
    assert third.source["sha256"] != first.source["sha256"]
    assert not cached.exists() and Path(third.source["cache"]).is_file()  # stale entry removed


def test_unreadable_cache_file_is_rebuilt(tmp_path):
    arrays = write_mnist(tmp_path, seed=6)
    cached = Path(load_dataset("mnist", data_dir=tmp_path).source["cache"])
    cached.write_bytes(b"not a zip file")
    again = load_dataset("mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(again.y_test, arrays["y_test"])
    with np.load(cached, allow_pickle=False) as npz:
        assert npz["x_train"].shape == (30, 28, 28)


def test_cache_location_follows_environment(monkeypatch, tmp_path):
    from badminima.data.cache import cache_dir

    monkeypatch.delenv("BADMINIMA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "badminima"
    monkeypatch.setenv("BADMINIMA_CACHE_DIR", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x"
