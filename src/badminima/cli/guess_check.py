"""The ``guess-check`` subcommand: random classifiers with zero training error vs theory.

``badminima guess-check CONFIG.toml [--out DIR] [--data-dir DIR] [--executor local|serial|ray]
[--workers K] [--ray-address ADDR] [--no-progress]`` runs
:func:`badminima.experiments.guess_check.run_guess_check` and writes ``results.json``,
``results.csv``, ``summaries.npz`` and the figures ``acceptance.png``,
``learning_curve.png``, ``bad_fraction.png``, ``survivor_histograms.png`` (and
``sgd_comparison.png`` when the config enables ``[sgd]``) to DIR.

DIR is checked before anything is computed. Every finished chunk is kept in ``DIR/tasks.db``
at once; after Ctrl-C, SIGTERM or ``kill -9`` the same command continues where it stopped and
gives the same results as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from badminima.cli.executor_options import (
    StopCleanly, add_executor_arguments, add_resumable_output_arguments, executor_kwargs)
from badminima.cli.figures import save_figure


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "guess-check", help="Guess & Check: random zero-training-error classifiers vs the theory",
        description="Draw K classifiers from the prior, keep those with zero training error on R random "
                    "training sets of every size n <= n_max, and compare acceptance rate, learning curve, "
                    "bad fraction and survivor histograms with the theory (docs/science.md sections 2 and 4).")
    parser.add_argument("config", help="experiment TOML file (e.g. configs/gc-separable-mlp.toml)")
    add_resumable_output_arguments(parser, "guess-check-output", "chunks")
    parser.add_argument("--data-dir", default=None, help="dataset folder (overrides [data] data_dir)")
    add_executor_arguments(parser, default="local", task="chunks")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from badminima.experiments.guess_check import run_guess_check
    from badminima.experiments.guess_check_config import load_guess_check_config
    from badminima.experiments.output_dir import check_output_dir, write_or_fall_back
    from badminima.experiments.task_store import STORE_NAME

    options = {**executor_kwargs(args), "progress": not args.no_progress}
    config = load_guess_check_config(args.config)
    if args.data_dir is not None:
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=args.data_dir))
    out = check_output_dir(args.out)
    store = out / STORE_NAME
    began = time.perf_counter()
    with StopCleanly(args.command, f"the finished chunks are kept in {store}") as stop:
        result = run_guess_check(config, store=store, **options)
    if stop.code:
        return stop.code
    paths = write_or_fall_back(lambda folder: _write(result, folder), out, "guess-check", store)
    print(_summary(result))
    print(f"{config.name}: K={config.sampling.K} in {time.perf_counter() - began:.1f} s "
          f"({result.info['K_per_minute']:.0f} classifiers/min); wrote " + ", ".join(map(str, paths)))
    return 0


def _write(result, out: Path) -> list[Path]:
    """results.json, results.csv, summaries.npz and the figures, in ``out``."""
    from badminima.report.guess_check_plots import guess_check_figures

    paths = list(result.write(out).values())
    for name, fig in guess_check_figures(result).items():
        paths.append(save_figure(fig, out / f"{name}.png"))
    return paths


def _summary(result) -> str:
    """A few rows of measured vs predicted acceptance and learning curve."""
    m, p = result.measured, result.predicted
    lines = [f"{'n':>5} {'accept':>10} {'Z_n':>10} {'E_meas':>8} {'E_pool':>8} {'E_n':>8} {'B_meas':>7} {'B_n':>7}"]
    fmt = lambda v, spec: "nan" if v != v else format(v, spec)
    step = max(1, len(m["n"]) // 10)
    for i in range(0, len(m["n"]), step):
        lines.append(f"{m['n'][i]:>5} {m['acceptance_measured'][i]:>10.3e} {p['acceptance_predicted'][i]:>10.3e} "
                     f"{fmt(m['learning_curve_measured'][i], '.4f'):>8} {fmt(m['learning_curve_pooled'][i], '.4f'):>8} "
                     f"{p['learning_curve_predicted'][i]:>8.4f} {fmt(m['bad_fraction_measured'][i], '.3f'):>7} "
                     f"{p['bad_fraction_predicted'][i]:>7.3f}")
    return "\n".join(lines)
