"""The ``--executor``, ``--workers`` and ``--ray-address`` options shared by the commands
that run independent tasks (``sweep``, ``guess-check``, ``gibbs``)."""

from __future__ import annotations

import argparse

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


def executor_kwargs(args: argparse.Namespace) -> dict:
    """``executor``, ``workers`` and Ray's ``address`` (when given) from the options."""
    if args.workers is not None and args.workers < 1:
        raise InvalidParameterError(f"The '--workers' option must be >= 1. Got {args.workers} instead.")
    kwargs = {"executor": args.executor, "workers": args.workers}
    if args.ray_address:
        kwargs["address"] = args.ray_address
    return kwargs
