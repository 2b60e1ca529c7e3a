"""Figures of ``badminima fit``: data, fitted curves, extrapolations and fitted densities.

Each function takes an optional matplotlib ``ax`` (or creates a figure) and returns the
figure; nothing is shown or saved here.
"""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes


def _data_of(reports):
    fitted = [r for r in reports if r.estimator is not None]
    if not fitted:
        raise ValueError("no fitted model in the reports")
    return fitted, fitted[0].estimator.data_


def plot_learning_curve_fits(reports, ax=None, extend: float = 10.0):
    """Mean test error per n with standard errors, each model's fit and its extrapolation.

    Solid lines: fits on all sizes. Dashed lines: fits on ``n <= fit_below`` (grey band:
    the held-out sizes), drawn up to ``extend`` times the largest n. Log-log axes.
    """
    fig, ax = figure_and_axes(ax)
    fitted, data = _data_of(reports)
    ax.errorbar(data.sizes, data.means, yerr=data.sigmas, fmt="o", color="black",
                capsize=3, zorder=5, label="data (mean ± s.e.)")
    grid = np.unique(np.round(np.geomspace(data.sizes[0], data.sizes[-1] * extend, 200)))
    for k, report in enumerate(fitted):
        color = f"C{k % 10}"
        ax.plot(grid, report.estimator.predict(grid), color=color, lw=1.5, label=report.model)
        if report.extrapolation_fit is not None:
            ax.plot(grid, report.extrapolation_fit.predict(grid), color=color, lw=1, ls="--")
    holdout = next((r.holdout for r in fitted if r.holdout is not None), None)
    if holdout is not None:
        ax.axvspan(holdout.fit_below, grid[-1], color="0.9", zorder=0,
                   label=f"extrapolation (fit on n ≤ {holdout.fit_below:g}, dashed)")
    ax.set(xscale="log", yscale="log", xlabel="training-set size n",
           ylabel="mean test error", title="learning curve: data, fits, extrapolations")
    ax.legend(fontsize="small")
    return fig


def _log_density(report, eps: np.ndarray) -> np.ndarray | None:
    """``eps * D(eps)``: the fitted density per unit ln(eps)."""
    est = report.estimator
    extras = est.result_.extras
    if "masses" in extras:
        grid, masses = extras["grid"], extras["masses"]
        return np.interp(eps, grid, masses / np.log(grid[1] / grid[0]), left=0.0, right=0.0)
    if est.density_ is None:
        return None
    with np.errstate(all="ignore"):
        values = eps * np.asarray(est.density_.pdf(eps), dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def plot_fitted_densities(reports, ax=None):
    """The fitted true-error densities of the density models, ``eps D(eps)`` on a log-eps axis.

    Each curve is scaled to a peak of 1. The grey band is the eps window the data determine
    (central 90% of the fitted Q_n at the measured sizes, nonparametric fit).
    """
    fig, ax = figure_and_axes(ax)
    fitted, data = _data_of(reports)
    low = max(1e-4, 0.1 * float(np.min(data.means[data.means > 0], initial=1.0)))
    eps = np.geomspace(low, 1.0, 400)[:-1]
    for k, report in enumerate(fitted):
        values = _log_density(report, eps)
        if values is None or not np.any(values > 0):
            continue
        ax.plot(eps, values / values.max(), color=f"C{k % 10}", label=report.model)
        window = report.estimator.result_.extras.get("determined_eps_range")
        if window is not None:
            ax.axvspan(*window, color="0.9", zorder=0, label="determined by the data")
    ax.set(xscale="log", xlabel="true error eps", ylabel="eps D(eps) (peak = 1)",
           title="fitted true-error densities")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    else:
        ax.set_xlim(eps[0], eps[-1])
        ax.text(0.5, 0.5, "no density model fitted", ha="center", transform=ax.transAxes)
    return fig


def plot_fit_report(reports):
    """Both panels side by side: learning-curve fits and fitted densities."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    plot_learning_curve_fits(reports, ax=left)
    plot_fitted_densities(reports, ax=right)
    fig.tight_layout()
    return fig
