"""The ``version-space`` subcommand: random global minima of any function set, by sequential Monte Carlo.

``badminima version-space [CONFIG.toml] [--out DIR] [--data-dir DIR] [--executor local|serial|ray]
[--workers K] [--ray-address ADDR] [--no-progress]`` runs
:func:`badminima.experiments.version_space.run_version_space` (without CONFIG: the embedded
synthetic default, under a minute, no data files) and writes ``results.json``,
``results.csv``, ``runs.csv`` (a ``badminima fit`` input), ``particles.nc`` (ArviZ
InferenceData) and the figures ``log_z.png``, ``test_error.png``, ``bad_fraction.png`` to DIR.

``gibbs`` stays the perceptron case: its version space is a convex cone, sampled exactly by
reflective HMC with exact true errors (angle / pi); this command samples any function set
whose prior is a Gaussian transform, where only a population method (SMC) reaches large n.

Every finished run is kept in ``DIR/tasks.db`` and every finished stage of an unfinished run
in ``DIR/smc-state/``; after Ctrl-C, SIGTERM or ``kill -9`` the same command continues at the
last finished stage and gives the same results as an uninterrupted run.
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
        "version-space", help="random global minima of any network by sequential Monte Carlo (log Z_n, errors)",
        description="Sample the prior restricted to zero training error on growing training sets by "
                    "subset simulation with elliptical slice moves; report log Z_n, the test error of "
                    "random global minima, R-hat across independent runs, and Guess & Check where it reaches.")
    parser.add_argument("config", nargs="?", default=None,
                        help="experiment TOML file or packaged name (default: the embedded synthetic task)")
    add_resumable_output_arguments(parser, "version-space-output", "runs")
    parser.add_argument("--data-dir", default=None, help="dataset folder (overrides [data] data_dir)")
    add_executor_arguments(parser, default=None, task="runs")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from badminima.experiments.output_dir import check_output_dir, write_or_fall_back
    from badminima.experiments.packaged_configs import resolve_config
    from badminima.experiments.task_store import STORE_NAME
    from badminima.experiments.version_space import run_version_space
    from badminima.experiments.version_space_config import DEFAULT_CONFIG, load_version_space_config

    options = {**executor_kwargs(args), "progress": not args.no_progress}
    config = DEFAULT_CONFIG if args.config is None else load_version_space_config(resolve_config(args.config))
    if args.data_dir is not None:
        config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=args.data_dir))
    out = check_output_dir(args.out)
    store = out / STORE_NAME
    began = time.perf_counter()
    with StopCleanly(args.command, f"the finished runs are kept in {store}, stages in {out / 'smc-state'}") as stop:
        result = run_version_space(config, out_dir=out, **options)
    if stop.code:
        return stop.code
    written = write_or_fall_back(lambda folder: _write(result, folder), out, "version-space", store)
    print(format_table(result.columns))
    for warning in result.warnings:
        print("WARNING: " + warning)
    print(f"{config.name}: {config.runs.training_sets} training sets x {config.runs.runs} runs x "
          f"{config.smc.particles} particles in {time.perf_counter() - began:.1f} s; wrote "
          + ", ".join(str(p) for p in written))
    return 0


def _write(result, out: Path) -> list[Path]:
    from badminima.report.version_space_plots import plot_bad_fraction, plot_log_z, plot_test_error

    written = result.write(out)
    columns = result.columns
    written.append(save_figure(plot_log_z(columns), out / "log_z.png"))
    written.append(save_figure(plot_test_error(columns), out / "test_error.png"))
    written.append(save_figure(plot_bad_fraction(columns, result.config.eps0), out / "bad_fraction.png"))
    return written


def format_table(columns) -> str:
    """One line per checkpoint: log Z (SMC, rejection), test error, bad fraction, R-hat, ESS, ancestors."""
    fmt = lambda v, spec: "nan" if v is None or v != v else format(v, spec)
    lines = [f"{'n':>6} {'logZ':>8} {'+-':>6} {'logZ_GC':>8} {'E_n':>7} {'+-':>6} {'E_GC':>7} {'B_n':>6} "
             f"{'rhat':>6} {'ess':>6} {'roots':>5}"]
    for i in range(len(columns["n"])):
        get = lambda key: columns[key][i]
        lines.append(f"{get('n'):>6} {fmt(get('log_z'), '.3f'):>8} {fmt(get('log_z_stderr'), '.3f'):>6} "
                     f"{fmt(get('rejection_log_z'), '.3f'):>8} {fmt(get('test_error'), '.4f'):>7} "
                     f"{fmt(get('test_error_stderr'), '.4f'):>6} {fmt(get('rejection_test_error'), '.4f'):>7} "
                     f"{fmt(get('bad_fraction'), '.3f'):>6} {fmt(get('rhat'), '.3f'):>6} "
                     f"{fmt(get('ess_bulk'), '.0f'):>6} {get('unique_roots'):>5}")
    return "\n".join(lines)
