"""CIFAR-10 in its official python format: ``cifar-10-batches-py/``.

Files: ``data_batch_1`` .. ``data_batch_5`` (training, 10000 images each), ``test_batch``
and ``batches.meta`` (``label_names``). Each batch is a pickled dict with ``data``
(``uint8``, N x 3072: 1024 red, 1024 green, 1024 blue values, row-major 32 x 32) and
``labels`` (N ints in 0..9); it is read with :func:`~badminima.data.pickles.safe_unpickle`
and returned as NHWC ``uint8`` (N, 32, 32, 3).
"""

from __future__ import annotations

import numpy as np

from badminima.data.pickles import safe_unpickle
from badminima.errors import DataError

TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
BATCH_FILES = (*TRAIN_BATCHES, TEST_BATCH)
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]


def _field(batch: dict, key: str, where):
    for candidate in (key.encode(), key):
        if candidate in batch:
            return batch[candidate]
    raise DataError(f"{where}: CIFAR batch has no {key!r} entry.")


def decode_batch(data: bytes, where) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 32, 32, 3)`` uint8 and labels ``(N,)`` int64 of one pickled batch."""
    batch = safe_unpickle(data, where)
    if not isinstance(batch, dict):
        raise DataError(f"{where}: a CIFAR batch must be a dict, got {type(batch).__name__}.")
    pixels = np.asarray(_field(batch, "data", where))
    labels = np.asarray(_field(batch, "labels", where))
    if pixels.dtype != np.uint8 or pixels.ndim != 2 or pixels.shape[1] != 3072:
        raise DataError(f"{where}: CIFAR batch 'data' must be uint8 of shape (N, 3072); "
                        f"got {pixels.dtype} {pixels.shape}.")
    if labels.shape != (len(pixels),) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{where}: CIFAR batch has {labels.shape} labels for {len(pixels)} images.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{where}: CIFAR-10 labels must lie in 0..9.")
    images = pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def decode_meta(data: bytes, where) -> list[str]:
    """Class names from ``batches.meta``."""
    meta = safe_unpickle(data, where)
    names = _field(meta, "label_names", where) if isinstance(meta, dict) else None
    if not isinstance(names, list) or len(names) != 10:
        raise DataError(f"{where}: 'label_names' must list 10 class names.")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def decode_batches(contents: dict[str, bytes], where: str) -> dict:
    """Decode the six batches (and ``batches.meta`` if present) given as ``{file name: bytes}``."""
    missing = [name for name in BATCH_FILES if name not in contents]
    if missing:
        raise DataError(f"{where}: missing CIFAR-10 batch file(s) {', '.join(missing)} "
                        f"(expected {', '.join(BATCH_FILES)}).")
    train = [decode_batch(contents[name], f"{where}/{name}") for name in TRAIN_BATCHES]
    x_test, y_test = decode_batch(contents[TEST_BATCH], f"{where}/{TEST_BATCH}")
    names = (decode_meta(contents[META], f"{where}/{META}") if META in contents
             else list(CIFAR10_CLASSES))
    return {"x_train": np.concatenate([x for x, _ in train]),
            "y_train": np.concatenate([y for _, y in train]),
            "x_test": x_test, "y_test": y_test, "class_names": names}
