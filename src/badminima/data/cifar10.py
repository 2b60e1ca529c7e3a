"""CIFAR-10 from its official python batches or from an ImageFolder folder/archive.

``data_dir`` may be (checked in this order):

1. a ``.tar``/``.tar.gz`` archive: the official ``cifar-10-python.tar.gz`` (holding
   ``cifar-10-batches-py/``) or an ImageFolder archive such as ``cifar10-jpeg.tar.gz``;
2. a folder holding ``cifar-10-batches-py/``, or that folder itself;
3. an ImageFolder folder (``train/<class>/``, ``test/<class>/``, the ten CIFAR-10 class
   names as folder names);
4. a folder holding exactly one such archive, or a ``cifar10/`` sub-folder of any of these.

Labels follow CIFAR-10's order (airplane, automobile, bird, cat, deer, dog, frog, horse,
ship, truck) whatever the source. Without ``data_dir`` the default folder is
``$BADMINIMA_DATA_DIR/cifar10`` or ``<cache dir>/downloads/cifar10``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from badminima.data.archive import is_archive, read_members
from badminima.data.cache import load_or_build, sha256_file, sha256_text
from badminima.data.cifar_batches import BATCH_FILES, CIFAR10_CLASSES, META, decode_batches
from badminima.data.dataset import Dataset
from badminima.data.imagefolder import is_image_file, decode_imagefolder, has_layout, imagefolder_checksum
from badminima.data.mnist import default_data_dir
from badminima.errors import DataError

_SUBFOLDERS = ("cifar10", "cifar-10", "CIFAR10", "CIFAR-10")
_EXPECTED = "cifar-10-batches-py/, train/ and test/ class folders, or a .tar.gz of either"
_FETCH = "'badminima data prepare cifar10 --download' fetches it"


def resolve_cifar_source(path: Path, depth: int = 0) -> tuple[str, Path]:
    """``(kind, path)`` with kind ``"batches"``, ``"imagefolder"`` or ``"archive"``."""
    if is_archive(path):
        return "archive", path
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is neither a folder nor a .tar/.tar.gz archive"
        raise DataError(f"cifar10: {path} {what} (expected a folder with {_EXPECTED}; {_FETCH}).")
    if (path / "cifar-10-batches-py").is_dir():
        return "batches", path / "cifar-10-batches-py"
    if (path / "data_batch_1").is_file():
        return "batches", path
    if has_layout(path):
        return "imagefolder", path
    archives = sorted(p for p in path.iterdir() if is_archive(p))
    if len(archives) == 1:
        return "archive", archives[0]
    if len(archives) > 1:
        raise DataError(f"cifar10: {path} holds several archives ({', '.join(p.name for p in archives)}); "
                        "give the one to use as the data folder.")
    for sub in _SUBFOLDERS:
        if depth == 0 and (path / sub).is_dir():
            return resolve_cifar_source(path / sub, depth + 1)
    raise DataError(f"cifar10: nothing usable in {path} (expected {_EXPECTED}; {_FETCH}).")


def _batch_files(folder: Path) -> dict[str, Path]:
    return {name: folder / name for name in (*BATCH_FILES, META) if (folder / name).is_file()}


def _checksum(kind: str, path: Path) -> str:
    if kind == "batches":
        files = _batch_files(path)
        return sha256_text("".join(f"{n}={sha256_file(p)};" for n, p in sorted(files.items())))
    if kind == "archive":
        return sha256_file(path)
    return imagefolder_checksum(path)


def _wanted(name: str) -> bool:
    return PurePosixPath(name).name in (*BATCH_FILES, META) or is_image_file(name)


def _decode(kind: str, path: Path) -> dict:
    if kind == "batches":
        files = _batch_files(path)
        return _check_names(decode_batches({n: p.read_bytes() for n, p in files.items()}, str(path)), path)
    if kind == "imagefolder":
        return decode_imagefolder(path, CIFAR10_CLASSES)
    files, folders = read_members(path, _wanted)
    batches = {PurePosixPath(n).name: data for n, data in files.items()
               if PurePosixPath(n).name in (*BATCH_FILES, META)}
    if "data_batch_1" in batches:
        return _check_names(decode_batches(batches, str(path)), path)
    return decode_imagefolder(path, CIFAR10_CLASSES, preloaded=(files, folders))


def _check_names(arrays: dict, where: Path) -> dict:
    if list(arrays["class_names"]) != CIFAR10_CLASSES:
        raise DataError(f"{where}: batches.meta lists {arrays['class_names']}, not CIFAR-10's classes.")
    return arrays


def load_cifar10(data_dir=None, seed: int = 0, download: bool = False, cache: bool = True) -> Dataset:
    """CIFAR-10 (50000 + 10000 RGB images 32 x 32, uint8 NHWC). ``seed`` is ignored."""
    folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir("cifar10")
    if download:
        from badminima.data.download import download_dataset

        download_dataset("cifar10", folder)
    kind, path = resolve_cifar_source(folder)
    checksum = _checksum(kind, path)
    where = str(path.resolve())
    arrays, cached = load_or_build("cifar10", where, {"sha256": checksum, "kind": kind},
                                   lambda: _decode(kind, path), cache)
    source = {"path": where, "sha256": checksum, "format": kind, "cache": str(cached) if cached else None}
    return Dataset(name="cifar10", x_train=arrays["x_train"], y_train=arrays["y_train"],
                   x_test=arrays["x_test"], y_test=arrays["y_test"],
                   class_names=list(arrays["class_names"]), source=source)


def load_imagefolder(data_dir=None, seed: int = 0, cache: bool = True) -> Dataset:
    """Any ImageFolder folder or archive; classes are the sorted folder names of ``train/``."""
    if data_dir is None:
        raise DataError("imagefolder: no data folder given (expected a folder with train/<class>/ "
                        "and test/<class>/ image folders, or a .tar.gz of one).")
    path = Path(data_dir).expanduser()
    if not (is_archive(path) or has_layout(path)):
        raise DataError(f"imagefolder: {path} is neither a folder with train/<class>/ and "
                        "test/<class>/ image folders nor a .tar/.tar.gz archive of one.")
    checksum = imagefolder_checksum(path)
    where = str(path.resolve())
    arrays, cached = load_or_build("imagefolder", where, {"sha256": checksum},
                                   lambda: decode_imagefolder(path), cache)
    source = {"path": where, "sha256": checksum, "format": "imagefolder",
              "cache": str(cached) if cached else None}
    return Dataset(name="imagefolder", x_train=arrays["x_train"], y_train=arrays["y_train"],
                   x_test=arrays["x_test"], y_test=arrays["y_test"],
                   class_names=list(arrays["class_names"]), source=source)
