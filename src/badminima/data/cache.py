"""Cache of decoded arrays: one uncompressed ``.npz`` per (dataset, source, checksum).

Location: ``$BADMINIMA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/badminima``, else
``~/.cache/badminima``. A cache file is named ``<dataset>-<path hash>-<key hash>.npz``:
the key holds the source's SHA-256, so a changed source gives a new file (and the stale
one for the same path is removed). Writes are atomic (temp file in the same folder, then
``os.replace``), files are read with ``allow_pickle=False``, and an unreadable cache file
is rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Bump when the decoded layout changes, so old caches are not reused.
CACHE_FORMAT = 1
_ARRAYS = ("x_train", "y_train", "x_test", "y_test", "class_names")


def cache_dir() -> Path:
    """The cache folder (not created)."""
    if os.environ.get("BADMINIMA_CACHE_DIR"):
        return Path(os.environ["BADMINIMA_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "badminima"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a UTF-8 string."""
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(dataset: str, source_path: str, key: dict) -> Path:
    """Cache file of ``dataset`` read from ``source_path`` with ``key`` (incl. the checksum)."""
    key_text = json.dumps({"format": CACHE_FORMAT, **key}, sort_keys=True)
    return cache_dir() / f"{dataset}-{sha256_text(source_path)[:10]}-{sha256_text(key_text)[:20]}.npz"


def load_cached(path: Path) -> dict | None:
    """Arrays of a cache file, or ``None`` when it is absent or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in _ARRAYS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        logger.warning("ignoring unreadable cache file %s (%s); rebuilding", path, exc)
        return None
    arrays["class_names"] = [str(c) for c in arrays["class_names"]]
    return arrays


def save_cached(path: Path, arrays: dict) -> None:
    """Write ``arrays`` atomically to ``path`` and remove stale files of the same source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {name: arrays[name] for name in _ARRAYS}
    payload["class_names"] = np.asarray(arrays["class_names"], dtype=str)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    prefix = path.name.rsplit("-", 1)[0]
    for stale in path.parent.glob(f"{prefix}-*.npz"):
        if stale != path:
            stale.unlink(missing_ok=True)


def load_or_build(dataset: str, source_path: str, key: dict, build: Callable[[], dict],
                  use_cache: bool = True) -> tuple[dict, Path | None]:
    """Return ``(arrays, cache file)``: from the cache when valid, else ``build()`` then saved.

    ``build`` returns a dict with ``x_train, y_train, x_test, y_test, class_names``; it
    must raise on bad input, so nothing partial is ever written.
    """
    if not use_cache:
        return build(), None
    path = cache_path(dataset, source_path, key)
    arrays = load_cached(path)
    if arrays is not None:
        logger.info("loaded %s from cache %s", dataset, path)
        return arrays, path
    arrays = build()
    try:
        save_cached(path, arrays)
    except OSError as exc:  # a read-only cache folder must not stop the load
        logger.warning("could not write cache %s: %s", path, exc)
        return arrays, None
    return arrays, path
