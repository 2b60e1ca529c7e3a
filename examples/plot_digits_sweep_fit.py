"""
A learning curve on digits: sweep, fit, extrapolate, plan
=========================================================

Train an over-parameterized MLP to exactly zero training error on nested subsets of
scikit-learn's 8x8 digits, measure its test error, fit the density models of
docs/science.md §3 and the learning-curve laws to the curve, see which extrapolates best,
and ask how many training images a 3% test error needs (experiment 4.3 in miniature).
"""

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import badminima as bm

SMALL = os.environ.get("BADMINIMA_EXAMPLES_SMALL") == "1"

# %%
# The sweep config
# ----------------
# The packaged ``digits-mlp`` config is the main job of ``make demo``: an MLP with 512
# hidden units (about 38 000 parameters, far more than the largest training set) trained
# with Adam until every training image is classified correctly. Here it runs with fewer
# seeds and sizes up to 400 (``make demo`` goes to the full 1258 images with 10 seeds).

config = bm.load_config("digits-mlp")
sweep = dataclasses.replace(
    config.sweep,
    sizes=(25, 50, 100) if SMALL else (25, 50, 100, 200, 400),
    include_full=False,
    seeds=(0, 1) if SMALL else (0, 1, 2),
)
config = dataclasses.replace(config, sweep=sweep)
print(config.model)
print(config.train)
print(config.sweep)

# %%
# Run it
# ------
# Every run ``(n, seed)`` is one row of an SQLite database, committed as it finishes; a
# second call with the same database only does the runs that are missing.

workdir = Path(tempfile.mkdtemp(prefix="badminima-example-"))
db = workdir / "digits.db"
summary = bm.run_sweep(config, db, executor="serial", progress=False)
print(summary)

table = bm.learning_curve_table(db)
for size, mean, std, count in zip(table.n, table.mean, table.std, table.count):
    print(f"n = {int(size):5d}   test error {mean:.4f} +- {std:.4f}   ({count} runs)")

# %%
# Fit the models and rank them by extrapolation
# ---------------------------------------------
# Each model is fitted to all the runs, and again to the small sizes only (``n <= 200``
# here) to predict the larger ones; the models are ranked by that held-out error. Density
# models predict through ``E_n = 1 - Z_{n+1}/Z_n`` of their density ``D``; the laws are
# closed formulas. ``eps_max = 0.9`` is chance level for 10 classes.

n, errors = bm.load_learning_curve(db)
models = ("shifted-beta", "pow3") if SMALL else ("shifted-beta", "rare-good-tail", "nonparametric", "pow3", "exp3")
fit_below = 50 if SMALL else 200
reports = bm.compare_models(n, errors, models=models, fit_below=fit_below, strict=False,
                            n_bootstrap=5 if SMALL else 20, eps_max=0.9)
for report in reports:
    if report.failure:
        print(f"{report.model:15s} could not be fitted: {report.failure}")
        continue
    fit = report.estimator
    held_out = "n/a" if report.extrapolation_error is None else f"{report.extrapolation_error:.3f}"
    print(f"{report.model:15s} held-out error {held_out}   "
          f"chi2_red {fit.chi2_red_:.2f}   params { {k: round(v, 4) for k, v in fit.params_.items()} }")

# %%
# The report layer draws the data, every fitted curve (solid) with its extrapolation from
# the small sizes (dashed), and the fitted densities.

from badminima.report import plot_fit_report  # noqa: E402

fig = plot_fit_report(reports)

# %%
# One model as a scikit-learn estimator
# -------------------------------------
# ``LearningCurveFit`` stores its settings in ``__init__``, validates them in ``fit`` and
# keeps the results in attributes with a trailing underscore. ``density_`` is the fitted
# true-error density, a full density object of the theory layer.

fit = bm.LearningCurveFit("shifted-beta", n_bootstrap=5 if SMALL else 20, eps_max=0.9).fit(n, errors)
print(fit)
for name, value in fit.params_.items():
    print(f"{name:8s} {value:.4g} +- {fit.stderr_[name]:.2g}")
print("fitted D:", fit.density_)
print("predicted error at n = 2000, 10000:", fit.predict([2000, 10000]))

# %%
# How much data for a target error?
# ---------------------------------
# The smallest ``n`` whose predicted mean error is at most the target, with the range over
# the bootstrap refits. The models agree inside the measured range and can disagree by
# orders of magnitude beyond it: the held-out score above says which extrapolation to trust,
# the bootstrap range how far. A target at or below a model's fitted floor cannot be reached,
# and ``plan_sample_size`` says so.

target = 0.1 if SMALL else 0.05
grid = np.unique(np.round(np.logspace(np.log10(20), 4, 60)))
fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.errorbar(table.n, table.mean, yerr=table.std, fmt="ko", capsize=3, label="measured (mean, sd)")
for i, report in enumerate(r for r in reports if r.failure is None):
    colour = f"C{i}"
    ax.loglog(grid, report.estimator.predict(grid), "-", color=colour, label=report.model)
    try:
        plan = bm.plan_sample_size(report.estimator, target)
    except bm.FitError as exc:
        print(f"{report.model:15s} {exc}")
        continue
    print(f"{report.model:15s} n for {target:.0%} test error: {plan.n} "
          f"(bootstrap range {plan.low:g} - {plan.high:g}; fitted floor {plan.floor:.4f})")
    if plan.n <= grid[-1]:
        ax.plot(plan.n, target, "s", color=colour, ms=7)
ax.axhline(target, color="grey", ls=":", label=f"target {target:g} (squares: planned n)")
ax.set(xlabel="training-set size n", ylabel="test error", title="digits, MLP trained to zero error")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# The database lives in a temporary folder; remove it.

shutil.rmtree(workdir)
