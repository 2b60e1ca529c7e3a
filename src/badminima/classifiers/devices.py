"""The one place a device name becomes a :class:`torch.device` (every layer that runs torch uses it)."""

from __future__ import annotations

import torch

from badminima.errors import InvalidParameterError
from badminima.validation import check_device_name


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) gives CUDA when present, else CPU; anything else is checked.

    Raises
    ------
    InvalidParameterError
        For a name other than ``auto``, ``cpu``, ``cuda`` or ``cuda:K``, or CUDA requested
        where none is present.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = device if isinstance(device, torch.device) else torch.device(check_device_name(device, "resolve_device"))
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(f"The 'device' parameter is {str(device)!r} but no CUDA device is present.")
    return resolved
