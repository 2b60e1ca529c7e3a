"""``badminima demo``: the main job on embedded defaults, no downloads and no files needed.

1. Theory tour: the spherical perceptron (N = 20) density through the section-2 machinery
   (Z_n, E_n, B_n and its bound), printed and plotted.
2. The digits learning-curve sweep (``digits-mlp.toml``: an MLP trained to zero training
   error on nested subsets of scikit-learn's bundled digits), stored in ``OUT/results.db``;
   a rerun resumes it and skips finished runs.
3. Every density model and learning-curve law fitted to that curve, ranked by held-out
   extrapolation error, and the held-out error of ``auto`` (the default model) with its
   predictive interval; ``OUT/report.md`` gathers the tables and figures.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from badminima.cli.figures import save_figure

DEMO_CONFIG = "digits-mlp.toml"
DEMO_DENSITY = "perceptron:N=20"
DEMO_SIZES = [0, 1, 10, 20, 50, 100, 200, 500, 1000, 10000]
DEMO_EPS0 = 0.1


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="the main job: theory tour, digits sweep to zero training error, fits",
        description="Theory tour, the digits learning-curve sweep and the fit of every model to "
                    "it, on embedded defaults (no downloads). Writes OUT/report.md and figures.")
    parser.add_argument("--out", type=Path, default=Path("demo-output"),
                        help="output folder (default: demo-output)")
    parser.add_argument("--config", type=Path, default=None,
                        help=f"sweep config (default: the packaged {DEMO_CONFIG})")
    parser.add_argument("--workers", type=int, default=None, help="parallel runs (default: CPU cores)")
    parser.add_argument("--bootstrap", type=int, default=20, help="bootstrap refits for the fit (default 20)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from badminima.experiments.packaged_configs import packaged_config
    from badminima.experiments.sweep_config import load_sweep_config

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    sections = [_theory_tour(out)]
    config = load_sweep_config(args.config or packaged_config(DEMO_CONFIG))
    sections.append(_sweep(config, out, args))
    sections.append(_fit(config, out, args))
    report = out / "report.md"
    report.write_text("# badminima demo report\n\n" + "\n\n".join(sections) + "\n")
    print(f"\nwrote {report}")
    return 0


def _theory_tour(out: Path) -> str:
    from badminima.cli.theory import format_table, theory_rows
    from badminima.report.theory_plots import plot_theory
    from badminima.theory import parse_density_spec

    density = parse_density_spec(DEMO_DENSITY)
    rows = theory_rows(density, DEMO_SIZES, DEMO_EPS0)
    table = format_table(rows, DEMO_EPS0)
    print(f"== 1. theory: {DEMO_DENSITY} (docs/science.md section 2)\n{table}")
    (out / "theory.json").write_text(json.dumps(rows, indent=2))
    save_figure(plot_theory(density, DEMO_SIZES, DEMO_EPS0, title=DEMO_DENSITY), out / "theory.png")
    return (f"## 1. Theory tour: `{DEMO_DENSITY}`\n\nComputed by `badminima theory --density "
            f"{DEMO_DENSITY} --n {','.join(map(str, DEMO_SIZES))} --eps0 {DEMO_EPS0}`.\n\n"
            f"```\n{table}\n```\n\n![theory](theory.png)")


def _sweep(config, out: Path, args) -> str:
    from badminima.cli.results import format_table
    from badminima.experiments.tables import learning_curve_table
    from badminima.experiments.sweep import run_sweep

    db = out / "results.db"
    print(f"\n== 2. sweep: {config.name} to zero training error -> {db}")
    summary = run_sweep(config, db, executor="local", workers=args.workers,
                        progress=not args.no_progress)
    table = format_table(learning_curve_table(db, experiment=config.name))
    print(f"{summary.completed} runs done now, {summary.skipped} already stored, "
          f"{summary.not_zero} did not reach zero ({summary.wall_s:.1f} s)\n{table}")
    return (f"## 2. Learning curve: `{config.name}`\n\nRuns stored in `results.db` "
            f"(`badminima results {db}`). Test error of networks trained to zero training "
            f"error:\n\n```\n{table}\n```")


def _fit(config, out: Path, args) -> str:
    from badminima.cli.fit import format_table
    from badminima.experiments.tables import load_learning_curve
    from badminima.fitting import compare_models
    from badminima.report.fit_plots import plot_fit_report

    n, errors = load_learning_curve(out / "results.db", experiment=config.name)
    print("\n== 3. fit: density models and learning-curve laws (docs/science.md section 3)")
    reports = compare_models(n, errors, n_bootstrap=args.bootstrap, seed=0)
    table = format_table(reports)
    held_out = held_out_summary(reports)
    print(f"{table}\n{held_out}")
    (out / "fit.json").write_text(json.dumps([r.to_dict() for r in reports], indent=2))
    save_figure(plot_fit_report(reports), out / "fit.png")
    return ("## 3. Models fitted to the learning curve\n\nRanked by extrapolation error "
            "(fit on the smaller sizes, predict the held-out larger ones); "
            f"`badminima fit {out / 'results.db'} --models all`.\n\n```\n{table}\n```\n\n"
            f"{held_out}\n\n![fit](fit.png)")


def held_out_summary(reports, model: str = "auto") -> str:
    """The held-out errors of ``model`` fitted on the smaller sizes, with the intervals.

    For each held-out size: the measured mean, the prediction with its central interval at
    the report's level, and the smallest central level whose interval covers the measured
    mean (``|2 F(e) - 1|`` for the predictive cdf ``F``).
    """
    report = next((r for r in reports if r.model == model and r.estimator is not None), None)
    if report is None or report.extrapolation_fit is None:
        return f"{model}: no held-out extrapolation (too few sizes)."
    data, holdout = report.estimator.data_, report.holdout
    low, high = report.extrapolated_interval
    held = data.sizes > holdout.fit_below
    covering = np.abs(2 * report.extrapolation_fit.predictive(data.sizes[held])
                      .cdf(data.means[held]) - 1)
    lines = [f"{model} fitted on n <= {holdout.fit_below:g}, at the held-out sizes:"]
    for i, level in zip(np.flatnonzero(held), covering):
        inside = "inside" if low[i] <= data.means[i] <= high[i] else "outside"
        lines.append(f"  n = {data.sizes[i]:g}: measured {data.means[i]:.4f}, predicted "
                     f"{report.extrapolated[i]:.4f} (relative error "
                     f"{abs(report.extrapolated[i] - data.means[i]) / data.means[i]:.1%}); "
                     f"{report.level:.0%} interval [{low[i]:.4f}, {high[i]:.4f}] ({inside}); "
                     f"the {_ceil_percent(level)} interval covers it")
    return "\n".join(lines)


def _ceil_percent(level: float) -> str:
    return f"{min(math.ceil(level * 1000) / 10, 99.9):g}%"
