"""Figures of the section-2 theory for one density: Q_n, B_n with its bound, E_n."""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes

from badminima.theory import (
    Empirical,
    learning_curve,
    log_bad_fraction,
    log_bad_fraction_bound,
    posterior,
)

_MAX_CURVES = 5
#: Beyond this n (or below 1/this value) matplotlib's log axes overflow: plot log10 on linear axes.
_LOG_AXIS_LIMIT = 1e200
#: Posteriors concentrated below this error are not drawn (their eps axis would underflow).
_SMALLEST_EPS = 1e-280


def _curve_n(n_values) -> np.ndarray:
    n = np.unique(np.asarray(n_values, dtype=float))
    if n.size > _MAX_CURVES:
        n = n[np.unique(np.round(np.linspace(0, n.size - 1, _MAX_CURVES)).astype(int))]
    return n


def _dense_n(n_values) -> np.ndarray:
    top = max(float(np.max(n_values)), 10.0)
    return np.unique(np.concatenate([[0.0], np.round(np.logspace(0, np.log10(top), 60))]))


def _log_n_axis(ax, n: np.ndarray) -> np.ndarray:
    """x values for sizes ``n > 0`` on a log axis; ``log10 n`` on a linear one past 1e200."""
    if np.max(n) <= _LOG_AXIS_LIMIT:
        ax.set_xscale("log")
        ax.set_xlabel("training-set size n")
        return n
    ax.set_xlabel("log10 of the training-set size n")
    return np.log10(n)


def plot_posteriors(density, n_values, ax=None):
    """Q_n for up to five of ``n_values`` on a log eps axis (masses for an empirical density).

    A continuous Q_n is drawn as ``eps Q_n(eps)``, its density per unit ``ln eps``, so that
    posteriors of very different widths (n from 0 to 1e6 and more) share one readable axis.
    """
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    for n in _curve_n(n_values):
        if learning_curve(density, n) < _SMALLEST_EPS:
            ax.plot([], [], label=f"n={n:g} (errors below {_SMALLEST_EPS:g}, not drawn)")
            continue
        q = posterior(density, n)
        if isinstance(q, Empirical):
            positive = q.values > 0
            ax.plot(q.values[positive], q.probabilities[positive], drawstyle="steps-mid", label=f"n={n:g}")
            ax.set_ylabel("Q_n mass")
            continue
        lo, hi = q.ppf([1e-4, 1 - 1e-4])
        eps = np.geomspace(max(lo, 1e-300), hi, 400)
        ax.plot(eps, np.exp(np.log(eps) + q.logpdf(eps)), label=f"n={n:g}")
        ax.set_ylabel("eps Q_n(eps) (density per ln eps)")
    ax.set_xscale("log")
    ax.set_xlabel("true error eps")
    ax.set_title("error density of global minima")
    ax.legend(fontsize="small")
    return fig


def plot_bad_fraction(density, n_values, eps0, ax=None):
    """log10 B_n(eps0) and log10 of its exponential bound against n (log n axis).

    Drawn in log space over the whole asked range: B_n falls below the smallest double
    (1e-308) long before n = 1e6 for most densities, where a plot of B_n itself would stop.
    A bound above 1 (vacuous) is drawn at 0.
    """
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    n = _dense_n(n_values)
    n = n[n > 0]
    to_log10 = 1.0 / np.log(10.0)
    exact = log_bad_fraction(density, eps0, n) * to_log10
    bound = np.minimum(log_bad_fraction_bound(density, eps0, n)[0], 0.0) * to_log10
    x = _log_n_axis(ax, n)
    finite = np.isfinite(exact)
    ax.plot(x[finite], exact[finite], label="B_n exact")
    finite = np.isfinite(bound)
    ax.plot(x[finite], bound[finite], "--", label="exponential bound")
    ax.set_ylabel(f"log10 of the fraction with eps > {eps0:g}")
    ax.set_title("bad global minima")
    ax.legend(fontsize="small")
    return fig


def plot_learning_curve(density, n_values, ax=None):
    """E_n against n on log-log axes (log10 of both on linear axes past n = 1e200)."""
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    n = _dense_n(n_values)
    n = n[n > 0]
    e_n = learning_curve(density, n)
    x = _log_n_axis(ax, n)
    if x is n:
        ax.loglog(n, e_n)
        ax.set_ylabel("E_n (mean true error)")
    else:
        ax.plot(x, np.log10(e_n))
        ax.set_ylabel("log10 E_n (mean true error)")
    ax.set_title("learning curve")
    return fig


def plot_theory(density, n_values, eps0: float = 0.1, title: str | None = None):
    """Three panels: Q_n for several n, B_n and its bound, E_n. Returns the figure."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    plot_posteriors(density, n_values, ax=axes[0])
    plot_bad_fraction(density, n_values, eps0, ax=axes[1])
    plot_learning_curve(density, n_values, ax=axes[2])
    fig.suptitle(title or repr(density))
    fig.tight_layout()
    return fig
