"""The measured learning-curve figure draws the table's numbers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from badminima.experiments import store  # noqa: E402
from badminima.report.learning_curve_plots import plot_measured_learning_curve  # noqa: E402


def test_plot_draws_means_and_standard_errors(tmp_path):
    conn = store.connect(tmp_path / "r.db")
    for n, seed, err in [(50, 0, 0.3), (50, 1, 0.2), (100, 0, 0.1), (100, 1, 0.14)]:
        store.insert_run(conn, {"experiment": "e", "config_hash": "h", "dataset": "digits", "arch": "mlp",
                                "n": n, "seed": seed, "epochs": 3, "reached_zero": True, "train_error": 0.0,
                                "test_error": err, "n_test": 100, "wall_s": 1.0, "device": "cpu",
                                "versions": {}})
    conn.close()
    table = store.learning_curve_table(tmp_path / "r.db")
    fig = plot_measured_learning_curve(table, runs=store.load_learning_curve(tmp_path / "r.db"))
    ax = fig.axes[0]
    line = [ln for ln in ax.get_lines() if ln.get_marker() == "o"][0]
    np.testing.assert_allclose(line.get_xdata(), [50, 100])
    np.testing.assert_allclose(line.get_ydata(), [0.25, 0.12])
    assert ax.get_xscale() == "log"
    matplotlib.pyplot.close(fig)
