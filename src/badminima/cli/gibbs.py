"""The ``gibbs`` subcommand: sample global minima of perceptrons exactly, at any n.

``badminima gibbs CONFIG.toml [--out DIR] [--executor local|serial|ray] [--workers K]
[--ray-address ADDR] [--no-progress]`` runs the experiment of :mod:`badminima.experiments.gibbs` and writes
``results.json``, ``results.csv``, ``learning_curve.png`` and ``bad_fraction.png`` to DIR.

DIR is checked before anything is computed. Every finished cell and rejection chunk is kept in
``DIR/tasks.db`` at once; after Ctrl-C, SIGTERM or ``kill -9`` the same command continues where
it stopped and gives the same results as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from badminima.cli.executor_options import (
    StopCleanly, add_executor_arguments, add_resumable_output_arguments, executor_kwargs)
from badminima.cli.figures import save_figure


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gibbs", help="sample perceptron global minima uniformly (quenched vs annealed curves)",
        description="Sample the version space (zero-training-error perceptrons) uniformly for every "
                    "training-set size of the config, and compare the measured (quenched) learning "
                    "curve and bad fraction with the annealed theory and with rejection sampling.")
    parser.add_argument("config", help="experiment TOML file (e.g. configs/gibbs-perceptron.toml)")
    add_resumable_output_arguments(parser, "gibbs-output", "cells")
    add_executor_arguments(parser, default=None, task="cells")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from badminima.experiments.gibbs import run_gibbs
    from badminima.experiments.gibbs_config import load_gibbs_config
    from badminima.experiments.output_dir import check_output_dir, write_or_fall_back
    from badminima.experiments.task_store import STORE_NAME

    options = {**executor_kwargs(args), "progress": not args.no_progress}
    config = load_gibbs_config(args.config)
    out = check_output_dir(args.out)
    store = out / STORE_NAME
    began = time.perf_counter()
    with StopCleanly(args.command, f"the finished cells are kept in {store}") as stop:
        result = run_gibbs(config, store=store, **options)
    if stop.code:
        return stop.code
    written = write_or_fall_back(lambda folder: _write(result, folder), out, "gibbs", store)
    print(_format_table(result.columns))
    print(f"{config.name}: {len(result.cells)} cells in {time.perf_counter() - began:.1f} s; wrote "
          + ", ".join(str(p) for p in written))
    return 0


def _write(result, out: Path) -> list[Path]:
    """results.json, results.csv and the two figures, in ``out``."""
    from badminima.report.gibbs_plots import plot_gibbs_bad_fraction, plot_gibbs_learning_curves

    written = list(result.write(out).values())
    for name, plot in (("learning_curve.png", plot_gibbs_learning_curves),
                       ("bad_fraction.png", plot_gibbs_bad_fraction)):
        written.append(save_figure(plot(result), out / name))
    return written


def _format_table(columns) -> str:
    """One line per (N, n): measured vs annealed error and bad fraction, diagnostics, rejection."""
    head = (f"{'N':>4} {'n':>6} {'alpha':>6} {'E_meas':>8} {'+-':>7} {'E_ann':>8} {'B_meas':>7} "
            f"{'B_ann':>7} {'rhat':>6} {'ess':>6} {'E_rej':>8}")
    lines = [head]
    fmt = lambda v, spec: "nan" if v is None or v != v else format(v, spec)
    for i in range(len(columns["n"])):
        get = lambda key: columns[key][i]
        lines.append(f"{get('N'):>4} {get('n'):>6} {get('alpha'):>6.2f} "
                     f"{fmt(get('learning_curve_measured'), '.4f'):>8} {fmt(get('learning_curve_stderr'), '.4f'):>7} "
                     f"{fmt(get('learning_curve_annealed'), '.4f'):>8} {fmt(get('bad_fraction_measured'), '.3f'):>7} "
                     f"{fmt(get('bad_fraction_annealed'), '.3f'):>7} {fmt(get('rhat'), '.3f'):>6} "
                     f"{fmt(get('ess'), '.0f'):>6} {fmt(get('rejection_learning_curve'), '.4f'):>8}")
    return "\n".join(lines)
