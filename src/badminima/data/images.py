"""Decoding many small encoded images (JPEG, PNG, ...) into one uint8 array with PIL."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from badminima.errors import DataError


def decode_images(items: Sequence[tuple[str, bytes]]) -> np.ndarray:
    """Decode ``[(name, encoded bytes), ...]`` into ``(N, H, W)`` or ``(N, H, W, 3)`` uint8.

    All images must share the first one's size. The result is grayscale when every image
    is grayscale (PIL mode ``L``), RGB otherwise (other modes are converted to RGB).
    An image PIL cannot decode, or of another size, raises a DataError naming it.
    """
    from PIL import Image

    if not items:
        raise DataError("no images to decode.")
    out = None
    all_gray = True
    size = None
    for k, (name, data) in enumerate(items):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                if size is None:
                    size = image.size
                    out = np.empty((len(items), size[1], size[0], 3), dtype=np.uint8)
                if image.size != size:
                    raise DataError(f"{name}: image size {image.size[0]}x{image.size[1]} differs from "
                                    f"{size[0]}x{size[1]} of {items[0][0]}.")
                if image.mode == "L":
                    out[k] = np.asarray(image)[..., None]
                else:
                    all_gray = False
                    out[k] = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
        except DataError:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise DataError(f"{name}: unreadable image ({exc}).") from exc
    return np.ascontiguousarray(out[..., 0]) if all_gray else out
