"""Figures of the section-2 theory for one density: Q_n, B_n with its bound, E_n."""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes

from badminima.theory import (
    Empirical,
    bad_fraction,
    bad_fraction_bound,
    learning_curve,
    posterior,
)

_MAX_CURVES = 5


def _curve_n(n_values) -> np.ndarray:
    n = np.unique(np.asarray(n_values, dtype=float))
    if n.size > _MAX_CURVES:
        n = n[np.unique(np.round(np.linspace(0, n.size - 1, _MAX_CURVES)).astype(int))]
    return n


def _dense_n(n_values) -> np.ndarray:
    top = max(float(np.max(n_values)), 10.0)
    return np.unique(np.concatenate([[0.0], np.round(np.logspace(0, np.log10(top), 60))]))


def plot_posteriors(density, n_values, ax=None):
    """Q_n for up to five of ``n_values`` on a log eps axis (masses for an empirical density).

    A continuous Q_n is drawn as ``eps Q_n(eps)``, its density per unit ``ln eps``, so that
    posteriors of very different widths (n from 0 to 1e6 and more) share one readable axis.
    """
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    for n in _curve_n(n_values):
        q = posterior(density, n)
        if isinstance(q, Empirical):
            positive = q.values > 0
            ax.plot(q.values[positive], q.probabilities[positive], drawstyle="steps-mid", label=f"n={n:g}")
            ax.set_ylabel("Q_n mass")
            continue
        lo, hi = q.ppf([1e-4, 1 - 1e-4])
        eps = np.geomspace(max(lo, 1e-300), hi, 400)
        ax.plot(eps, eps * q.pdf(eps), label=f"n={n:g}")
        ax.set_ylabel("eps Q_n(eps) (density per ln eps)")
    ax.set_xscale("log")
    ax.set_xlabel("true error eps")
    ax.set_title("error density of global minima")
    ax.legend(fontsize="small")
    return fig


def plot_bad_fraction(density, n_values, eps0, ax=None):
    """B_n(eps0) and its exponential bound against n (log scale)."""
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    n = _dense_n(n_values)
    exact = bad_fraction(density, eps0, n)
    bound, _ = bad_fraction_bound(density, eps0, n)
    positive = exact > 0
    ax.semilogy(n[positive], exact[positive], label="B_n exact")
    positive = bound > 0
    ax.semilogy(n[positive], bound[positive], "--", label="exponential bound")
    ax.set_ylim(top=2.0)  # fractions: nothing above 1
    ax.set_xlabel("training-set size n")
    ax.set_ylabel(f"fraction with eps > {eps0:g}")
    ax.set_title("bad global minima")
    ax.legend(fontsize="small")
    return fig


def plot_learning_curve(density, n_values, ax=None):
    """E_n against n on log-log axes."""
    fig, ax = figure_and_axes(ax, figsize=(5, 4))
    n = _dense_n(n_values)
    n = n[n > 0]
    ax.loglog(n, learning_curve(density, n))
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("E_n (mean true error)")
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
