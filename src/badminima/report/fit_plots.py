"""Figures of ``badminima fit``: data, fitted curves, extrapolations, intervals, fitted densities.

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


def _shaded(fitted) -> set[str]:
    """Models whose predictive interval is shaded: ``auto`` when fitted, else the top one."""
    names = [r.model for r in fitted]
    return {"auto"} if "auto" in names else set(names[:1])


def plot_learning_curve_fits(reports, ax=None, extend: float = 10.0):
    """Mean test error per n with standard errors, each model's fit and its extrapolation.

    Solid lines: fits on all sizes. Dashed lines: fits on ``n <= fit_below`` (grey band:
    the held-out sizes), drawn up to ``extend`` times the largest n. The shaded band is the
    predictive interval (``report.level``) of the extrapolation fit of ``auto`` (or of the
    top-ranked model), :mod:`badminima.fitting.predictive`. Log-log axes.
    """
    fig, ax = figure_and_axes(ax)
    fitted, data = _data_of(reports)
    ax.errorbar(data.sizes, data.means, yerr=data.sigmas, fmt="o", color="black",
                capsize=3, zorder=5, label="data (mean ± s.e.)")
    grid = np.unique(np.round(np.geomspace(data.sizes[0], data.sizes[-1] * extend, 200)))
    shaded = _shaded(fitted)
    for k, report in enumerate(fitted):
        color = f"C{k % 10}"
        ax.plot(grid, report.estimator.predict(grid), color=color, lw=1.5, label=report.model)
        source = report.extrapolation_fit or report.estimator
        if report.extrapolation_fit is not None:
            ax.plot(grid, source.predict(grid), color=color, lw=1, ls="--")
        if report.model in shaded:
            low, high = source.predict_interval(grid, report.level)
            ax.fill_between(grid, low, high, color=color, alpha=0.18, lw=0,
                            label=f"{report.model}: {report.level:.0%} predictive interval")
    holdout = next((r.holdout for r in fitted if r.holdout is not None), None)
    if holdout is not None:
        ax.axvspan(holdout.fit_below, grid[-1], color="0.93", zorder=0,
                   label=f"extrapolation (fit on n ≤ {holdout.fit_below:g}, dashed)")
    ax.set(xscale="log", yscale="log", xlabel="training-set size n",
           ylabel="mean test error", title="learning curve: data, fits, extrapolations")
    ax.legend(fontsize="small")
    return fig


def _window(report, sizes) -> tuple[float, float] | None:
    """The eps window the data determine for a density model (None for the others)."""
    est = report.estimator
    if est.density_ is None:
        return None
    window = est.result_.extras.get("determined_eps_range")
    if window is None:
        from badminima.fitting.nonparametric import determined_range
        try:
            window = determined_range(est.density_, sizes)
        except (ValueError, ArithmeticError):
            return None
    low, high = map(float, window)
    return (low, high) if 0 < low < high else None


def plot_fitted_densities(reports, ax=None):
    """The fitted true-error densities where the data determine them, on a log-eps axis.

    A learning curve measured at sizes ``n_i`` constrains ``D`` only where the posteriors
    ``Q_{n_i}`` put their mass (docs/science.md section 3): from the 5% quantile of
    ``Q_{n_max}`` to the 95% quantile of ``Q_{n_min}``. Each density model is drawn as
    ``ln D(eps)`` over its own window (relative to its value at the window's upper end: the
    densities span hundreds of e-folds there, which a linear axis cannot show), and the
    union of the windows sets the eps axis.
    """
    fig, ax = figure_and_axes(ax)
    fitted, data = _data_of(reports)
    drawn = []
    for k, report in enumerate(fitted):
        window = _window(report, data.sizes)
        if window is None:
            continue
        eps = np.geomspace(*window, 200)
        with np.errstate(all="ignore"):
            log_d = np.asarray(report.estimator.density_.logpdf(eps), dtype=float)
        if not np.any(np.isfinite(log_d)):
            continue
        ax.plot(eps, log_d - log_d[np.isfinite(log_d)][-1], color=f"C{k % 10}",
                label=f"{report.model} [{window[0]:.3g}, {window[1]:.3g}]")
        drawn.append(window)
    ax.set(xscale="log", xlabel="true error eps (where the data determine D)",
           ylabel="ln D(eps) - ln D(upper end)", title="fitted true-error densities")
    if drawn:
        ax.axvspan(min(w[0] for w in drawn), max(w[1] for w in drawn), color="0.95", zorder=0)
        ax.legend(fontsize="small", title="model [determined eps window]")
    else:
        ax.text(0.5, 0.5, "no density model fitted", ha="center", transform=ax.transAxes)
    return fig


def plot_fit_report(reports):
    """Learning-curve fits and, when a density model was fitted, the fitted densities."""
    import matplotlib.pyplot as plt
    has_density = any(r.estimator is not None and r.estimator.density_ is not None
                      for r in reports)
    if not has_density:
        fig, ax = plt.subplots(figsize=(7, 5))
        plot_learning_curve_fits(reports, ax=ax)
        fig.tight_layout()
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    plot_learning_curve_fits(reports, ax=left)
    plot_fitted_densities(reports, ax=right)
    fig.tight_layout()
    return fig
