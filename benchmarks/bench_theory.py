"""Benchmark: learning curves for 10^4 values of n (theory layer).

Times ``learning_curve`` for 10^4 log-spaced n on an Empirical density of 10^6 sampled
test-set errors (k / 10000) and on each closed-form or quadrature family, against a
straightforward baseline measured in the same run: for Empirical, a per-n log-sum-exp over
all 10^6 raw samples; for the families, per-n ``scipy.integrate.quad`` of eps D (1-eps)^n
and D (1-eps)^n. Baselines are timed on a subset of n and scaled to 10^4 (the per-n cost
does not depend on the other n). ``--json`` prints one JSON object of the figures.

It also times the calls whose speed the fitting and CLI rely on (formerly wall-clock
assertions in the theory tests), each with its budget, and exits with status 1 when one is
over budget: the exponential bound on an Empirical density of 2e5 distinct atoms for 50 n
(budget 5 s; an O(K^2) search took 186 s), the posterior cdf of 10^6 atoms (5 s), one
learning curve of a quadrature family for 20 n (``Memorization(RareGoodTail)``, 20 ms; about
1 ms on an idle core), and every Guess & Check prediction for an Empirical density of 2e5
distinct atoms at n = 0 ... 40 (10 s; :func:`badminima.sampling.guess_check_theory.predict_guess_check`).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from scipy.integrate import quad
from scipy.special import logsumexp

from badminima.sampling.guess_check_theory import predict_guess_check
from badminima.theory import (
    Beta,
    Empirical,
    Memorization,
    PowerLaw,
    RareGoodTail,
    ShiftedBeta,
    SphericalPerceptron,
    bad_fraction_bound,
    learning_curve,
    posterior,
)

N_VALUES = 10_000
N_SAMPLES = 1_000_000
N_TEST = 10_000
BASELINE_SUBSET = 20

#: Seconds allowed for the calls of :func:`budgets` (generous for a shared machine).
BUDGETS = {"bound_200k_atoms_seconds": 5.0, "posterior_cdf_1e6_atoms_seconds": 5.0,
           "quadrature_learning_curve_seconds": 0.02, "guess_check_predictions_200k_atoms_seconds": 10.0}


def _timed(fn, repeat: int = 1):
    best = np.inf
    for _ in range(repeat):
        began = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - began)
    return best, out


def _empirical_baseline(errors, n_values):
    log1m = np.log1p(-errors)
    return np.array([np.exp(logsumexp(np.log(errors) + n * log1m) - logsumexp(n * log1m)) for n in n_values])


def _quad_baseline(density, n_values):
    lo, hi = density.support
    out = []
    for n in n_values:
        f = lambda e, j: e ** j * np.exp(float(density.logpdf(e)) + n * np.log1p(-e))
        z = quad(f, lo, hi, args=(0,), limit=200, points=[lo + min(1.0, 1.0 / (n + 1)) * (hi - lo)])[0]
        m = quad(f, lo, hi, args=(1,), limit=200, points=[lo + min(1.0, 1.0 / (n + 1)) * (hi - lo)])[0]
        out.append(m / z)
    return np.array(out)


def run() -> dict:
    rng = np.random.default_rng(0)
    n = np.unique(np.round(np.logspace(0, 6, N_VALUES)))
    n = np.concatenate([n, np.arange(N_VALUES - n.size) + 2e6])[:N_VALUES]
    truth = rng.beta(3.0, 20.0, N_SAMPLES)
    errors = rng.binomial(N_TEST, truth) / N_TEST
    figures: dict = {"n_values": int(n.size), "samples": N_SAMPLES}

    build_s, d = _timed(lambda: Empirical(errors))
    run_s, curve = _timed(lambda: learning_curve(d, n))
    subset = n[:: n.size // BASELINE_SUBSET][:BASELINE_SUBSET]
    base_s, base = _timed(lambda: _empirical_baseline(errors, subset))
    assert np.allclose(base, learning_curve(d, subset), rtol=1e-9), "empirical result differs from baseline"
    base_full = base_s * n.size / subset.size
    figures.update(empirical_distinct_errors=int(d.values.size), empirical_build_seconds=build_s,
                   empirical_seconds=build_s + run_s, empirical_baseline_seconds=base_full,
                   speedup_vs_baseline=base_full / (build_s + run_s))

    families = {"beta": Beta(2, 30), "shifted_beta": ShiftedBeta(1, 5, 0.02, 0.9),
                "power_law": PowerLaw(2, 0.5), "perceptron": SphericalPerceptron(10),
                "rare_good_tail": RareGoodTail(0.01, 0.5, 1.0)}
    small = n[n <= 1e4][:: max(1, n[n <= 1e4].size // 10)][:10]
    for name, density in families.items():
        t, _ = _timed(lambda: learning_curve(density, n), repeat=2)
        t_small, base = _timed(lambda: _quad_baseline(density, small))
        figures[f"{name}_baseline_max_rel_diff"] = float(np.max(np.abs(base / learning_curve(density, small) - 1)))
        figures[f"{name}_seconds"] = t
        figures[f"{name}_baseline_seconds"] = t_small * n.size / small.size
        figures[f"{name}_speedup"] = figures[f"{name}_baseline_seconds"] / t
        figures[f"{name}_E_at_1e6"] = float(learning_curve(density, 1e6))
    return figures


def budgets() -> dict:
    """The calls with a time budget (see the module docstring): seconds of each."""
    rng = np.random.default_rng(0)
    atoms = Empirical(rng.beta(2, 8, 200_000))
    n = np.unique(np.concatenate([np.round(np.geomspace(1, 1e6, 50)), np.arange(50.0)]))[:50]
    bound_s, _ = _timed(lambda: bad_fraction_bound(atoms, 0.3, n))
    big = Empirical(rng.beta(2, 8, 1_000_000))
    cdf_s, _ = _timed(lambda: posterior(big, 100).cdf(np.linspace(0, 1, 201)))
    tail = Memorization(RareGoodTail(0.02, 0.4, 1.0), 0.3)
    n20 = np.logspace(0, 6, 20).round()
    learning_curve(tail, n20)
    curve_s, _ = _timed(lambda: learning_curve(tail, n20), repeat=20)
    predict_s, _ = _timed(lambda: predict_guess_check(Empirical(rng.beta(2, 8, 200_000)), np.arange(41), 0.2,
                                                      np.linspace(0, 1, 21)))
    return {"bound_200k_atoms_seconds": bound_s, "posterior_cdf_1e6_atoms_seconds": cdf_s,
            "quadrature_learning_curve_seconds": curve_s, "guess_check_predictions_200k_atoms_seconds": predict_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quad's own accuracy warnings in the baseline
        figures = run()
    timed = budgets()
    over = [key for key, seconds in timed.items() if seconds > BUDGETS[key]]
    figures.update(timed, over_budget=over)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>32}: {value:.4g}" if isinstance(value, float) else f"{key:>32}: {value}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
