"""Guess & Check building blocks against brute force, and the end-to-end theory check."""


import numpy as np
import pytest
import torch
from scipy import stats

from badminima.classifiers import Perceptron
from badminima.data import load_dataset
from badminima.errors import InvalidParameterError
from badminima.sampling.guess_check import (
    ChunkSummary,
    GuessCheckData,
    chunk_generator,
    chunk_sizes,
    exact_linear_errors,
    first_mistake_positions,
    guess_check_chunk,
    merge_chunks,
    training_orderings,
)
from badminima.sampling.guess_check_stats import agreement, measure_guess_check, wilson_interval
from badminima.sampling.guess_check_theory import make_density, predict_guess_check
from badminima.theory import Empirical, SphericalPerceptron, bad_fraction, bad_fraction_bound, learning_curve


def test_first_mistake_positions_match_a_loop():
    rng = np.random.default_rng(0)
    correct = rng.random((30, 50)) < 0.9
    orderings = np.stack([rng.permutation(50)[:20] for _ in range(4)])
    got = first_mistake_positions(torch.as_tensor(correct), torch.as_tensor(orderings))
    for k in range(30):
        for r in range(4):
            wrong = np.flatnonzero(~correct[k, orderings[r]])
            assert got[k, r] == (wrong[0] if len(wrong) else 20)
    assert got.dtype == np.int32


def test_orderings_and_chunk_seeds_are_reproducible():
    a = training_orderings(100, 10, 3, seed=5)
    assert a.shape == (3, 10) and np.array_equal(a, training_orderings(100, 10, 3, seed=5))
    assert not np.array_equal(a, training_orderings(100, 10, 3, seed=6))
    assert all(len(set(row)) == 10 for row in a)
    x = torch.rand(5, generator=chunk_generator(1, 3))
    assert torch.equal(x, torch.rand(5, generator=chunk_generator(1, 3)))
    assert not torch.equal(x, torch.rand(5, generator=chunk_generator(1, 4)))
    assert chunk_sizes(10, 4) == [4, 4, 2]
    with pytest.raises(InvalidParameterError, match="'n_max'"):
        training_orderings(5, 6, 1, 0)


def test_merge_chunks_orders_by_index():
    c0 = ChunkSummary(0, np.array([0.1]), np.array([[1, 2]], dtype=np.int32))
    c1 = ChunkSummary(1, np.array([0.2, 0.3]), np.array([[3, 4], [5, 6]], dtype=np.int32))
    errors, pos = merge_chunks([c1, c0])
    np.testing.assert_array_equal(errors, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(pos[:, 0], [1, 3, 5])
    with pytest.raises(InvalidParameterError, match="every chunk"):
        merge_chunks([c1])


def test_exact_linear_error_matches_the_test_pool():
    ds = load_dataset("synthetic-linear", seed=0, dim=6, n_train=100, n_test=20000)
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.teacher)
    pop = Perceptron().sample(40, (6,), 2, torch.Generator().manual_seed(0))
    exact = exact_linear_errors(pop, data)
    pool = pop.error_rates(data.x_test, data.y_test)
    se = np.sqrt(exact * (1 - exact) / 20000)
    assert np.all(np.abs(pool - exact) < 5 * se + 1e-3)
    with pytest.raises(InvalidParameterError, match="exact-linear"):
        exact_linear_errors(Perceptron(bias=True).sample(2, (6,), 2), data)


