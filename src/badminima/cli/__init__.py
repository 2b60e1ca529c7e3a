"""The command-line interface: a thin layer over experiments/ and report/.

:func:`main` runs ``badminima ARGS``; :func:`build_parser` builds its argument parser.
"""

from badminima.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
