"""The ``results`` subcommand: the learning curve stored in a results database.

``badminima results DB [--experiment NAME] [--csv FILE] [--json] [--plot FILE]`` prints the
per-n mean, std and count of the test error of the runs that reached zero training error.
The database is opened read-only (only ``sweep`` writes it); ``--csv`` writes the runs, one
row per run, in the form ``badminima fit`` reads. Output paths are checked before anything
is read or written.
"""

from __future__ import annotations

import argparse
import json
import sys

from badminima.cli.figures import save_figure
from badminima.cli.output_paths import check_figure_path, check_output_file


def register(subparsers) -> None:
    results = subparsers.add_parser(
        "results", help="print the learning curve stored in a results database",
        description="Per-n mean, standard deviation and count of the test error of the runs that "
                    "reached zero training error (runs that did not are counted apart). The "
                    "database is only read.")
    results.add_argument("db", help="SQLite results database written by 'badminima sweep'")
    results.add_argument("--experiment", default=None, help="experiment name (needed when the DB holds several)")
    results.add_argument("--csv", default=None, metavar="FILE",
                         help="also write the runs as CSV, one row per run (n, test_error, "
                              "reached_zero, seed, ...), readable by 'badminima fit'")
    results.add_argument("--json", action="store_true", help="print JSON instead of a table")
    results.add_argument("--plot", default=None, metavar="FILE", help="also save the learning-curve figure (PNG, PDF, SVG)")
    results.set_defaults(handler=_run_results)


def _run_results(args: argparse.Namespace) -> int:
    from badminima.experiments.tables import learning_curve_table, write_runs_csv

    csv_path = check_output_file(args.csv, "--csv") if args.csv else None
    plot_path = check_figure_path(args.plot) if args.plot else None
    table = learning_curve_table(args.db, experiment=args.experiment)
    written = []
    if csv_path is not None:
        written.append(_write(lambda: write_runs_csv(csv_path, args.db, args.experiment), csv_path))
    if plot_path is not None:
        written.append(_save_plot(table, plot_path, args))
    if args.json:
        json.dump(table.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print(format_table(table))
        for path in written:
            print(f"wrote {path}")
    return 0


def _write(write, path):
    from badminima.errors import InvalidParameterError

    try:
        return write()
    except OSError as exc:
        raise InvalidParameterError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _save_plot(table, path, args: argparse.Namespace):
    from badminima.experiments.tables import load_learning_curve
    from badminima.report.learning_curve_plots import plot_measured_learning_curve

    runs = load_learning_curve(args.db, experiment=args.experiment) if table.count.sum() else None
    return save_figure(plot_measured_learning_curve(table, runs=runs), path)


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
