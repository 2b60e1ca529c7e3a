"""The ``sweep`` subcommand: run a learning-curve sweep, print its curve.

``badminima sweep CONFIG.toml [--db results.db] [--executor local|serial|ray] [--workers K]
[--ray-address ADDR] [--data-dir DIR]`` runs every ``(n, seed)`` of the config not yet in the database.
The curve is printed as ``badminima results`` (:mod:`badminima.cli.results`) prints it.
"""

from __future__ import annotations

import argparse
import dataclasses

from badminima.cli.executor_options import StopCleanly, add_executor_arguments, executor_kwargs
from badminima.cli.results import format_table


def register(subparsers) -> None:
    sweep = subparsers.add_parser(
        "sweep", help="train networks to zero training error over sizes n and seeds",
        description="Run every (n, seed) of an experiment config that is not yet in the results "
                    "database; each finished run is stored at once, so an interrupted sweep resumes.")
    sweep.add_argument("config", help="experiment TOML file (e.g. configs/digits-mlp.toml)")
    sweep.add_argument("--db", default="results.db", help="SQLite results database (default: results.db)")
    add_executor_arguments(sweep, default="local", task="runs")
    sweep.add_argument("--data-dir", default=None,
                       help="dataset folder, overriding the config's [data] data_dir (not part of the run hash)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    sweep.set_defaults(handler=_run_sweep)


def _run_sweep(args: argparse.Namespace) -> int:
    from badminima.experiments.tables import learning_curve_table
    from badminima.experiments.sweep import run_sweep
    from badminima.experiments.sweep_config import load_sweep_config

    config = load_sweep_config(args.config)
    if args.data_dir:
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=args.data_dir))
    with StopCleanly(args.command, f"every finished run is kept in {args.db}") as stop:
        summary = run_sweep(config, args.db, progress=not args.no_progress, **executor_kwargs(args))
    if stop.code:
        return stop.code
    print(f"{summary.experiment}: {summary.completed} runs done now, {summary.skipped} already in "
          f"{summary.db_path}, {summary.not_zero} of the new runs did not reach zero training error "
          f"({summary.wall_s:.1f} s)")
    print(format_table(learning_curve_table(args.db, experiment=config.name)))
    return 0
