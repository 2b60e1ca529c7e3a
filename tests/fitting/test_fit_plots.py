"""``fit --plot`` panels: the predictive band and D(eps) drawn where the data determine it."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from badminima.fitting import compare_models, laws  # noqa: E402
from badminima.report.fit_plots import plot_fitted_densities, plot_learning_curve_fits  # noqa: E402

N = np.repeat(np.geomspace(25, 3200, 8).round(), 3)
ERRORS = laws.pow3(N, 0.02, 1.5, 0.5) * np.tile([0.98, 1.0, 1.02], 8)


def test_density_panel_shows_the_determined_window_on_a_log_axis():
    reports = compare_models(N, ERRORS, models=["shifted-beta", "pow3"], n_bootstrap=0)
    fig = plot_fitted_densities(reports)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == 1 and lines[0].get_label().startswith("shifted-beta [")
    eps = lines[0].get_xdata()
    assert 0.005 < eps.min() < eps.max() < 0.5  # the data's errors, not the bulk of D near 1
    values = lines[0].get_ydata()
    assert np.all(np.isfinite(values)) and np.ptp(values) > 1.0


def test_learning_curve_panel_shades_the_predictive_interval():
    reports = compare_models(N, ERRORS, models=["pow3"], n_bootstrap=0)
    ax = plot_learning_curve_fits(reports).axes[0]
    labels = [c.get_label() for c in ax.collections]
    assert "pow3: 80% predictive interval" in labels


def test_report_figure_has_a_density_panel_only_with_a_density_model():
    from badminima.report.fit_plots import plot_fit_report
    laws_only = compare_models(N, ERRORS, models=["pow3"], n_bootstrap=0)
    assert len(plot_fit_report(laws_only).axes) == 1
    with_density = compare_models(N, ERRORS, models=["pow3", "shifted-beta"], n_bootstrap=0)
    assert len(plot_fit_report(with_density).axes) == 2
