"""Figures cover what was asked: B_n over the whole n range, and a vacuous bound explained."""

import numpy as np

from badminima.report.guess_check_plots import VACUOUS_BOUND_NOTE, plot_bad_fraction as plot_gc_bad_fraction
from badminima.report.theory_plots import plot_bad_fraction, plot_learning_curve
from badminima.theory import Beta, SphericalPerceptron


def test_bad_fraction_panel_reaches_the_largest_asked_n():
    fig = plot_bad_fraction(Beta(2, 30), [0, 10, 1e6], 0.1)
    exact, bound = fig.axes[0].lines[:2]
    assert np.max(exact.get_xdata()) == 1e6 and np.max(bound.get_xdata()) == 1e6
    y = np.asarray(exact.get_ydata())
    assert np.all(np.isfinite(y)) and y[-1] < -4e4  # log10 B_n(0.1) at n = 1e6: about n log10(0.9)


def test_panels_past_the_log_axis_limit_plot_log10_n():
    density = SphericalPerceptron(10)
    for fig in (plot_bad_fraction(density, [0, 1e300], 0.1), plot_learning_curve(density, [0, 1e300])):
        line = fig.axes[0].lines[0]
        assert np.max(line.get_xdata()) == 300.0
        assert np.all(np.isfinite(line.get_ydata()))


def _gc_results(bound):
    n = np.arange(31)
    return {"n": list(n), "bad_fraction_measured": list(0.6 * 0.9 ** n),
            "bad_fraction_predicted": list(0.6 * 0.9 ** n), "bad_fraction_bound": bound, "eps0": 0.3}


def test_vacuous_guess_check_bound_is_explained_in_the_figure():
    fig = plot_gc_bad_fraction(_gc_results([1.0] * 31))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [VACUOUS_BOUND_NOTE]
    assert any("vacuous" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_informative_guess_check_bound_has_no_note():
    fig = plot_gc_bad_fraction(_gc_results(list(np.minimum(1.0, 3 * 0.8 ** np.arange(31)))))
    assert len(fig.axes[0].texts) == 0
