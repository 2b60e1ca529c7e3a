"""A restricted unpickler for CIFAR python batches.

CIFAR-10's ``data_batch_*`` files are Python pickles; an ordinary ``pickle.load`` runs
whatever a crafted file asks for. :func:`safe_unpickle` admits only the builtin
containers (dict, list, tuple, str, bytes, numbers: pickle opcodes, no globals) and
numpy arrays (``_reconstruct``, ``_frombuffer``, ``ndarray``, ``dtype``, ``scalar``, and
``_codecs.encode`` restricted to latin-1, which protocol-2 pickles use for bytes); any other global
is refused with a :class:`~badminima.errors.DataError`, before anything is called.
Arrays of dtype ``object`` are refused too.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

from badminima.errors import DataError

_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]
_SCALAR = np.float64(0).__reduce__()[0]
_ALLOWED = {}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _RECONSTRUCT
    _ALLOWED[(_module, "scalar")] = _SCALAR
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_module, "_frombuffer")] = np.zeros(1).__reduce_ex__(5)[0]
_ALLOWED[("numpy", "ndarray")] = np.ndarray
_ALLOWED[("numpy", "dtype")] = np.dtype


def _latin1_encode(text, encoding="latin1"):
    """``_codecs.encode`` as Python 3 protocol-2 pickles use it for bytes; latin-1 only."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise DataError(f"refused pickle: _codecs.encode with encoding {encoding!r}.")
    return text.encode("latin1")


_ALLOWED[("_codecs", "encode")] = _latin1_encode


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, handle, where):
        super().__init__(handle, encoding="bytes")
        self._where = where

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise DataError(f"{self._where}: refused pickle: it asks for {module}.{name}, which is "
                            "not a builtin container or a numpy array.") from None


def _check_no_objects(value, where):
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        raise DataError(f"{where}: refused pickle: it holds an array of Python objects.")
    if isinstance(value, dict):
        for item in value.values():
            _check_no_objects(item, where)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, (np.ndarray, dict, list, tuple)):
                _check_no_objects(item, where)


def safe_unpickle(data: bytes, where) -> object:
    """Unpickle ``data`` admitting only builtin containers and numpy arrays."""
    try:
        value = _RestrictedUnpickler(io.BytesIO(data), where).load()
    except DataError:
        raise
    except Exception as exc:  # any malformed stream: truncated, bad opcode, bad array state
        raise DataError(f"{where}: not a readable pickle ({type(exc).__name__}: {exc}).") from exc
    _check_no_objects(value, where)
    return value