def test_measure_matches_brute_force():
    rng = np.random.default_rng(1)
    K, R, n_max = 400, 6, 8
    eps = rng.random(K) * 0.6
    pos = np.minimum(rng.geometric(np.repeat(eps[:, None], R, 1)) - 1, n_max)
    edges = np.linspace(0, 1, 11)
    m = measure_guess_check(eps, pos, n_max, 0.3, edges)
    for n in (0, 3, 8):
        alive = pos >= n
        np.testing.assert_allclose(m["acceptance_measured"][n], alive.mean())
        per_set = [eps[alive[:, r]].mean() for r in range(R) if alive[:, r].any()]
        np.testing.assert_allclose(m["learning_curve_measured"][n], np.mean(per_set))
        np.testing.assert_allclose(m["learning_curve_pooled"][n], (eps[:, None] * alive).sum() / alive.sum())
        bad = [(eps[alive[:, r]] > 0.3).mean() for r in range(R) if alive[:, r].any()]
        np.testing.assert_allclose(m["bad_fraction_measured"][n], np.mean(bad))
        hist = np.mean([np.histogram(eps[alive[:, r]], edges)[0] / alive[:, r].sum()
                        for r in range(R) if alive[:, r].any()], axis=0)
        np.testing.assert_allclose(m["survivor_hist_measured"][n], hist, atol=1e-12)
        # covariance term: cov_r(f_r, c_r) / <c_r>, computed directly
        c = alive.sum(0)
        f = np.array([np.histogram(eps[alive[:, r]], edges)[0] / c[r] for r in range(R)])
        cov = ((f - f.mean(0)) * (c - c.mean())[:, None]).mean(0) / c.mean()
        np.testing.assert_allclose(m["covariance_term_hist"][n], cov, atol=1e-12)
        assert np.all(np.abs(cov) <= m["covariance_bound_hist"][n] + 1e-12)
        # acceptance standard error: classifier and training-set variances
        g = alive.mean(1)
        se2 = g.var() / K + (alive.mean(0)).var(ddof=1) / R
        np.testing.assert_allclose(m["acceptance_se"][n], np.sqrt(se2))


def test_wilson_interval_known_value():
    low, high = wilson_interval(0.2, 100, 0.95)  # 20 / 100 successes
    assert low == pytest.approx(0.13337, abs=1e-4) and high == pytest.approx(0.28883, abs=1e-4)
    low, high = wilson_interval(0.0, 1000, 0.95)
    assert low == pytest.approx(0, abs=1e-12) and high == pytest.approx(stats.norm.ppf(0.975) ** 2 / (1000 + stats.norm.ppf(0.975) ** 2))


def test_predictions_of_the_empirical_density_are_its_reweightings():
    eps = np.array([0.05, 0.25, 0.45, 0.65])
    p = predict_guess_check(Empirical(eps), np.arange(4), 0.3, np.linspace(0, 1, 6))
    w = (1 - eps[None, :]) ** np.arange(4)[:, None]
    np.testing.assert_allclose(p["acceptance_predicted"], w.mean(1))
    np.testing.assert_allclose(p["learning_curve_predicted"], (w * eps).sum(1) / w.sum(1))
    np.testing.assert_allclose(p["bad_fraction_predicted"], (w * (eps > 0.3)).sum(1) / w.sum(1))
    np.testing.assert_allclose(p["survivor_hist_predicted"][2], np.histogram(eps, np.linspace(0, 1, 6),
                                                                          weights=w[2] / w[2].sum())[0])
    with pytest.raises(InvalidParameterError, match="'density'"):
        make_density("gaussian", eps, 3)


def test_histogram_bins_match_the_posterior_cdf_at_atoms_on_edges():
    eps = np.array([0.0, 0.2, 0.2, 0.5, 1.0])  # atoms exactly on bin edges
    edges = np.linspace(0, 1, 6)
    m = measure_guess_check(eps, np.zeros((5, 1), dtype=int), 1, 0.3, edges)
    p = predict_guess_check(Empirical(eps), [0], 0.3, edges)
    np.testing.assert_allclose(m["survivor_hist_measured"][0], p["survivor_hist_predicted"][0], atol=1e-12)


@pytest.fixture(scope="module")
def perceptron_run():
    """Spherical perceptron in N = 5: K = 200000 exact errors, R = 24 orderings, n <= 24."""
    N, n_max, R = 5, 24, 24
    ds = load_dataset("synthetic-linear", seed=0, dim=N, n_train=3000, n_test=10)
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.teacher)
    orderings = training_orderings(3000, n_max, R, seed=0)
    chunks = [guess_check_chunk(Perceptron(), data, orderings, seed=0, chunk=c, size=50_000, n_classes=2,
                                error="exact-linear") for c in range(4)]
    errors, positions = merge_chunks(chunks)
    return N, errors, measure_guess_check(errors, positions, n_max, 0.2, np.linspace(0, 1, 21))


