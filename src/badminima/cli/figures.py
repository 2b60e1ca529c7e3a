"""Writing figures from the CLI: one place for the format, the folder and the error."""

from __future__ import annotations

from pathlib import Path

from badminima.cli.output_paths import check_figure_path
from badminima.errors import InvalidParameterError


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path``, close it, and return the file written.

    The path is checked by :func:`~badminima.cli.output_paths.check_figure_path` (no
    folder; ``.png`` added when it has no suffix, so the returned path is the real file);
    parent folders are created. A path that cannot be written raises
    :class:`InvalidParameterError` naming the file.
    """
    import matplotlib.pyplot as plt

    try:
        path = check_figure_path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=120, bbox_inches="tight")
        except (OSError, ValueError) as exc:
            raise InvalidParameterError(f"cannot write the figure {str(path)!r}: {exc}") from exc
    finally:
        plt.close(fig)
    return path
