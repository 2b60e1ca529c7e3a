"""The ``--executor``, ``--workers`` and ``--ray-address`` options shared by the commands
that run independent tasks (``sweep``, ``guess-check``, ``gibbs``), and how they stop
(:class:`StopCleanly`: Ctrl-C or SIGTERM keep every finished task)."""

from __future__ import annotations

import argparse
import signal
import sys

from badminima.cli.registry_choices import RegistryNames
from badminima.errors import InvalidParameterError

#: The executor names the options accept: those of the executor registry.
EXECUTOR_NAMES = RegistryNames("badminima.experiments.executors", "EXECUTORS")


def add_executor_arguments(parser: argparse.ArgumentParser, default: str | None = "local",
                           task: str = "tasks") -> None:
    """Add the three options; ``default=None`` leaves the choice to the experiment's config."""
    where = "the config's executor" if default is None else f"{default}"
    parser.add_argument("--executor", default=default, choices=EXECUTOR_NAMES, metavar="EXECUTOR",
                        help=f"one of %(choices)s: where the {task} run: local process pool, serial "
                             f"(in this process) or Ray (default: {where})")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"parallel {task} (default: {'the config' if default is None else 'all cores'})")
    parser.add_argument("--ray-address", default=None,
                        help="join this Ray cluster ('auto' or host:port; default: start a local Ray)")


def add_resumable_output_arguments(parser: argparse.ArgumentParser, default_out: str, task: str) -> None:
    """``--out`` (the output folder, with ``tasks.db`` to resume from) and ``--no-progress``."""
    parser.add_argument("--out", default=default_out,
                        help=f"output folder, also holding tasks.db, the finished {task} a rerun resumes from "
                             f"(default: {default_out})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")


def executor_kwargs(args: argparse.Namespace) -> dict:
    """``executor``, ``workers`` and Ray's ``address`` (when given) from the options."""
    if args.workers is not None and args.workers < 1:
        raise InvalidParameterError(f"The '--workers' option must be >= 1. Got {args.workers} instead.")
    kwargs = {"executor": args.executor, "workers": args.workers}
    if args.ray_address:
        kwargs["address"] = args.ray_address
    return kwargs


class StopCleanly:
    """``with StopCleanly(command, kept) as stop:`` SIGTERM acts like Ctrl-C in the block.

    Either one leaves the block (the executor stops its workers on the way out), prints one
    line naming what is ``kept`` and sets ``stop.code`` (130 for Ctrl-C, 143 for SIGTERM), which
    the command returns as its exit status. Other exceptions pass through.
    """

    def __init__(self, command: str, kept: str) -> None:
        self.command, self.kept, self.code = command, kept, 0
        self._sigterm = None

    def __enter__(self):
        from badminima.experiments.executors import sigterm_as_interrupt

        self._sigterm = sigterm_as_interrupt()
        self._sigterm.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        from badminima.experiments.executors import Terminated

        self._sigterm.__exit__(None, None, None)
        if exc_type is None or not issubclass(exc_type, KeyboardInterrupt):
            return False
        terminated = isinstance(exc, Terminated)
        self.code = 128 + (signal.SIGTERM if terminated else signal.SIGINT)
        print(f"badminima {self.command}: stopped by {'SIGTERM' if terminated else 'Ctrl-C'}; {self.kept}; "
              "run the same command again to continue", file=sys.stderr)
        return True
