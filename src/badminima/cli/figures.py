"""Writing figures from the CLI: one place for the format, the folder and the error."""

from __future__ import annotations

from pathlib import Path

from badminima.errors import InvalidParameterError


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix; parent folders created), then close it.

    A path that cannot be written (missing permission, unknown image format) raises
    :class:`InvalidParameterError` naming the file.
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"cannot write the figure {str(path)!r}: {exc}") from exc
    finally:
        plt.close(fig)
    return path
