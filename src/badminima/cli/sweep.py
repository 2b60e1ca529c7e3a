"""The ``sweep`` and ``results`` subcommands: run a learning-curve sweep, print its curve.

``badminima sweep CONFIG.toml [--db results.db] [--executor local|serial|ray] [--workers K]
[--ray-address ADDR] [--data-dir DIR]`` runs every ``(n, seed)`` of the config not yet in the database.
``badminima results DB [--experiment NAME] [--csv FILE] [--json] [--plot FILE]`` prints the per-n mean,
std and count of the test error of the runs that reached zero training error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from badminima.cli.executor_options import StopCleanly, add_executor_arguments, executor_kwargs
from badminima.cli.figures import save_figure


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

    results = subparsers.add_parser(
        "results", help="print the learning curve stored in a results database",
        description="Per-n mean, standard deviation and count of the test error of the runs that "
                    "reached zero training error (runs that did not are counted apart).")
    results.add_argument("db", help="SQLite results database written by 'badminima sweep'")
    results.add_argument("--experiment", default=None, help="experiment name (needed when the DB holds several)")
    results.add_argument("--csv", default=None, metavar="FILE", help="also write the table as CSV")
    results.add_argument("--json", action="store_true", help="print JSON instead of a table")
    results.add_argument("--plot", default=None, metavar="FILE", help="also save the learning-curve figure (PNG, PDF, SVG)")
    results.set_defaults(handler=_run_results)


def _run_sweep(args: argparse.Namespace) -> int:
    from badminima.experiments.store import learning_curve_table
    from badminima.experiments.sweep import run_sweep
    from badminima.experiments.sweep_config import load_sweep_config
    from badminima.experiments.packaged_configs import resolve_config

    config = load_sweep_config(resolve_config(args.config))
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


def _run_results(args: argparse.Namespace) -> int:
    from badminima.experiments.store import learning_curve_table, write_csv

    table = learning_curve_table(args.db, experiment=args.experiment)
    if args.csv:
        write_csv(table, args.csv)
    if args.plot:
        _save_plot(table, args)
    if args.json:
        json.dump(table.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print(format_table(table))
        for path in (args.csv, args.plot):
            if path:
                print(f"wrote {path}")
    return 0


def _save_plot(table, args: argparse.Namespace) -> None:
    from badminima.experiments.store import load_learning_curve
    from badminima.report.learning_curve_plots import plot_measured_learning_curve

    runs = load_learning_curve(args.db, experiment=args.experiment) if table.count.sum() else None
    save_figure(plot_measured_learning_curve(table, runs=runs), args.plot)


def format_table(table) -> str:
    """The learning curve as aligned text: n, mean, std, count, not-zero runs, mean wall time."""
    lines = [f"experiment {table.experiment} ({table.dataset}, {table.arch}, config {table.config_hash}, "
             f"test set {table.n_test})",
             f"{'n':>8} {'mean_err':>9} {'std_err':>9} {'count':>6} {'not_zero':>9} {'wall_s':>8}"]
    for row in table.rows():
        mean = "nan" if row["mean_test_error"] is None else f"{row['mean_test_error']:.4f}"
        std = "nan" if row["std_test_error"] is None else f"{row['std_test_error']:.4f}"
        lines.append(f"{row['n']:>8} {mean:>9} {std:>9} {row['count']:>6} {row['not_zero']:>9} "
                     f"{row['mean_wall_s']:>8.2f}")
    total, failed = int(table.count.sum() + table.not_zero.sum()), int(table.not_zero.sum())
    lines.append(f"{total} runs; {failed} did not reach zero training error (excluded from mean and std)")
    return "\n".join(lines)
