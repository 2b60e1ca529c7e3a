"""``badminima fit`` and ``badminima plan``: density models and laws fitted to learning curves.

SOURCE is a results database of ``badminima sweep`` (SQLite; the runs that reached zero
training error) or a CSV with a header naming the columns ``n`` and ``test_error`` (one row
per run).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

from badminima.cli.figures import save_figure
from badminima.cli.output_paths import check_figure_path
from badminima.cli.registry_choices import RegistryNames
from badminima.errors import DataError, FitError, InvalidParameterError
from badminima.jsonio import dumps

_MODELS = RegistryNames("badminima.fitting.models", "MODEL_NAMES")
_LOSSES = RegistryNames("badminima.fitting.estimator", "LOSSES")
_DEFAULT_BOOTSTRAP = 20
_NONPARAMETRIC_SIZES = 3  # its cross-validation holds out one size of at least three
_SIZES_WITH_PRIOR = 3


def register(subparsers) -> None:
    fit = subparsers.add_parser(
        "fit", help="fit true-error density models and learning-curve laws to a learning curve",
        description="Fit density models (docs/science.md section 3) and the empirical laws to a "
                    "measured learning curve; rank them by held-out extrapolation error.")
    _add_source_options(fit)
    fit.add_argument("--models", default="auto",
                     help="comma-separated model names, or 'all': %(models)s "
                          "(default: auto, the combination of the others)").models = _MODELS
    fit.add_argument("--fit-below", type=float, metavar="N",
                     help="extrapolation test: fit on n <= N, score the larger sizes "
                          "(default: hold out the largest quarter of the sizes)")
    fit.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    fit.add_argument("--plot", type=Path, metavar="FILE",
                     help="save data, fits, extrapolations and fitted densities to FILE")
    fit.set_defaults(handler=_run_fit)

    plan = subparsers.add_parser(
        "plan", help="training-set size needed for a target mean test error",
        description="Fit one model and invert its learning curve: the smallest n whose "
                    "predicted mean test error is at most the target, with the interval from the "
                    "model's predictive distribution.")
    _add_source_options(plan)
    plan.add_argument("--target-error", type=float, required=True, metavar="X",
                      help="target mean test error, in (0, 1)")
    plan.add_argument("--model", default="auto", metavar="MODEL",
                      help="model to invert, one of %(models)s (default: auto)").models = _MODELS
    plan.add_argument("--json", action="store_true", help="print a JSON object")
    plan.set_defaults(handler=_run_plan)


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SOURCE",
                        help="results database (.db) or CSV with columns n,test_error")
    parser.add_argument("--experiment", help="experiment name in a database holding several")
    parser.add_argument("--loss", default="wls", choices=_LOSSES, metavar="LOSS",
                        help="one of %(choices)s: weighted least squares on per-n means (default) "
                             "or the likelihood of the runs (density models)")
    parser.add_argument("--bootstrap", type=int, default=_DEFAULT_BOOTSTRAP, metavar="B",
                        help=f"bootstrap refits for uncertainties (default {_DEFAULT_BOOTSTRAP}; "
                             "0: asymptotic Jacobian errors)")
    parser.add_argument("--starts", type=int, default=4, help="optimizer starts (default 4)")
    parser.add_argument("--eps-max", type=float, default=1.0,
                        help="upper end of the error range of density models, e.g. the "
                             "chance level 1-1/C (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of starts and bootstrap")
    parser.add_argument("--prior", default="learned", choices=("learned", "none"),
                        help="prior over curve shapes: 'learned' from many learning curves "
                             "(default; docs/fitting.md) or 'none' (the curve alone)")
    parser.add_argument("--level", type=float, default=0.8, metavar="L",
                        help="probability of the predictive intervals (default 0.8)")


def load_source(path: Path, experiment: str | None = None):
    """Per-run ``(n, test_error)`` from a results database or a CSV file (both read-only)."""
    from badminima.experiments.runs_db import SQLITE_MAGIC

    check_source_path(path)
    with path.open("rb") as handle:
        is_db = handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    if is_db:
        from badminima.experiments.tables import load_learning_curve
        return load_learning_curve(path, experiment)
    if experiment is not None:
        raise InvalidParameterError(f"--experiment applies to a results database; "
                                    f"{path} is not one.")
    from badminima.fitting import read_curve_csv
    return read_curve_csv(path)


def check_source_path(path: Path) -> None:
    """A missing SOURCE or a folder raises :class:`DataError` (cheap: run before any import)."""
    if path.is_dir():
        raise DataError(f"{path} is a directory (expected a results database or a CSV file).")
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected a results database or a CSV).")


def load_checked_source(args, models) -> tuple:
    """:func:`load_source`, then one message when no model in ``models`` can be fitted to
    that few distinct sizes, and a warning when the curve grows with n."""
    from badminima.fitting import MODELS
    from badminima.fitting.data import increasing_trend, validate_runs

    n, errors = validate_runs(*load_source(args.source, args.experiment))
    sizes = sorted(set(float(x) for x in n))
    needed = min(_sizes_needed(name, MODELS, getattr(args, "prior", "none"))
                 for name in models)
    if len(sizes) < needed:
        shown = ", ".join(f"{x:g}" for x in sizes[:5])
        raise FitError(f"{args.source}: {len(sizes)} distinct n ({shown}); "
                       f"fitting needs at least {needed} (one per model parameter; at most "
                       f"{_SIZES_WITH_PRIOR} with the learned prior).")
    warning = increasing_trend(n, errors)
    if warning:
        print(f"badminima {args.command}: warning: {warning}", file=sys.stderr)
    return n, errors


def _sizes_needed(name: str, models, prior: str) -> int:
    """Fewest distinct sizes ``name`` is fitted to from the command line: one per parameter,
    or at most :data:`_SIZES_WITH_PRIOR` with the learned prior (the estimator itself fits a
    model with a prior to two sizes; the command asks for a curve with a shape)."""
    if name == "nonparametric":
        return _NONPARAMETRIC_SIZES
    if name not in models:
        return 0
    if prior != "none":
        from badminima.fitting.prior import load_prior
        if load_prior().get(name) is not None:
            return min(models[name].n_params, _SIZES_WITH_PRIOR)
    return models[name].n_params


def _fit_params(args) -> dict:
    return {"loss": args.loss, "n_bootstrap": args.bootstrap, "n_starts": args.starts,
            "seed": args.seed, "eps_max": args.eps_max, "prior": args.prior}


def _level(args) -> float:
    if not 0 < args.level < 1:
        raise InvalidParameterError(f"--level must be a probability in (0, 1); got {args.level:g}.")
    return args.level


def _parse_models(text: str) -> tuple[tuple[str, ...], bool]:
    from badminima.fitting import MODEL_NAMES
    if text.strip() == "all":
        return MODEL_NAMES, False
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in MODEL_NAMES]
    if unknown or not names:
        raise InvalidParameterError(
            f"--models: unknown model {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(MODEL_NAMES)} or 'all'.")
    return names, True


def _run_fit(args) -> int:
    check_source_path(args.source)
    if args.plot is not None:
        check_figure_path(args.plot)  # before the fits, so a bad path costs nothing
    from badminima.fitting import compare_models
    models, strict = _parse_models(args.models)
    n, errors = load_checked_source(args, models)
    compare_log = logging.getLogger("badminima.fitting.compare")
    compare_log.addFilter(_shown_in_table)
    try:
        reports = compare_models(n, errors, models=models, fit_below=args.fit_below,
                                 strict=strict, level=_level(args), **_fit_params(args))
    finally:
        compare_log.removeFilter(_shown_in_table)
    fitted = [r for r in reports if r.estimator is not None]
    if not fitted:
        raise FitError("no model could be fitted: " +
                       "; ".join(f"{r.model}: {r.failure}" for r in reports))
    if args.json:
        print(dumps([r.to_dict() for r in reports], indent=2))
    else:
        print(format_table(reports))
    if args.plot is not None:
        _save_plot(reports, args.plot)
    return 0


def _shown_in_table(record: logging.LogRecord) -> bool:
    """Drop the "model ... not fitted" warnings: the table row (or the error) gives each reason."""
    return "not fitted" not in record.getMessage()


def _save_plot(reports, path: Path) -> None:
    from badminima.report.fit_plots import plot_fit_report
    written = save_figure(plot_fit_report(reports), path)
    print(f"wrote {written}", file=sys.stderr)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def format_table(reports) -> str:
    """The ranked table of ``badminima fit``: one model per row."""
    fitted = [r for r in reports if r.estimator is not None]
    holdout = next((r.holdout for r in fitted if r.holdout is not None), None)
    head = (f"{'rank':>4}  {'model':<15} {'chi2_red':>9} {'AIC':>10} {'BIC':>10} "
            f"{'extrap_err':>10} {'extrapolated at n_max [interval]':>33}  "
            f"parameters (+- stderr)")
    lines = [head, "-" * len(head)]
    for rank, r in enumerate(reports, start=1):
        if r.estimator is None:
            lines.append(f"{'-':>4}  {r.model:<15} not fitted: {r.failure}")
            continue
        est = r.estimator
        params = "  ".join(f"{k}={_fmt(v)}+-{_fmt(est.stderr_[k], 2)}"
                           for k, v in est.params_.items())
        lines.append(f"{rank:>4}  {r.model:<15} {_fmt(est.chi2_red_):>9} {_fmt(est.aic_, 5):>10} "
                     f"{_fmt(est.bic_, 5):>10} {_fmt(r.extrapolation_error, 3):>10} "
                     f"{_at_largest(r):>33}  {params}")
        lines.extend(f"{'':>21}note: {note}"
                     for note in r.notes + list(est.result_.extras.get("notes", [])))
    if holdout is not None:
        lines.append(f"extrap_err: relative mean absolute error at n > {holdout.fit_below:g} "
                     f"({', '.join(f'{s:g}' for s in holdout.held_out)}) of the fit on "
                     f"n <= {holdout.fit_below:g}; ranked by it, then AIC. The interval is "
                     f"{fitted[0].level:.0%} of the predictive distribution of the mean at "
                     f"n_max = {holdout.held_out[-1]:g} (measured: {fitted[0].estimator.data_.means[-1]:.4g}).")
    return "\n".join(lines)


def _at_largest(report) -> str:
    """The extrapolation fit's prediction at the largest size and its predictive interval."""
    interval = report.extrapolated_interval
    if interval is None:
        return "-"
    return (f"{_fmt(report.extrapolated[-1])} [{_fmt(interval[0][-1])}, "
            f"{_fmt(interval[1][-1])}]")


def _run_plan(args) -> int:
    from badminima.fitting import LearningCurveFit, get_model, plan_sample_size
    get_model(args.model)  # unknown names fail before the data are read
    level = _level(args)
    n, errors = load_checked_source(args, (args.model,))
    fit = LearningCurveFit(args.model, **_fit_params(args)).fit(n, errors)
    plan = plan_sample_size(fit, args.target_error, level)
    if args.json:
        print(dumps({"model": args.model, "target_error": plan.target, "n": plan.n,
                     "low": plan.low, "high": plan.high, "interval_level": plan.level,
                     "floor": plan.floor, "params": fit.params_, "param_stderr": fit.stderr_},
                    indent=2))
        return 0
    high = "unreachable" if math.isinf(plan.high) else f"{plan.high:.0f}"
    print(f"{args.model}: mean test error <= {plan.target:g} needs n = {plan.n} "
          f"({plan.level:.0%} predictive interval [{plan.low:.0f}, {high}]); "
          f"fitted error floor {plan.floor:.4g}")
    return 0

