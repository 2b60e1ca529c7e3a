"""report layer: matplotlib figures of theory, measurements and fits.

Every function returns a :class:`matplotlib.figure.Figure` (or draws on ``ax``). The
Guess & Check and theory modules both have a ``plot_learning_curve`` and a
``plot_bad_fraction``; import those from :mod:`badminima.report.guess_check_plots` or
:mod:`badminima.report.theory_plots`. Names are imported on first use (matplotlib).
"""

from badminima._lazy import attach

_EXPORTS = {
    "plot_theory": "badminima.report.theory_plots",
    "plot_posteriors": "badminima.report.theory_plots",
    "plot_acceptance": "badminima.report.guess_check_plots",
    "plot_survivor_histograms": "badminima.report.guess_check_plots",
    "plot_sgd_comparison": "badminima.report.guess_check_plots",
    "guess_check_figures": "badminima.report.guess_check_plots",
    "plot_gibbs_learning_curves": "badminima.report.gibbs_plots",
    "plot_gibbs_bad_fraction": "badminima.report.gibbs_plots",
    "plot_measured_learning_curve": "badminima.report.learning_curve_plots",
    "plot_learning_curve_fits": "badminima.report.fit_plots",
    "plot_fitted_densities": "badminima.report.fit_plots",
    "plot_fit_report": "badminima.report.fit_plots",
}

__getattr__, __dir__, __all__ = attach(__name__, _EXPORTS)
