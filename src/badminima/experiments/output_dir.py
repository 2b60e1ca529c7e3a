"""The output folder of a command: checked before computing, and never the reason results are lost."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from badminima.errors import InvalidParameterError

__all__ = ["check_output_dir", "write_or_fall_back"]


def check_output_dir(path: str | Path) -> Path:
    """Check, before any computing, that the output folder ``path`` can be created or written.

    Nothing is created: an existing folder must be writable, a missing one must have a
    writable folder as its nearest existing ancestor. A bad ``--out`` then costs nothing.

    Raises
    ------
    InvalidParameterError
        ``path`` is an existing file, sits below a file, or cannot be written.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InvalidParameterError(f"output folder {str(path)!r} is an existing file; expected a folder "
                                    "(new or existing)")
    ancestor = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not ancestor.is_dir():
        raise InvalidParameterError(f"output folder {str(path)!r} lies below the file {str(ancestor)!r}")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        where = "" if ancestor == path else f" (its folder {str(ancestor)!r} is not writable)"
        raise InvalidParameterError(f"cannot write to the output folder {str(path)!r}{where}")
    return path


def write_or_fall_back(write: Callable[[Path], list[Path]], out: str | Path, name: str,
                       kept_in: str | Path | None = None) -> list[Path]:
    """``write(out)``; when that fails, ``write`` into a new temporary folder and say where.

    Returns the written paths. A run's results are never lost to an output folder that became
    unwritable (disk full, permissions changed, folder removed) while it ran.

    Raises
    ------
    InvalidParameterError
        ``out`` could not be written: the message names the folder the results went to
        instead, or (when that failed too) the task store ``kept_in`` a rerun resumes from.
    """
    try:
        return write(Path(out))
    except (OSError, InvalidParameterError) as exc:
        reason = _reason(exc)
    try:
        other = Path(tempfile.mkdtemp(prefix=f"badminima-{name}-"))
        write(other)
    except (OSError, InvalidParameterError) as exc:
        kept = f"; the finished tasks are kept in {str(kept_in)!r}: rerun the same command" if kept_in else ""
        raise InvalidParameterError(f"cannot write the results to {str(out)!r} ({reason}) nor to a "
                                    f"temporary folder ({_reason(exc)}){kept}") from exc
    raise InvalidParameterError(f"cannot write the results to {str(out)!r} ({reason}); "
                                f"wrote them to {str(other)!r} instead")


def _reason(exc: Exception) -> str:
    cause = exc.__cause__ if isinstance(exc, InvalidParameterError) and exc.__cause__ else exc
    return getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