def _agree(m, p):
    acc = agreement(m["acceptance_measured"], m["acceptance_ci_low"], m["acceptance_ci_high"],
                    p["acceptance_predicted"])
    pooled = agreement(None, m["learning_curve_pooled_ci_low"], m["learning_curve_pooled_ci_high"],
                       p["learning_curve_predicted"])
    quenched = agreement(None, m["learning_curve_ci_low"], m["learning_curve_ci_high"],
                         p["learning_curve_predicted"])
    return acc[1:].mean(), pooled[1:].mean(), quenched[1:11].mean()


@pytest.mark.slow
def test_measurements_agree_with_theory_and_a_wrong_theory_is_detected(perceptron_run):
    N, errors, m = perceptron_run
    n = m["n"]
    edges = np.linspace(0, 1, 21)
    for density in (SphericalPerceptron(N), Empirical(errors)):
        acc, pooled, quenched = _agree(m, predict_guess_check(density, n, 0.2, edges))
        # 95% intervals: most n agree (the series are correlated across n)
        assert acc >= 0.8 and pooled >= 0.8 and quenched >= 0.8, (density, acc, pooled, quenched)
    shifted = np.clip(errors + 0.05, 0, 1)
    for wrong in (SphericalPerceptron(N + 5), Empirical(shifted)):
        acc, pooled, quenched = _agree(m, predict_guess_check(wrong, n, 0.2, edges))
        assert acc <= 0.3 and pooled <= 0.3, (wrong, acc, pooled)
    # the survivors' histogram approaches Q_n: total variation at n = 10 is small
    q = predict_guess_check(SphericalPerceptron(N), [10], 0.2, edges)["survivor_hist_predicted"][0]
    assert 0.5 * np.abs(m["survivor_hist_pooled"][10] - q).sum() < 0.05


def test_empirical_predictions_are_theory_functions_and_scale():
    rng = np.random.default_rng(3)
    eps = np.round(rng.beta(2, 5, 300), 2)  # repeated atoms, some on bin edges
    edges, n = np.linspace(0, 1, 11), np.arange(0, 40, 7)
    d = Empirical(eps)
    got = predict_guess_check(d, n, 0.3, edges)
    bound, eps1 = bad_fraction_bound(d, 0.3, n)
    np.testing.assert_array_equal(got["bad_fraction_bound"], bound)
    np.testing.assert_array_equal(got["bad_fraction_bound_eps1"], eps1)
    np.testing.assert_array_equal(got["bad_fraction_predicted"], bad_fraction(d, 0.3, n))
    np.testing.assert_array_equal(got["learning_curve_predicted"], learning_curve(d, n))
    # survivor histogram: weights (1 - eps_k)^n binned into (a, b], the first bin closed
    values, counts = np.unique(eps, return_counts=True)
    bins = np.clip(np.searchsorted(edges, values, side="left") - 1, 0, len(edges) - 2)
    for i, size in enumerate(n):
        w = counts * (1 - values) ** size
        want = np.bincount(bins, weights=w / w.sum(), minlength=len(edges) - 1)
        np.testing.assert_allclose(got["survivor_hist_predicted"][i], want, rtol=1e-12, atol=1e-15)
    # continuous (exact perceptron) errors: 2e5 distinct atoms, every n up to 40 (timed in
    # benchmarks/bench_theory.py)
    many = rng.beta(2, 8, 200_000)
    out = predict_guess_check(Empirical(many), np.arange(41), 0.2, np.linspace(0, 1, 21))
    np.testing.assert_allclose(out["survivor_hist_predicted"].sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(out["bad_fraction_bound"] >= out["bad_fraction_predicted"] * (1 - 1e-9))