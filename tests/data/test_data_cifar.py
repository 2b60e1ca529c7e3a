"""CIFAR python batches and ImageFolder data written by the tests; unsafe pickles/archives."""

import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from badminima.data import load_dataset
from badminima.data.cifar_batches import CIFAR10_CLASSES
from badminima.data.pickles import safe_unpickle
from badminima.errors import DataError


# ------------------------------------------------------------------ fixtures
def write_batches(folder: Path, per_batch=4, seed=0) -> dict:
    """A tiny cifar-10-batches-py/ folder in the official (protocol 2, bytes keys) format."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    raw = {}
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                 b"filenames": [f"img{k}.png".encode() for k in range(per_batch)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        raw[name] = (data, labels)
    meta = {b"label_names": [c.encode() for c in CIFAR10_CLASSES], b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return raw


def _nhwc(data):
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def png_bytes(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def write_imagefolder(root: Path, classes, per_class=(3, 2), size=(6, 5), rgb=True, seed=0) -> dict:
    """train/<class>/*.png and test/<class>/*.png with random pixels (PNG: lossless)."""
    rng = np.random.default_rng(seed)
    shape = (*size, 3) if rgb else size
    images = {}
    for split, count in zip(("train", "test"), per_class):
        for c in classes:
            (root / split / c).mkdir(parents=True, exist_ok=True)
            for k in range(count):
                array = rng.integers(0, 256, shape, dtype=np.uint8)
                (root / split / c / f"{k:03d}.png").write_bytes(png_bytes(array))
                images[(split, c, k)] = array
    return images


def make_tar(path: Path, folder: Path, arcname: str):
    with tarfile.open(path, "w:gz") as tar:
        tar.add(folder, arcname=arcname)
    return path


def cache_files(prefix):
    root = Path(os.environ["BADMINIMA_CACHE_DIR"])
    return sorted(root.glob(f"{prefix}-*.npz")) if root.is_dir() else []


# ------------------------------------------------------------ python batches
def _check_batches(ds, raw):
    train = np.concatenate([_nhwc(raw[f"data_batch_{k}"][0]) for k in range(1, 6)])
    np.testing.assert_array_equal(ds.x_train, train)
    np.testing.assert_array_equal(ds.y_train, sum((raw[f"data_batch_{k}"][1] for k in range(1, 6)), []))
    np.testing.assert_array_equal(ds.x_test, _nhwc(raw["test_batch"][0]))
    np.testing.assert_array_equal(ds.y_test, raw["test_batch"][1])
    assert ds.x_train.shape == (20, 32, 32, 3) and ds.class_names == CIFAR10_CLASSES


def test_python_batches_read_back_exactly_from_folder_parent_and_archive(tmp_path):
    raw = write_batches(tmp_path / "cifar-10-batches-py", seed=1)
    _check_batches(load_dataset("cifar10", data_dir=tmp_path), raw)
    _check_batches(load_dataset("cifar10", data_dir=tmp_path / "cifar-10-batches-py"), raw)
    archive = make_tar(tmp_path / "cifar-10-python.tar.gz", tmp_path / "cifar-10-batches-py",
                       "cifar-10-batches-py")
    ds = load_dataset("cifar10", data_dir=archive, classes=["cat", "dog"])
    keep = np.isin(raw["test_batch"][1], [3, 5])
    np.testing.assert_array_equal(ds.x_test, _nhwc(raw["test_batch"][0])[keep])
    assert ds.class_names == ["cat", "dog"] and ds.source["format"] == "archive"


def test_batch_with_wrong_shape_names_the_file(tmp_path):
    write_batches(tmp_path)
    bad = {b"labels": [0, 1], b"data": np.zeros((2, 1024), dtype=np.uint8)}
    (tmp_path / "data_batch_3").write_bytes(pickle.dumps(bad, protocol=2))
    before = cache_files("cifar10")
    with pytest.raises(DataError, match=r"data_batch_3.*\(N, 3072\)"):
        load_dataset("cifar10", data_dir=tmp_path)
    assert cache_files("cifar10") == before


def test_missing_batch_file_is_named(tmp_path):
    write_batches(tmp_path)
    (tmp_path / "test_batch").unlink()
    with pytest.raises(DataError, match="test_batch"):
        load_dataset("cifar10", data_dir=tmp_path)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    write_batches(tmp_path)
    payload = {b"data": np.zeros((1, 3072), dtype=np.uint8), b"labels": [_Exploit(marker)]}
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_1: refused pickle.*(posix|os)\.system"):
        load_dataset("cifar10", data_dir=tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    pickle.dumps(eval), b"cbuiltins\nexec\n(S'1'\ntR.",
    pickle.dumps(np.array([1, "x"], dtype=object)),
])
def test_other_globals_and_object_arrays_are_refused(payload):
    with pytest.raises(DataError, match="refused pickle"):
        safe_unpickle(payload, "blob")


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_numpy_arrays_in_any_protocol_are_admitted(protocol):
    value = {"a": np.arange(12, dtype=np.uint8).reshape(3, 4), "b": [1, 2.5, "s", b"t", (1,)]}
    back = safe_unpickle(pickle.dumps(value, protocol=protocol), "blob")
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"] == value["b"]


def test_garbage_pickle_is_a_data_error():
    with pytest.raises(DataError, match="not a readable pickle"):
        safe_unpickle(b"\x80\x02}q\x00(", "blob")


# ---------------------------------------------------------------- imagefolder
@pytest.mark.parametrize("as_archive", [False, True])
def test_imagefolder_reads_back_exactly(tmp_path, as_archive):
    images = write_imagefolder(tmp_path / "data", ["zebra", "ant", "moth"])
    source = make_tar(tmp_path / "data.tar.gz", tmp_path / "data", "prefix") if as_archive else tmp_path / "data"
    ds = load_dataset("imagefolder", data_dir=source)
    assert ds.class_names == ["ant", "moth", "zebra"]
    assert ds.x_train.shape == (9, 6, 5, 3) and ds.x_test.shape == (6, 6, 5, 3)
    for split, per in (("train", 3), ("test", 2)):
        x, y = getattr(ds, f"x_{split}"), getattr(ds, f"y_{split}")
        for label, name in enumerate(ds.class_names):
            for k in range(per):
                np.testing.assert_array_equal(x[label * per + k], images[(split, name, k)])
                assert y[label * per + k] == label


def test_grayscale_imagefolder_gives_nhw(tmp_path):
    images = write_imagefolder(tmp_path, ["a", "b"], rgb=False)
    ds = load_dataset("imagefolder", data_dir=tmp_path)
    assert ds.x_train.shape == (6, 6, 5)
    np.testing.assert_array_equal(ds.x_test[2], images[("test", "b", 0)])


def test_cifar10_from_imagefolder_uses_cifar_label_order(tmp_path):
    images = write_imagefolder(tmp_path / "c", CIFAR10_CLASSES, per_class=(1, 1), size=(32, 32))
    archive = make_tar(tmp_path / "c.tar.gz", tmp_path / "c", ".")
    for source in (tmp_path / "c", archive):
        ds = load_dataset("cifar10", data_dir=source)
        assert ds.class_names == CIFAR10_CLASSES
        np.testing.assert_array_equal(ds.y_train, np.arange(10))
        np.testing.assert_array_equal(ds.x_train[3], images[("train", "cat", 0)])


def test_empty_class_folder_is_named(tmp_path):
    write_imagefolder(tmp_path / "d", ["a", "b"])
    (tmp_path / "d" / "test" / "c").mkdir()
    (tmp_path / "d" / "train" / "c").mkdir()
    with pytest.raises(DataError, match=r"class folder (train|test)/c/ holds no images"):
        load_dataset("imagefolder", data_dir=tmp_path / "d")
    archive = make_tar(tmp_path / "d.tar", tmp_path / "d", "d")
    with pytest.raises(DataError, match=r"class folder (train|test)/c/ holds no images"):
        load_dataset("imagefolder", data_dir=archive)


def test_unreadable_image_is_named_and_nothing_cached(tmp_path):
    write_imagefolder(tmp_path, ["a", "b"])
    (tmp_path / "train" / "b" / "bad.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    before = cache_files("imagefolder")
    with pytest.raises(DataError, match=r"train/b/bad\.jpg: unreadable image"):
        load_dataset("imagefolder", data_dir=tmp_path)
    assert cache_files("imagefolder") == before


def test_image_of_another_size_and_class_mismatch(tmp_path):
    write_imagefolder(tmp_path / "s", ["a", "b"])
    (tmp_path / "s" / "train" / "b" / "big.png").write_bytes(png_bytes(np.zeros((9, 9, 3), np.uint8)))
    with pytest.raises(DataError, match="big.png: image size 9x9"):
        load_dataset("imagefolder", data_dir=tmp_path / "s")
    write_imagefolder(tmp_path / "m", ["a", "b"])
    os.rename(tmp_path / "m" / "test" / "b", tmp_path / "m" / "test" / "c")
    with pytest.raises(DataError, match="same class folders"):
        load_dataset("imagefolder", data_dir=tmp_path / "m")


def test_missing_cifar_folder_says_what_to_pass(tmp_path):
    with pytest.raises(DataError, match=r"absent does not exist .*cifar-10-batches-py.*--download"):
        load_dataset("cifar10", data_dir=tmp_path / "absent")
    with pytest.raises(DataError, match="nothing usable") as info:
        load_dataset("cifar10", data_dir=tmp_path)
    assert "download=True" not in str(info.value) and "data_dir" not in str(info.value)
    with pytest.raises(DataError, match="no data folder given"):
        load_dataset("imagefolder")


# ------------------------------------------------------------ unsafe archives
def _crafted(path: Path, evil: tarfile.TarInfo, data=b"x"):
    good = png_bytes(np.zeros((2, 2, 3), np.uint8))
    with tarfile.open(path, "w:gz") as tar:
        for split in ("train", "test"):
            info = tarfile.TarInfo(f"{split}/a/0.png")
            info.size = len(good)
            tar.addfile(info, io.BytesIO(good))
        if evil.isfile():
            evil.size = len(data)
            tar.addfile(evil, io.BytesIO(data))
        else:
            tar.addfile(evil)
    return path


def _info(name, kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize("evil, why", [
    (_info("/etc/evil.png"), "absolute path"),
    (_info("train/a/../../../evil.png"), r"contains '\.\.'"),
    (_info("train/a/link.png", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    (_info("train/a/hard.png", tarfile.LNKTYPE, "train/a/0.png"), "is a link"),
    (_info("train/a/dev", tarfile.CHRTYPE), "not a regular file"),
])
def test_unsafe_archive_members_are_refused(tmp_path, evil, why):
    archive = _crafted(tmp_path / "evil.tar.gz", evil)
    with pytest.raises(DataError, match=f"refused unsafe archive member.*{why}"):
        load_dataset("imagefolder", data_dir=archive)
    assert not (tmp_path / "evil.png").exists()


def test_truncated_archive_is_a_data_error(tmp_path):
    write_imagefolder(tmp_path / "t", ["a", "b"], size=(40, 40))
    archive = make_tar(tmp_path / "t.tar.gz", tmp_path / "t", "t")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataError, match=r"t\.tar\.gz: cannot read the archive"):
        load_dataset("imagefolder", data_dir=archive)
