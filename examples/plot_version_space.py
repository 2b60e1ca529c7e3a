"""
Exact sampling of a perceptron's version space: quenched against annealed
=========================================================================

Rejection sampling (Guess & Check) stops working once the acceptance ``Z_n`` is tiny. For a
perceptron the zero-training-error weights form a convex cone, and the global minima can
be drawn uniformly from it at any ``n`` by an exact Markov chain (docs/science.md §4.2).
Their true errors are exact (``angle to the teacher / pi``), so the *quenched* learning
curve (the mean error of a random global minimum, averaged over training sets) can be set
against the *annealed* ``E_n`` of the spherical perceptron's density: the gap is the
covariance term of §2.2.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

import badminima as bm
from badminima.sampling import angle_error, effective_sample_size, split_rhat

SMALL = os.environ.get("BADMINIMA_EXAMPLES_SMALL") == "1"

# %%
# A teacher and its training sets
# -------------------------------
# ``N`` isotropic Gaussian inputs labelled by a teacher perceptron uniform on the sphere;
# the training set of size ``n`` is the first ``n`` points (nested sets), one sequence per
# teacher.

N = 20
teachers = 3 if SMALL else 6
sizes = np.array([10, 40, 160]) if SMALL else np.array([5, 10, 20, 40, 80, 160, 320])
samples = 40 if SMALL else 150


def teacher_and_data(seed, n_max):
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal(N)
    teacher /= np.linalg.norm(teacher)
    X = rng.standard_normal((n_max, N))
    return teacher, X, np.where(X @ teacher > 0, 1, -1)


# %%
# Sample the version space
# ------------------------
# ``sample_version_space`` runs reflective Hamiltonian Monte Carlo for a Gaussian truncated
# to the cone ``{w : y_i <x_i, w> > 0}`` (closed-form trajectories, exact wall hits), from
# the cone's Chebyshev direction; normalized, the samples are uniform on the version space.
# Four chains give the split R-hat and the effective sample size of the error trace.

quenched = np.empty((teachers, sizes.size))
last_errors = None
for t in range(teachers):
    teacher, X, y = teacher_and_data(seed=t, n_max=sizes.max())
    for j, n in enumerate(sizes):
        draw = bm.sample_version_space(X[:n], y[:n], n_samples=samples, n_chains=4, method="hmc",
                                       rng=[t, int(n)])
        errors = angle_error(draw.directions, teacher)  # (chains, samples)
        quenched[t, j] = errors.mean()
        last_errors = errors
    print(f"teacher {t}: n = {n}: R-hat {split_rhat(last_errors):.3f}, "
          f"ESS {effective_sample_size(last_errors):.0f} of {last_errors.size} draws")

# %%
# Quenched against annealed
# -------------------------
# The annealed learning curve of ``SphericalPerceptron(N)`` is ``E_n = 1 - Z_{n+1}/Z_n``
# with ``D ~ sin^(N-2)(pi eps)``; for ``n >> N`` it approaches ``(N - 1)/n``. The measured
# (quenched) curve lies below it once ``n`` is comparable with ``N``; the statistical
# mechanics of learning gives ``0.625 N / n`` for the quenched Gibbs curve at large
# ``n / N`` and ``N -> infinity``.

density = bm.SphericalPerceptron(N)
dense = np.unique(np.round(np.logspace(0, np.log10(sizes.max()), 80)))
mean, sem = quenched.mean(axis=0), quenched.std(axis=0, ddof=1) / np.sqrt(teachers)
for n, m, s, e in zip(sizes, mean, sem, density.learning_curve(sizes)):
    print(f"n = {n:4d} (alpha {n / N:5.2f}): quenched {m:.4f} +- {s:.4f}   annealed E_n {e:.4f}")

fig, ax = plt.subplots(figsize=(6.4, 4.4))
ax.errorbar(sizes / N, mean, yerr=sem, fmt="o", capsize=3, label="version-space samples (quenched)")
ax.plot(dense / N, density.learning_curve(dense), "-", label="annealed E_n")
large = dense[dense >= 2 * N]
ax.plot(large / N, 0.625 * N / large, ":", label="0.625 / alpha (quenched, N large)")
ax.set(xscale="log", yscale="log", xlabel="alpha = n / N", ylabel="mean true error",
       title=f"Spherical perceptron, N = {N}")
ax.legend()
fig.tight_layout()

# %%
# The errors of the global minima against Q_n
# -------------------------------------------
# For the last teacher and the largest ``n``: the histogram of the sampled errors (one
# training set, quenched) next to the annealed posterior ``Q_n``, which averages over
# training sets.

q = density.posterior(int(sizes.max()))
eps = np.linspace(1e-4, max(0.2, float(last_errors.max()) * 1.2), 300)
fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.hist(last_errors.ravel(), bins=30, density=True, alpha=0.5, label="sampled global minima")
ax.plot(eps, q.pdf(eps), label=f"annealed Q_n, n = {sizes.max()}")
ax.set(xlabel="true error", ylabel="density")
ax.legend()
fig.tight_layout()

# %%
# The same experiment from a config
# ---------------------------------
# ``badminima gibbs`` (or ``bm.run_gibbs``) runs this over a grid of ``N`` and ``alpha`` with
# many training sets, adds rejection sampling where it still works, and writes tables and
# figures. Its packaged config:

config = bm.load_config("gibbs-perceptron")
print(config)
plt.show()
