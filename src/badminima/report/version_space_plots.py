"""Figures of ``badminima version-space``: log Z_n and the test error of random global minima vs n.

Each function takes the ``columns`` mapping of
:class:`badminima.experiments.version_space.VersionSpaceResult` (or the same keys read back
from results.json, where missing values are ``None``) and an optional matplotlib ``ax``; it
returns the figure and neither shows nor saves it.
"""

from __future__ import annotations

import numpy as np

from badminima.report.axes import figure_and_axes

__all__ = ["plot_log_z", "plot_test_error", "plot_bad_fraction"]


def _column(columns, key) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in columns[key]], dtype=float)


def plot_log_z(columns, ax=None):
    """``log Z_n`` by SMC (mean over training sets, ± standard error) and by rejection where it reaches."""
    fig, ax = figure_and_axes(ax)
    n = _column(columns, "n")
    ax.errorbar(n, _column(columns, "log_z"), yerr=_column(columns, "log_z_stderr"), fmt="o-", capsize=3,
                label="SMC (quenched mean)")
    rejection = _column(columns, "rejection_log_z")
    if np.any(np.isfinite(rejection)):
        ax.errorbar(n, rejection, yerr=_column(columns, "rejection_log_z_stderr"), fmt="s", mfc="none", ms=9,
                    capsize=3, label="Guess & Check acceptance")
    ax.set_xscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel(r"$\log Z_n$")
    ax.legend()
    return fig


def plot_test_error(columns, ax=None):
    """Mean test error of random global minima (± standard error over training sets) vs n, log-log."""
    fig, ax = figure_and_axes(ax)
    n = _column(columns, "n")
    ax.errorbar(n, _column(columns, "test_error"), yerr=_column(columns, "test_error_stderr"), fmt="o-",
                capsize=3, label="random global minima (SMC)")
    rejection = _column(columns, "rejection_test_error")
    if np.any(np.isfinite(rejection)):
        ax.plot(n, rejection, "s", mfc="none", ms=9, label="Guess & Check survivors")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("mean test error")
    ax.legend()
    return fig


def plot_bad_fraction(columns, eps0: float, ax=None):
    """Fraction ``B_n(eps0)`` of random global minima with test error above ``eps0``."""
    fig, ax = figure_and_axes(ax)
    n = _column(columns, "n")
    ax.errorbar(n, _column(columns, "bad_fraction"), yerr=_column(columns, "bad_fraction_stderr"), fmt="o-",
                capsize=3, label=rf"$B_n(\varepsilon_0 = {eps0:g})$ (SMC)")
    ax.set_xscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("bad fraction")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    return fig
