"""Figures of measured learning curves (``badminima results``, docs/science.md section 4, exp. 3).

Each function takes an optional matplotlib ``ax`` (or creates a figure) and returns the
figure; nothing is shown or saved here.
"""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes


def plot_measured_learning_curve(table, ax=None, runs=None):
    """Mean test error per n (error bars: standard error over seeds) on log-log axes.

    Parameters
    ----------
    table : badminima.experiments.tables.LearningCurveTable
        Per-n summary of the runs that reached zero training error.
    ax : matplotlib.axes.Axes, optional
    runs : tuple of arrays ``(n, test_error)``, optional
        Individual runs (:func:`~badminima.experiments.tables.load_learning_curve`), drawn as dots.

    Notes
    -----
    The error bar at n is ``std / sqrt(count)`` (NaN, so no bar, for a single run).
    """
    fig, ax = figure_and_axes(ax)
    ok = table.count > 0
    stderr = np.where(table.count > 1, table.std / np.sqrt(np.maximum(table.count, 1)), np.nan)
    if runs is not None:
        ax.plot(runs[0], runs[1], ".", color="0.6", ms=4, label="runs")
    ax.errorbar(table.n[ok], table.mean[ok], yerr=stderr[ok], fmt="o-", color="C0", capsize=3,
                label=f"{table.experiment}: mean ± s.e.")
    failed = table.not_zero > 0
    for n, k in zip(table.n[failed], table.not_zero[failed]):
        ax.annotate(f"{k} not zero", (n, np.nanmax(table.mean[ok]) if ok.any() else 1.0), fontsize="x-small",
                    rotation=90, ha="center", va="top", color="C3")
    ax.set(xscale="log", yscale="log", xlabel="training-set size n",
           ylabel="test error at zero training error",
           title=f"{table.dataset}, {table.arch}: measured learning curve")
    ax.legend(fontsize="small")
    return fig
