"""The ``theory`` subcommand: section-2 quantities of a true-error density.

``badminima theory --density SPEC --n LIST [--eps0 X] [--json] [--plot FILE]`` prints, for
each n, log Z_n, E_n, the standard deviation of Q_n, B_n(eps0) and its exponential bound
(with the best eps1); ``--json`` prints the same as a JSON list; ``--plot`` writes a
three-panel figure.
"""

from __future__ import annotations

import argparse
import json
import math

from badminima.cli.registry_choices import RegistryNames

DEFAULT_EPS0 = 0.1

_SPEC_HELP = ("density spec, e.g. beta:a=2,b=30; one of %(forms)s "
              "(PATH: .npy, or .txt/.csv one error per line)")
_SPEC_FORMS = RegistryNames("badminima.theory.specs", "spec_forms", separator=" | ")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "theory", help="learning curve, bad-minima fraction and bound of a true-error density",
        description="Compute, for each training-set size n, the acceptance log Z_n, the learning "
                    "curve E_n, the spread of the error of global minima, the fraction B_n(eps0) of "
                    "bad global minima and its exponential bound (docs/science.md section 2).")
    parser.add_argument("--density", required=True, metavar="SPEC", help=_SPEC_HELP).forms = _SPEC_FORMS
    parser.add_argument("--n", required=True, metavar="LIST",
                        help="comma-separated training-set sizes (non-negative integers, e.g. 0,10,100,1e6)")
    parser.add_argument("--eps0", type=str, default=str(DEFAULT_EPS0),
                        help=f"error threshold of a 'bad' global minimum, in (0, 1) (default: {DEFAULT_EPS0})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--plot", metavar="FILE", default=None,
                        help="write a three-panel figure (Q_n, B_n and bound, E_n) to FILE (.png, .pdf, .svg)")
    parser.set_defaults(handler=_run)


def parse_n_list(text: str) -> list[int]:
    """``"0,10,1e3"`` -> ``[0, 10, 1000]``; anything else raises InvalidParameterError."""
    from badminima.errors import InvalidParameterError

    values = []
    for item in (part.strip() for part in text.split(",")):
        try:
            value = float(item)
        except ValueError:
            raise InvalidParameterError(
                f"The '--n' option must be a comma-separated list of non-negative integers. "
                f"Got {item!r} in {text!r}.") from None
        if not math.isfinite(value) or value < 0 or value != math.floor(value):
            raise InvalidParameterError(
                f"The '--n' option must hold non-negative integers. Got {item!r} instead.")
        values.append(int(value))
    return values


def parse_eps0(text: str) -> float:
    """The threshold as a float in (0, 1)."""
    from badminima.errors import InvalidParameterError

    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0.0 < value < 1.0:
        raise InvalidParameterError(f"The '--eps0' option must be a float in (0, 1). Got {text!r} instead.")
    return value


def theory_rows(density, n_values, eps0: float) -> list[dict]:
    """One dict per n with the keys of the JSON output."""
    import numpy as np

    from badminima.theory import (
        bad_fraction,
        bad_fraction_bound,
        error_std,
        learning_curve,
        log_acceptance,
    )

    n = np.asarray(n_values, dtype=float)
    columns = {
        "log_acceptance": log_acceptance(density, n),
        "learning_curve": learning_curve(density, n),
        "std": error_std(density, n),
        "bad_fraction": bad_fraction(density, eps0, n),
    }
    columns["bound"], columns["bound_eps1"] = bad_fraction_bound(density, eps0, n)
    rows = []
    for i, value in enumerate(n_values):
        row = {"n": int(value)}
        for key, column in columns.items():
            x = float(np.atleast_1d(column)[i])
            row[key] = x if math.isfinite(x) else None
        rows.append(row)
    return rows


def format_table(rows: list[dict], eps0: float) -> str:
    """Fixed-width text table of :func:`theory_rows`."""
    header = ("n", "log Z_n", "E_n", "std", f"B_n({eps0:g})", "bound", "eps1")
    keys = ("log_acceptance", "learning_curve", "std", "bad_fraction", "bound", "bound_eps1")
    lines = [f"{header[0]:>12} " + " ".join(f"{h:>13}" for h in header[1:])]
    for row in rows:
        cells = ["nan" if row[k] is None else f"{row[k]:.6g}" for k in keys]
        lines.append(f"{_format_n(row['n']):>12} " + " ".join(f"{c:>13}" for c in cells))
    return "\n".join(lines)


def _format_n(n: int) -> str:
    """An integer as is up to 12 digits, beyond that as ``1e+300``."""
    return str(n) if n < 10**12 else f"{n:.6g}"


def _run(args: argparse.Namespace) -> int:
    from badminima.theory import parse_density_spec

    density = parse_density_spec(args.density)
    n_values = parse_n_list(args.n)
    eps0 = parse_eps0(args.eps0)
    if args.plot:
        from badminima.cli.output_paths import check_figure_path

        check_figure_path(args.plot)
    rows = theory_rows(density, n_values, eps0)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"# {density!r}, eps0 = {eps0:g}")
        print(format_table(rows, eps0))
    if args.plot:
        from badminima.cli.figures import save_figure
        from badminima.report.theory_plots import plot_theory

        written = save_figure(plot_theory(density, n_values, eps0), args.plot)
        if not args.json:
            print(f"wrote {written}")
    return 0
