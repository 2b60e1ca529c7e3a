"""The IDX file format of MNIST and Fashion-MNIST (LeCun et al.), gzipped or not.

Layout: 2 zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, then one big-endian
uint32 per dimension, then the values in C order, big-endian. A file whose magic number
or length does not match is refused with a :class:`~badminima.errors.DataError` naming it.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from badminima.errors import DataError

_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_bytes(path: Path) -> bytes:
    """A file's content, gunzipped when it starts with the gzip magic bytes."""
    try:
        raw = Path(path).read_bytes()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read the file (truncated or corrupt gzip?): {exc}") from exc


def parse_idx(data: bytes, where: str | Path, ndim: int | None = None) -> np.ndarray:
    """Decode IDX bytes into an array; ``ndim`` (when given) is the expected dimension count."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise DataError(f"{where}: not an IDX file (bad magic number {data[:4].hex() or 'empty'}).")
    dtype, dims = _IDX_TYPES[data[2]], data[3]
    if ndim is not None and dims != ndim:
        raise DataError(f"{where}: expected an IDX file with {ndim} dimension(s), found {dims}.")
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"{where}: truncated IDX header.")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=dims, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise DataError(f"{where}: wrong length: the header announces shape {shape}, i.e. "
                        f"{expected} bytes, but the file has {len(data)} bytes (truncated?).")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: Path, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or not)."""
    return parse_idx(read_bytes(path), path, ndim)
