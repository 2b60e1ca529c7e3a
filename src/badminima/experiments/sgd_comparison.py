"""Guess & Check vs SGD: the survivors' true errors next to SGD solutions of the same architecture.

docs/science.md section 4, experiment 4; the ``[sgd]`` table of a Guess & Check config.
"""

from __future__ import annotations

import numpy as np

from badminima.experiments.outputs import describe_values

__all__ = ["compare_with_sgd"]


def compare_with_sgd(config, ds, errors: np.ndarray, positions: np.ndarray, device: str,
                     subsample: np.ndarray | None, orderings: np.ndarray, function_set) -> dict:
    """Guess & Check survivors vs SGD solutions of the same architecture and prior.

    For each size n of ``[sgd] n`` and each of the first ``[sgd] training_sets`` orderings r,
    the training set is the first ``n`` points of ordering r (balanced by class when
    ``[sampling] balanced``); ``members`` networks drawn from the prior (parameter stream
    ``SeedSequence(seed, spawn_key=(2, r))``) are trained with full-batch gradient descent
    to zero training error (:func:`badminima.training.population_sgd.train_population_sgd`).
    The test errors of the converged ones are compared with those of the Guess & Check
    survivors of the same training sets: summaries and the two-sample Kolmogorov-Smirnov
    statistic (docs/science.md section 4, experiment 4).

    In a survivors-first run the survivors of ``n`` below ``n_min`` are taken from the uniform
    ``subsample`` only (a uniform sample of them); from ``n_min`` on, all survivors.
    ``orderings`` and ``function_set`` are those of the run's plan
    (:class:`~badminima.experiments.guess_check.GuessCheckPlan`).

    Returns the comparison of the last size listed, plus ``by_n`` (size -> comparison) when
    ``[sgd] n`` lists several.
    """
    sizes = config.sgd.sizes()
    evaluated = np.isfinite(errors).all() or subsample is None
    n_min = 0 if evaluated else config.sampling.survival_threshold()
    pool = np.ones(len(errors), dtype=bool) if evaluated else subsample
    by_n = {str(n): _compare_at(config, ds, errors, positions, device, orderings, function_set, n,
                                pool if n < n_min else np.ones(len(errors), dtype=bool)) for n in sizes}
    out = dict(by_n[str(sizes[-1])])
    if len(sizes) > 1:
        out["by_n"] = by_n
    return out


def _compare_at(config, ds, errors, positions, device, orderings, function_set, n: int,
                candidates: np.ndarray) -> dict:
    from scipy import stats

    from badminima.training.population_sgd import train_population_sgd

    sgd, smp = config.sgd, config.sampling
    sgd_errors, gc_errors, converged, steps = [], [], 0, []
    for r in range(sgd.training_sets):
        idx = orderings[r, :n]
        stream = np.random.SeedSequence(smp.seed, spawn_key=(2, r))
        population = function_set.sample(sgd.members, ds.x_train.shape[1:], ds.n_classes, stream, device)
        run = train_population_sgd(population, ds.x_train[idx], ds.y_train[idx], sgd.lr, sgd.max_steps, sgd.loss)
        trained = run.population.select(np.flatnonzero(run.converged))
        converged += int(run.converged.sum())
        steps.append(run.steps[run.converged])
        if trained.K:
            sgd_errors.append(trained.error_rates(ds.x_test, ds.y_test))
        gc_errors.append(errors[(positions[:, r] >= n) & candidates])
    sgd_all = np.concatenate(sgd_errors) if sgd_errors else np.empty(0)
    gc_all = np.concatenate(gc_errors)
    out = {"n": n, "training_sets": sgd.training_sets, "members": sgd.members,
           "converged": converged, "sgd_steps": describe_values(np.concatenate(steps)),
           "sgd_test_errors": sgd_all, "gc_test_errors": gc_all,
           "sgd_summary": describe_values(sgd_all), "gc_summary": describe_values(gc_all)}
    if len(sgd_all) and len(gc_all):
        ks = stats.ks_2samp(sgd_all, gc_all)
        out["ks_statistic"], out["ks_pvalue"] = float(ks.statistic), float(ks.pvalue)
    return out
