"""Figures of a Guess & Check run.

Each function takes the run's :class:`~badminima.experiments.guess_check.GuessCheckResult`
(or its ``results.json`` content read back, a dict of lists) and an optional ``ax`` and
returns the figure:
acceptance rate vs :math:`Z_n` (log scale), learning curve vs :math:`E_n`, bad fraction vs
:math:`B_n` and its bound (log scale), survivor histograms vs :math:`Q_n`, and the
Guess & Check vs SGD test-error distributions. :func:`guess_check_figures` makes all.
"""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes


def _content(results) -> dict:
    """The results as their ``results.json`` content: a result object's ``to_dict()``, a dict as it is."""
    return results.to_dict() if hasattr(results, "to_dict") else results


def _arr(results, key):
    return np.array([np.nan if v is None else v for v in results[key]], dtype=float)


def plot_acceptance(results, ax=None):
    """Measured acceptance rate (with its interval) vs the predicted :math:`Z_n`, log scale."""
    results = _content(results)
    fig, ax = figure_and_axes(ax, figsize=(5.5, 4))
    n = _arr(results, "n")
    meas = _arr(results, "acceptance_measured")
    ok = meas > 0
    low = np.maximum(meas - _arr(results, "acceptance_ci_low"), 0)  # rounding can make these -1e-17
    high = np.maximum(_arr(results, "acceptance_ci_high") - meas, 0)
    ax.errorbar(n[ok], meas[ok], yerr=[low[ok], high[ok]],
                fmt="o", ms=3, capsize=2, label="measured")
    ax.plot(n, _arr(results, "acceptance_predicted"), "-", label="theory $Z_n$")
    ax.set_yscale("log")
    ax.set_xlabel("training set size n")
    ax.set_ylabel("acceptance rate")
    ax.set_title(f"Guess & Check acceptance (K={results['K']}, R={results['R']})")
    ax.legend()
    return fig


def plot_learning_curve(results, ax=None):
    """Survivors' mean test error (per-set average and pooled) vs the predicted :math:`E_n`."""
    results = _content(results)
    fig, ax = figure_and_axes(ax, figsize=(5.5, 4))
    n = _arr(results, "n")
    meas = _arr(results, "learning_curve_measured")
    ax.fill_between(n, _arr(results, "learning_curve_ci_low"), _arr(results, "learning_curve_ci_high"),
                    alpha=0.25, label="per-set mean, interval")
    ax.plot(n, meas, "o", ms=3, label="measured (mean over sets)")
    if "learning_curve_pooled" in results:
        ax.plot(n, _arr(results, "learning_curve_pooled"), "x", ms=4, label="measured (pooled)")
    ax.plot(n, _arr(results, "learning_curve_predicted"), "-", label="theory $E_n$")
    ax.set_xlabel("training set size n")
    ax.set_ylabel("mean true error of survivors")
    ax.set_title("Learning curve of random global minima")
    ax.legend()
    return fig


#: Shown in the bad-fraction figure when the exponential bound is 1 at every plotted n.
VACUOUS_BOUND_NOTE = ("the exponential bound is >= 1 (vacuous) at every n here: the prefactor\n"
                      "P(eps > eps0) / P(eps <= eps1) outweighs ((1 - eps0)/(1 - eps1))^n until\n"
                      "n is larger (docs/science.md section 2)")


def plot_bad_fraction(results, ax=None):
    """Measured bad fraction vs the predicted :math:`B_n(\\epsilon_0)` and its bound, log scale.

    The bound is capped at 1. When it is 1 at every plotted n (few samples, little prior
    mass at low error: e.g. ``gc-separable-mlp`` with n <= 30), a note in the figure says
    so and why, instead of leaving an unexplained flat line.
    """
    results = _content(results)
    fig, ax = figure_and_axes(ax, figsize=(5.5, 4))
    n = _arr(results, "n")
    meas = _arr(results, "bad_fraction_measured")
    ok = meas > 0
    ax.plot(n[ok], meas[ok], "o", ms=3, label="measured")
    ax.plot(n, _arr(results, "bad_fraction_predicted"), "-", label="theory $B_n$")
    bound = _arr(results, "bad_fraction_bound")
    finite = np.isfinite(bound) & (bound > 0)
    vacuous = bool(finite.any() and np.all(bound[finite] >= 1.0))
    ax.plot(n[finite], np.minimum(bound[finite], 1.0), "--",
            label="exponential bound (vacuous here)" if vacuous else "exponential bound")
    if vacuous:
        ax.text(0.98, 0.9, VACUOUS_BOUND_NOTE, transform=ax.transAxes, fontsize="x-small",
                ha="right", va="top")
    ax.set_yscale("log")
    ax.set_xlabel("training set size n")
    ax.set_ylabel(f"fraction with error > {results['eps0']:g}")
    ax.set_title("Bad global minima")
    ax.legend(loc="lower left")
    return fig


def plot_survivor_histograms(results, ns=None, ax=None):
    """Survivors' error histograms (density) vs :math:`Q_n` for a few n."""
    results = _content(results)
    fig, ax = figure_and_axes(ax, figsize=(5.5, 4))
    edges = np.asarray(results["hist_bin_edges"], dtype=float)
    centres, widths = (edges[1:] + edges[:-1]) / 2, np.diff(edges)
    ns = ns if ns is not None else results.get("config", {}).get("theory", {}).get("hist_n", [0])
    measured = np.array([[np.nan if v is None else v for v in row] for row in results["survivor_hist_measured"]])
    predicted = np.array([[np.nan if v is None else v for v in row] for row in results["survivor_hist_predicted"]])
    for i, size in enumerate(ns):
        colour = f"C{i}"
        ax.step(centres, measured[size] / widths, where="mid", color=colour, label=f"measured n={size}")
        ax.plot(centres, predicted[size] / widths, "--", color=colour, label=f"$Q_{{{size}}}$")
    ax.set_xlabel("true error")
    ax.set_ylabel("density")
    ax.set_title("Errors of the survivors vs $Q_n$")
    ax.legend(fontsize="small")
    return fig


def plot_sgd_comparison(results, ax=None):
    """Test-error distributions of Guess & Check survivors and SGD solutions."""
    results = _content(results)
    fig, ax = figure_and_axes(ax, figsize=(5.5, 4))
    sgd = results["sgd"]
    bins = np.linspace(0, max(0.6, max(sgd["gc_test_errors"] + sgd["sgd_test_errors"] + [0])), 40)
    ax.hist(sgd["gc_test_errors"], bins=bins, density=True, alpha=0.5, label="Guess & Check survivors")
    ax.hist(sgd["sgd_test_errors"], bins=bins, density=True, alpha=0.5, label="SGD to zero training error")
    ks = sgd.get("ks_statistic")
    ax.set_title(f"n = {sgd['n']}" + (f", KS = {ks:.3f}" if ks is not None else ""))
    ax.set_xlabel("test error")
    ax.set_ylabel("density")
    ax.legend()
    return fig


def guess_check_figures(results) -> dict:
    """All figures of a run: name -> matplotlib figure (the SGD one only when present)."""
    results = _content(results)
    figures = {"acceptance": plot_acceptance(results), "learning_curve": plot_learning_curve(results),
               "bad_fraction": plot_bad_fraction(results), "survivor_histograms": plot_survivor_histograms(results)}
    if results.get("sgd"):
        figures["sgd_comparison"] = plot_sgd_comparison(results)
    return figures
