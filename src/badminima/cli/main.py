"""Entry point of the ``badminima`` command.

Each subcommand lives in its own module of this package exposing
``register(subparsers)``, which adds a parser whose ``handler`` default takes the parsed
arguments and returns an exit code. Handlers import heavy layers (torch) lazily so that
``badminima theory`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from badminima import __version__
from badminima.errors import BadminimaError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("theory", "data", "guess_check", "gibbs", "version_space", "sweep", "results", "fit", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="badminima",
        description="How classifiers that reach zero training error generalize.")
    parser.add_argument("--version", action="version", version=f"badminima {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"badminima.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")  # the CLI writes figures to files, never shows them
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args) or 0)
    except BadminimaError as exc:
        print(f"badminima {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"badminima {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (e.g. `| head`) closed the pipe: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
