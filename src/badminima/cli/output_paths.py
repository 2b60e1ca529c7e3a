"""Output files named on the command line, checked before any work is done.

A command that will write ``--csv FILE`` or ``--plot FILE`` checks the path first, so a
bad path is reported at once (exit status 2) instead of after the computation, and nothing
is written when any of the outputs is bad.
"""

from __future__ import annotations

from pathlib import Path

from badminima.errors import InvalidParameterError

#: Suffix given to a figure path without one (matplotlib would append it silently).
DEFAULT_FIGURE_SUFFIX = ".png"


def check_output_file(path: str | Path, option: str, example_suffix: str = ".csv") -> Path:
    """``path`` as a Path after checking it can be a file: not a folder, no file among its parents.

    Raises
    ------
    InvalidParameterError
        Naming ``option`` and the path.
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidParameterError(f"{option} {path} is a directory; give a file name "
                                    f"(e.g. {path / ('out' + example_suffix)}).")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InvalidParameterError(f"{option} {path}: {blocking} is a file, not a folder.")
    return path


def check_figure_path(path: str | Path, option: str = "--plot") -> Path:
    """The file a figure will be written to: ``path``, with ``.png`` added when it has no suffix.

    Raises
    ------
    InvalidParameterError
        When the path is a folder, lies under a file, or has a suffix matplotlib cannot write.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    path = check_output_file(path, option, DEFAULT_FIGURE_SUFFIX)
    if not path.suffix:
        path = check_output_file(path.with_name(path.name + DEFAULT_FIGURE_SUFFIX), option)
    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise InvalidParameterError(
            f"{option} {path}: unknown figure format {path.suffix!r} "
            f"(use .png, .pdf or .svg; supported: {', '.join(sorted(formats))}).")
    return path
