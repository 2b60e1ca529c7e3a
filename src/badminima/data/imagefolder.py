"""ImageFolder layout: ``train/<class>/*.jpg|png|...`` and ``test/<class>/...``.

The layout may be a folder or a ``.tar``/``.tar.gz`` archive of one (read member by
member, never extracted, see :mod:`badminima.data.archive`); inside an archive the
``train/`` and ``test/`` folders may sit under one common prefix folder. Images of a
class folder are taken recursively and sorted by path, so the order does not depend on
the file system or on the archive's member order. Classes are the sub-folders of
``train/`` (sorted by name unless ``class_order`` is given) and ``test/`` must hold the
same ones. Hidden files and files without an image suffix are ignored; an empty class
folder or an unreadable image is an error naming it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import numpy as np

from badminima.data.archive import read_members
from badminima.data.cache import sha256_file, sha256_text
from badminima.data.images import decode_images
from badminima.errors import DataError

SPLITS = ("train", "test")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".pgm", ".webp", ".tif", ".tiff")
_LAYOUT = "train/<class>/<image> and test/<class>/<image>"


def is_image_file(name: str) -> bool:
    """Whether the file or archive member ``name`` is an image (by suffix; hidden files are not)."""
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(IMAGE_SUFFIXES)


def has_layout(folder: Path) -> bool:
    """Whether ``folder`` holds ``train/`` and ``test/`` sub-folders."""
    return all((folder / split).is_dir() for split in SPLITS)


# ---------------------------------------------------------------- listings
def _folder_listing(root: Path) -> dict:
    """``{split: {class: [relative image paths]}}`` of an ImageFolder directory."""
    listing = {}
    for split in SPLITS:
        classes = {}
        for entry in sorted(os.scandir(root / split), key=lambda e: e.name):
            if entry.is_dir() and not entry.name.startswith("."):
                files = []
                for dirpath, _, names in os.walk(entry.path):
                    files += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
                classes[entry.name] = sorted(f.replace(os.sep, "/") for f in files if is_image_file(f))
        listing[split] = classes
    return listing


def _archive_root(archive: Path, folders: set[str]) -> str:
    roots = {str(PurePosixPath(f).parent) for f in folders if PurePosixPath(f).name == "train"}
    roots = sorted(r for r in roots if (f"{r}/test" if r != "." else "test") in folders)
    if not roots:
        raise DataError(f"{archive}: no ImageFolder layout found: expected {_LAYOUT}.")
    if len(roots) > 1:
        raise DataError(f"{archive}: several ImageFolder layouts ({', '.join(roots)}); pass one.")
    return "" if roots[0] == "." else roots[0] + "/"


def _archive_listing(archive: Path, files: dict, folders: set[str]) -> dict:
    root = _archive_root(archive, folders)
    listing = {}
    for split in SPLITS:
        base = f"{root}{split}/"
        names = sorted({f[len(base):].split("/", 1)[0] for f in folders
                        if f.startswith(base) and not f[len(base):].startswith(".")})
        listing[split] = {c: sorted(n for n in files if n.startswith(f"{base}{c}/")) for c in names}
    return listing


def _check_listing(where: str, listing: dict) -> list[str]:
    train, test = listing["train"], listing["test"]
    if not train:
        raise DataError(f"{where}: train/ has no class folders; expected {_LAYOUT}.")
    for split in SPLITS:
        for name, files in listing[split].items():
            if not files:
                raise DataError(f"{where}: class folder {split}/{name}/ holds no images "
                                f"({', '.join(IMAGE_SUFFIXES)}).")
    if set(train) != set(test):
        odd = sorted(set(train) ^ set(test))
        raise DataError(f"{where}: train/ and test/ must hold the same class folders; "
                        f"they differ in {', '.join(odd)}.")
    return sorted(train)


# ------------------------------------------------------------------- API
def imagefolder_checksum(path: Path) -> str:
    """SHA-256 of an archive's bytes, or of a folder's manifest (paths, sizes, mtimes)."""
    if path.is_file():
        return sha256_file(path)
    lines = []
    for split in SPLITS:
        for dirpath, _, names in os.walk(path / split):
            for n in names:
                st = os.stat(os.path.join(dirpath, n))
                lines.append(f"{os.path.relpath(os.path.join(dirpath, n), path)}\t{st.st_size}\t{st.st_mtime_ns}")
    return sha256_text("\n".join(sorted(lines)))


def decode_imagefolder(path: Path, class_order: list[str] | None = None,
                       preloaded: tuple[dict, set] | None = None) -> dict:
    """Decode an ImageFolder folder or archive into train/test arrays.

    Parameters
    ----------
    path : Path
        Folder with ``train/`` and ``test/``, or a tar archive of one.
    class_order : list of str, optional
        Label order; the class folders must be exactly these names. Default: sorted names.
    preloaded : (files, folders), optional
        The archive's members when already read with :func:`read_members`.
    """
    where = str(path)
    if path.is_file():
        files, folders = preloaded or read_members(path, is_image_file)
        listing = _archive_listing(path, files, folders)
        fetch = files.__getitem__
    else:
        listing = _folder_listing(path)
        fetch = lambda rel: (path / rel).read_bytes()  # noqa: E731
    names = _check_listing(where, listing)
    if class_order is not None:
        if set(names) != set(class_order):
            raise DataError(f"{where}: expected class folders {', '.join(class_order)}; "
                            f"found {', '.join(names)}.")
        names = list(class_order)
    arrays = {"class_names": names}
    for split in SPLITS:
        items, labels = [], []
        for label, name in enumerate(names):
            items += [(f"{where}:{rel}", fetch(rel)) for rel in listing[split][name]]
            labels += [label] * len(listing[split][name])
        arrays[f"x_{split}"] = decode_images(items)
        arrays[f"y_{split}"] = np.asarray(labels, dtype=np.int64)
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise DataError(f"{where}: train images are {arrays['x_train'].shape[1:]} but test "
                        f"images are {arrays['x_test'].shape[1:]}.")
    return arrays
