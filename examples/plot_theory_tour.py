"""
A tour of the theory: from D(eps) to learning curves and bad global minima
==========================================================================

Everything in the separable-classes result is a function of the true-error density
``D(eps)`` and the training-set size ``n`` (docs/science.md §2). This example builds a few
densities, computes the acceptance ``Z_n``, the learning curve ``E_n``, the posterior
``Q_n``, the fraction of bad global minima ``B_n(eps0)`` with its exponential bound, and the
sample size that makes bad minima rare.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

import badminima as bm

# Smaller grids when the test suite runs the examples.
SMALL = os.environ.get("BADMINIMA_EXAMPLES_SMALL") == "1"

# %%
# A Beta density and its closed forms
# -----------------------------------
# For ``D = Beta(a, b)`` the posterior over global minima is ``Q_n = Beta(a, b + n)`` and the
# learning curve is ``E_n = a / (a + b + n)``. The density object computes both through the
# general log-space machinery, which reproduces the closed form.

d = bm.Beta(2, 30)
n = np.array([0, 10, 100, 1_000, 1_000_000])
print("E_n         ", d.learning_curve(n))
print("a/(a+b+n)   ", 2 / (2 + 30 + n))
print("log Z_n     ", d.log_acceptance(n))
print("B_n(0.05)   ", d.bad_fraction(0.05, n))
print("Q_100       ", d.posterior(100))

# %%
# Learning curves of several densities
# ------------------------------------
# A density whose left edge behaves like ``eps^k`` gives ``E_n ~ (k + 1) / n``: slope -1 on
# log-log axes whatever ``k``. A floor ``eps_min`` (irreducible error) flattens the curve, and
# a left tail in which good solutions are exponentially rare,
# ``D ~ exp(-c (eps - eps_min)^-gamma)``, gives a power law with exponent ``1 / (1 + gamma)``
# (docs/science.md §3). Density spec strings, as on the command line, work too.

densities = {
    "Beta(2, 30)": d,
    "spherical perceptron, N = 20": bm.SphericalPerceptron(20),
    "shifted Beta, floor 0.02": bm.ShiftedBeta(1, 5, eps_min=0.02),
    "rare good tail, gamma = 1": bm.RareGoodTail(eps_min=0.0, c=0.5, gamma=1.0),
    "spec 'power-law:k=3'": bm.parse_density_spec("power-law:k=3"),
}
grid = np.unique(np.round(np.logspace(0, 6, 25 if SMALL else 120)))

fig, ax = plt.subplots(figsize=(6.4, 4.4))
for label, density in densities.items():
    ax.loglog(grid, density.learning_curve(grid), label=label)
ax.set(xlabel="training-set size n", ylabel="mean error of a global minimum, E_n",
       title="Learning curves are ratios of moments of D")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# The posterior Q_n
# -----------------
# ``posterior(n)`` returns ``Q_n`` as a density object with ``pdf``, ``cdf``, ``ppf`` and
# ``sample``. For the perceptron it moves towards zero error as ``n`` grows.

perceptron = bm.SphericalPerceptron(20)
eps = np.linspace(1e-4, 0.6, 400)
fig, ax = plt.subplots(figsize=(6.4, 4.0))
for size in (0, 10, 40, 160):
    q = perceptron.posterior(size)
    ax.plot(eps, q.pdf(eps), label=f"n = {size}: median {q.ppf(0.5):.3f}")
ax.set(xlabel="true error eps", ylabel="Q_n(eps)", title="Spherical perceptron, N = 20")
ax.legend()
fig.tight_layout()

# %%
# Bad global minima and the exponential bound
# -------------------------------------------
# ``B_n(eps0)`` is the fraction of global minima with true error above ``eps0``. For every
# ``eps1 < eps0`` it is at most ``((1 - eps0)/(1 - eps1))^n P(eps > eps0) / P(eps <= eps1)``;
# ``bound`` returns the bound at the best ``eps1`` together with that ``eps1``.

eps0 = 0.1
sizes = np.unique(np.round(np.linspace(0, 400, 21 if SMALL else 81)))
exact = perceptron.bad_fraction(eps0, sizes)
bound, best_eps1 = perceptron.bound(eps0, sizes)

fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.semilogy(sizes, exact, label="B_n(0.1), exact")
ax.semilogy(sizes, bound, "--", label="exponential bound (best eps1)")
ax.set(xlabel="training-set size n", ylabel="fraction of bad global minima",
       title="Bad minima vanish exponentially, whatever the size of H")
ax.legend()
fig.tight_layout()
print("best eps1 at n = 100, 200, 400:", best_eps1[np.isin(sizes, [100, 200, 400])])

# %%
# How much data for few bad minima?
# ---------------------------------
# ``sample_size(eps0, delta)`` is the smallest ``n`` with ``B_n(eps0) <= delta``, from the
# exact fraction and from the bound (which needs only ``D``'s mass on each side).

need = perceptron.sample_size(eps0, 1e-3)
print(f"n for B_n(0.1) <= 1e-3: exact {need.exact}, from the bound {need.from_bound}")
print("annealed E_n at that n:", float(perceptron.learning_curve(need.exact)))

# %%
# The same figure as ``badminima theory --plot``
# ----------------------------------------------
# The report layer draws ``Q_n``, ``B_n`` with its bound and ``E_n`` for one density.

from badminima.report import plot_theory  # noqa: E402

fig = plot_theory(perceptron, [0, 10, 100, 1000, 10000], eps0=eps0, title="SphericalPerceptron(20)")
plt.show()
