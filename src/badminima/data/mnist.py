"""MNIST and Fashion-MNIST from the four official IDX files in a folder.

The folder (``data_dir``) holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally ``.gz``.
Also accepted: a parent folder with a ``mnist/`` (``fashion-mnist/``) or torchvision
``MNIST/raw`` (``FashionMNIST/raw``) subfolder. Without ``data_dir`` the default folder
is ``$BADMINIMA_DATA_DIR/<name>`` or ``<cache dir>/downloads/<name>``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from badminima.data.cache import cache_dir, load_or_build, sha256_file, sha256_text
from badminima.data.dataset import Dataset
from badminima.data.idx import read_idx
from badminima.errors import DataError

#: The four IDX files, by role.
IDX_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
_SUBFOLDERS = {"mnist": ("mnist", "MNIST/raw", "MNIST"),
               "fashion-mnist": ("fashion-mnist", "fashion_mnist", "FashionMNIST/raw", "FashionMNIST")}
_CLASS_NAMES = {"mnist": [str(k) for k in range(10)], "fashion-mnist": FASHION_CLASSES}


def default_data_dir(name: str) -> Path:
    """``$BADMINIMA_DATA_DIR/<name>`` if set, else ``<cache dir>/downloads/<name>``."""
    root = os.environ.get("BADMINIMA_DATA_DIR")
    return Path(root) / name if root else cache_dir() / "downloads" / name


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def find_idx_files(name: str, data_dir: Path) -> dict[str, Path]:
    """The four IDX files of ``name`` under ``data_dir``, or a DataError saying what is expected."""
    folders = [data_dir] + [data_dir / sub for sub in _SUBFOLDERS[name]]
    best: dict[str, Path] = {}
    for folder in folders:
        found = {role: _find(folder, stem) for role, stem in IDX_FILES.items()}
        found = {role: path for role, path in found.items() if path is not None}
        if len(found) == 4:
            return found
        if len(found) > len(best):
            best = found
    if best:
        folder = next(iter(best.values())).parent
        missing = ", ".join(f"{IDX_FILES[r]}[.gz]" for r in IDX_FILES if r not in best)
        raise DataError(f"{name}: {folder} lacks {missing} (the four IDX files are expected together).")
    first = f"{IDX_FILES['x_train']}[.gz]"
    where = f"folder {data_dir} does not exist" if not data_dir.is_dir() else f"no IDX file in {data_dir}"
    raise DataError(f"{name}: {where} (expected {first} and the 3 other IDX files; "
                    f"'badminima data prepare {name} --download' fetches them).")


def _decode(name: str, files: dict[str, Path]) -> dict:
    arrays = {role: read_idx(files[role], ndim=3 if role.startswith("x") else 1) for role in IDX_FILES}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) != len(y):
            raise DataError(f"{files[f'y_{split}']}: {len(y)} labels for {len(x)} images "
                            f"in {files[f'x_{split}']}.")
        if x.dtype != np.uint8 or y.dtype != np.uint8 or (len(y) and y.max() > 9):
            raise DataError(f"{files[f'y_{split}']}: expected uint8 images and labels 0..9.")
        arrays[f"y_{split}"] = y.astype(np.int64)
    arrays["class_names"] = _CLASS_NAMES[name]
    return arrays


def load_idx_dataset(name: str, data_dir=None, download: bool = False, cache: bool = True) -> Dataset:
    """Load ``mnist`` or ``fashion-mnist`` (see the module docstring)."""
    folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir(name)
    if download:
        from badminima.data.download import download_dataset

        download_dataset(name, folder)
    files = find_idx_files(name, folder)
    checksums = {files[role].name: sha256_file(files[role]) for role in IDX_FILES}
    combined = sha256_text("".join(f"{k}={v};" for k, v in sorted(checksums.items())))
    where = str(files["x_train"].parent.resolve())
    arrays, cached = load_or_build(name, where, {"sha256": combined},
                                   lambda: _decode(name, files), cache)
    source = {"path": where, "sha256": combined, "files": checksums, "format": "idx",
              "cache": str(cached) if cached else None}
    return Dataset(name=name, x_train=arrays["x_train"], y_train=arrays["y_train"],
                   x_test=arrays["x_test"], y_test=arrays["y_test"],
                   class_names=list(arrays["class_names"]), source=source)


def load_mnist(data_dir=None, seed: int = 0, download: bool = False, cache: bool = True) -> Dataset:
    """MNIST (60000 + 10000 images 28 x 28, uint8). ``seed`` is ignored (fixed split)."""
    return load_idx_dataset("mnist", data_dir, download, cache)


def load_fashion_mnist(data_dir=None, seed: int = 0, download: bool = False, cache: bool = True) -> Dataset:
    """Fashion-MNIST (60000 + 10000 images 28 x 28, uint8). ``seed`` is ignored."""
    return load_idx_dataset("fashion-mnist", data_dir, download, cache)
