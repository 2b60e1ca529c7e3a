"""
Guess & Check against the theory
================================

Draw many random networks from their prior, keep those that classify every training point
correctly, and compare what survives with the theory of docs/science.md §2
(experiment 4.1). A random tanh network labels Gaussian inputs, so the classes are
separable; the students are small ReLU networks drawn from PyTorch's default
initialization. For every classifier only its true error and, for each of ``R`` random
orderings of the training pool, the position of its first mistake are kept: one pass gives
every training-set size ``n <= n_max`` at once.
"""

import dataclasses
import os

import matplotlib.pyplot as plt
import numpy as np

import badminima as bm

SMALL = os.environ.get("BADMINIMA_EXAMPLES_SMALL") == "1"

# %%
# The experiment config
# ---------------------
# ``load_config`` finds the configs shipped with the package by name. Configs are frozen
# dataclasses, validated on construction; ``dataclasses.replace`` makes a smaller run (a test
# pool of 2000 points estimates each classifier's true error to about 0.01).

config = bm.load_config("gc-separable-mlp")
data = dataclasses.replace(config.data, options={**config.data.options,
                                                 "n_test": 1_000 if SMALL else 2_000})
sampling = dataclasses.replace(config.sampling, K=4_000 if SMALL else 50_000,
                               chunk_size=2_000 if SMALL else 10_000, R=6 if SMALL else 20,
                               n_max=12 if SMALL else 24)
config = dataclasses.replace(config, data=data, sampling=sampling,
                             theory=dataclasses.replace(config.theory, hist_n=(0, 4, 8)))
print(config.data)
print(config.model)
print(config.sampling)

# %%
# Run it
# ------
# ``executor="serial"`` runs the chunks in this process; ``"local"`` uses a process pool and
# ``"ray"`` a cluster, with the same result for the same seed.

result = bm.run_guess_check(config, executor="serial", progress=False)
n = result.n
measured, predicted = result.measured, result.predicted
print(f"K = {len(result.test_errors)} classifiers, mean true error {result.test_errors.mean():.3f}")
print("acceptance at n = 0, 4, 8, 12:", measured["acceptance_measured"][[0, 4, 8, 12]])
print("predicted Z_n                 :", predicted["acceptance_predicted"][[0, 4, 8, 12]])

# %%
# Acceptance rate and learning curve
# ----------------------------------
# The theory uses the empirical density ``D`` of the sampled errors. The fraction of
# survivors estimates ``Z_n``; their pooled mean error is the annealed estimator that
# ``E_n = 1 - Z_{n+1}/Z_n`` predicts, while the mean over training sets (quenched) can differ
# by the covariance term of §2.2.

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ok = measured["acceptance_measured"] > 0
ax1.semilogy(n[ok], measured["acceptance_measured"][ok], "o", ms=4, label="measured")
ax1.fill_between(n, measured["acceptance_ci_low"], measured["acceptance_ci_high"], alpha=0.3,
                 label="95% interval")
ax1.semilogy(n, predicted["acceptance_predicted"], "-", label="theory Z_n")
ax1.set(xlabel="training-set size n", ylabel="fraction with zero training error",
        title="Acceptance")
ax1.legend()
ax2.plot(n, measured["learning_curve_pooled"], "x", label="survivors, pooled")
ax2.plot(n, measured["learning_curve_measured"], "o", ms=4, label="survivors, mean over sets")
ax2.plot(n, predicted["learning_curve_predicted"], "-", label="theory E_n")
ax2.set(xlabel="training-set size n", ylabel="mean true error", title="Learning curve")
ax2.legend()
fig.tight_layout()

# %%
# Bad global minima and the bound
# -------------------------------
# The fraction of survivors with error above ``eps0`` against ``B_n(eps0)`` and the
# exponential bound at its best ``eps1``. The theory side is the empirical density of the
# sampled errors, ``bm.Empirical(result.test_errors)``, so it extends past the sizes that
# rejection sampling reaches: the bound is trivial at small ``n`` and then falls
# exponentially, as every bound of this form does once ``n`` outweighs the prior odds.
# Right: the covariance term (pooled minus per-set mean) with its Cauchy-Schwarz bound.

D = bm.Empirical(result.test_errors)
eps0 = config.theory.eps0
far = np.arange(0, 201 if not SMALL else 61)
bound, eps1 = D.bound(eps0, far)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
bad = measured["bad_fraction_pooled"]
ax1.semilogy(n[bad > 0], bad[bad > 0], "o", ms=4, label="measured (pooled)")
ax1.semilogy(far, D.bad_fraction(eps0, far), "-", label="theory B_n")
ax1.semilogy(far, bound, "--", label="exponential bound")
ax1.set(xlabel="training-set size n", ylabel=f"fraction with error > {eps0:g}", title="Bad minima",
        ylim=(1e-12, 2))
ax1.legend()
show = [20, 40, 60] if SMALL else [50, 100, 200]
print(f"best eps1 at n = {show}:", eps1[show])
ax2.plot(n, measured["covariance_term_mean"], "o", ms=4, label="annealed - quenched mean")
ax2.fill_between(n, -measured["covariance_bound_mean"], measured["covariance_bound_mean"],
                 alpha=0.25, label="Cauchy-Schwarz bound")
ax2.axhline(0, color="k", lw=0.5)
ax2.set(xlabel="training-set size n", ylabel="covariance term", title="The annealed approximation")
ax2.legend()
fig.tight_layout()

# %%
# Survivors' errors against Q_n
# -----------------------------
# The report layer draws the histograms of the survivors' errors at a few ``n`` next to the
# mass that ``Q_n`` puts on each bin. ``to_dict()`` is the content of ``results.json``.

from badminima.report import plot_survivor_histograms  # noqa: E402

fig = plot_survivor_histograms(result.to_dict(), ns=[0, 4, 8])
plt.show()
