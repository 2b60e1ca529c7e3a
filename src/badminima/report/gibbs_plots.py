"""Figures of ``badminima gibbs``: quenched (measured) vs annealed learning curves and B_n.

Each function takes the :class:`~badminima.experiments.gibbs.GibbsResult` of
:func:`badminima.experiments.gibbs.run_gibbs` (or its ``columns`` mapping, or the same keys
read back from results.json, where missing values are ``None``) and an optional matplotlib
``ax``; it returns the figure and neither shows nor saves it.
"""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes

__all__ = ["plot_gibbs_learning_curves", "plot_gibbs_bad_fraction"]


def _columns(result):
    """The one-row-per-(N, n) columns of a result object, of its dict form, or given as they are."""
    if hasattr(result, "to_dict") and hasattr(result, "columns"):
        return result.columns
    return result["columns"] if "columns" in result else result


def _column(columns, key) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in columns[key]], dtype=float)


def _by_dimension(columns):
    dims = _column(columns, "N")
    for k, dim in enumerate(np.unique(dims)):
        yield k, int(dim), dims == dim


def plot_gibbs_learning_curves(columns, ax=None):
    """Mean true error of a random global minimum vs ``alpha = n / N``, log-log.

    Markers with error bars: quenched average measured by version-space sampling (mean ±
    standard error over training sets). Lines: annealed ``E_n`` of SphericalPerceptron(N)
    (docs/science.md section 2). Open squares: rejection sampling where it still works.
    """
    columns = _columns(columns)
    fig, ax = figure_and_axes(ax)
    alpha = _column(columns, "alpha")
    for k, dim, rows in _by_dimension(columns):
        color = f"C{k % 10}"
        ax.plot(alpha[rows], _column(columns, "learning_curve_annealed")[rows], "-", color=color,
                label=f"N={dim} annealed $E_n$")
        ax.errorbar(alpha[rows], _column(columns, "learning_curve_measured")[rows],
                    yerr=_column(columns, "learning_curve_stderr")[rows], fmt="o", color=color,
                    capsize=3, label=f"N={dim} quenched (Gibbs sampling)")
        rejection = _column(columns, "rejection_learning_curve")[rows]
        if np.any(np.isfinite(rejection)):
            ax.plot(alpha[rows], rejection, "s", mfc="none", ms=10, color=color,
                    label=f"N={dim} rejection sampling")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha = n / N$")
    ax.set_ylabel("mean true error of a random global minimum")
    ax.set_title("Perceptron: quenched vs annealed learning curve")
    ax.legend(fontsize="small")
    return fig


def plot_gibbs_bad_fraction(columns, ax=None):
    """Fraction of bad global minima (true error > eps0) vs ``alpha``, log y.

    Markers: measured (quenched) fraction; solid lines: annealed ``B_n(eps0)``; dashed:
    the exponential bound of docs/science.md section 2. Measured zeros are not drawn (log axis).
    """
    columns = _columns(columns)
    fig, ax = figure_and_axes(ax)
    alpha = _column(columns, "alpha")
    all_measured = _column(columns, "bad_fraction_measured")
    floor = max(0.1 * np.min(all_measured[all_measured > 0], initial=1.0), 1e-6)
    for k, dim, rows in _by_dimension(columns):
        color = f"C{k % 10}"
        measured = _column(columns, "bad_fraction_measured")[rows]
        shown = measured > 0
        stderr = np.nan_to_num(_column(columns, "bad_fraction_stderr")[rows][shown])
        lower = np.minimum(stderr, measured[shown] - floor)   # keep error bars on the log axis
        ax.errorbar(alpha[rows][shown], measured[shown], yerr=[lower, stderr], fmt="o", color=color,
                    capsize=3, label=f"N={dim} measured")
        ax.plot(alpha[rows], _column(columns, "bad_fraction_annealed")[rows], "-", color=color,
                label=f"N={dim} annealed $B_n$")
        ax.plot(alpha[rows], _column(columns, "bad_fraction_bound")[rows], "--", color=color,
                label=f"N={dim} bound")
    eps0 = _column(columns, "eps0")
    ax.set_yscale("log")
    ax.set_ylim(floor, 1.5)
    ax.set_xlabel(r"$\alpha = n / N$")
    ax.set_ylabel(rf"fraction of global minima with error > {eps0[0]:g}" if eps0.size else "bad fraction")
    ax.set_title("Perceptron: bad global minima")
    ax.legend(fontsize="small")
    return fig
