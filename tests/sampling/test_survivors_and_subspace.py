"""Survivors-first evaluation and exact subspace sampling against the direct path (docs/science.md §4)."""

import numpy as np
import pytest
import torch
from scipy import stats

from badminima.classifiers import MLP
from badminima.data import load_dataset
from badminima.errors import InvalidParameterError
from badminima.sampling.guess_check import (
    GROUP,
    GuessCheckData,
    accept_step,
    chunk_generator,
    guess_check_chunk,
    merge_chunks,
    merge_subsample,
    training_orderings,
)
from badminima.sampling.guess_check_stats import POSITION_SERIES, measure_guess_check
from badminima.sampling.subspace import GaussianSubspace


@pytest.fixture(scope="module")
def small_task():
    ds = load_dataset("synthetic-mlp", seed=2, dim=30, n_train=400, n_test=3000, teacher_hidden=[4])
    data = GuessCheckData.from_arrays(ds.x_train, ds.y_train, ds.x_test, ds.y_test)
    return ds, data


def _run(data, orderings, fs, K, **options):
    chunks = [guess_check_chunk(fs, data, orderings, seed=3, chunk=c, size=K // 2, n_classes=2, **options)
              for c in range(2)]
    errors, positions = merge_chunks(chunks)
    return errors, positions, merge_subsample(chunks)


def test_survivors_first_agrees_with_evaluating_all(small_task):
    _, data = small_task
    orderings = training_orderings(400, 12, 6, seed=1)
    fs = MLP((8,), prior="pytorch")
    full_e, full_p, _ = _run(data, orderings, fs, 12000)
    e, p, sub = _run(data, orderings, fs, 12000, evaluate="survivors", n_min=5, subsample=0.3)
    np.testing.assert_array_equal(p, full_p)  # same members, same positions
    known = np.isfinite(e)
    np.testing.assert_array_equal(e[known], full_e[known])
    assert known.mean() < 0.9 and known[sub].all() and known[(p >= 5).any(1)].all()
    assert sub.mean() == pytest.approx(0.3, abs=0.02)
    edges = np.linspace(0, 1, 11)
    a = measure_guess_check(full_e, full_p, 12, 0.3, edges)
    b = measure_guess_check(e, p, 12, 0.3, edges, subsample=sub, n_min=5)
    for key in POSITION_SERIES:
        np.testing.assert_array_equal(a[key], b[key])
    for key in ("learning_curve_pooled", "bad_fraction_pooled", "survivor_hist_pooled"):
        np.testing.assert_array_equal(a[key][5:], b[key][5:])  # every survivor evaluated there
    # below n_min: the subsample's estimate, whose interval covers the full run's value
    low, high = b["learning_curve_pooled_ci_low"][1:5], b["learning_curve_pooled_ci_high"][1:5]
    assert np.all((low <= a["learning_curve_pooled"][1:5]) & (a["learning_curve_pooled"][1:5] <= high))
    assert not np.array_equal(a["learning_curve_pooled"][1:5], b["learning_curve_pooled"][1:5])
    with pytest.raises(InvalidParameterError, match="every subsample member"):
        measure_guess_check(e, p, 12, 0.3, edges, subsample=~sub, n_min=5)


def test_subspace_sampling_matches_the_direct_path(small_task):
    _, data = small_task
    orderings = training_orderings(400, 8, 2, seed=4)  # at most 16 pool points < 31 weights per unit
    fs = MLP((6,), prior="he")
    K = 16000
    direct_e, direct_p, _ = _run(data, orderings, fs, K)
    sub_e, sub_p, _ = _run(data, orderings, fs, K, sampler="subspace")
    for n in (1, 3, 6, 8):  # acceptance: two-proportion test per ordering
        for r in range(2):
            a, b = (direct_p[:, r] >= n).sum(), (sub_p[:, r] >= n).sum()
            table = [[a, K - a], [b, K - b]]
            assert stats.chi2_contingency(table).pvalue > 1e-3, (n, r, a, b)
    for n in (0, 4, 8):  # survivors' true errors: two-sample KS
        x, y = direct_e[direct_p[:, 0] >= n], sub_e[sub_p[:, 0] >= n]
        assert stats.ks_2samp(x, y).pvalue > 1e-3, n


def test_subspace_preactivations_and_conditional_weights():
    x = torch.randn(5, 12)
    space = GaussianSubspace(x, std=0.7, bias=True)
    stream = chunk_generator(0, 0)
    h = space.preactivations(4000, 3, stream)
    cov = np.cov(h.reshape(-1, 5).double().numpy().T)
    expected = 0.49 * (x @ x.T + 1).double().numpy()
    np.testing.assert_allclose(cov, expected, rtol=0.1, atol=0.1)
    w, b = space.complete(h[:50], stream)
    torch.testing.assert_close(torch.einsum("kud,pd->kup", w, x) + b[..., None], h[:50], atol=1e-4, rtol=1e-4)
    w, b = space.complete(h, stream)  # the completed weights follow the prior: N(0, 0.49)
    assert w.var().item() == pytest.approx(0.49, rel=0.05) and b.var().item() == pytest.approx(0.49, rel=0.1)
    with pytest.raises(InvalidParameterError, match="Gaussian prior"):
        GaussianSubspace.for_function_set(MLP((3,), prior="uniform"), x)


def test_subspace_needs_a_gaussian_mlp(small_task):
    _, data = small_task
    with pytest.raises(InvalidParameterError, match="'subspace'"):
        guess_check_chunk(MLP((4,), prior="uniform"), data, training_orderings(400, 4, 2, 0), seed=0, chunk=0,
                          size=10, n_classes=2, sampler="subspace")


def test_balanced_orderings_have_equal_classes_in_every_even_prefix():
    labels = np.r_[np.zeros(30, int), np.ones(70, int)]
    orderings = training_orderings(100, 24, 5, seed=0, labels=labels)
    assert orderings.shape == (5, 24) and all(len(set(row)) == 24 for row in orderings)
    for row in orderings:
        counts = np.cumsum(labels[row])
        assert np.array_equal(counts[1::2], np.arange(1, 13))
    assert np.array_equal(orderings, training_orderings(100, 24, 5, seed=0, labels=labels))
    with pytest.raises(InvalidParameterError, match="every class"):
        training_orderings(100, 80, 1, seed=0, labels=labels)


def test_accept_step_matches_the_groups_drawn_directly():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 5)).astype(np.float32), np.array([0, 1, 0, 1, 1, 0])
    fs = MLP((4,), prior="uniform")
    fits = accept_step(fs, x, y, GROUP + 10, seed=7)
    pop = fs.sample(GROUP, (5,), 2, chunk_generator(7, 0, 0))
    np.testing.assert_array_equal(fits[:GROUP], pop.correct(x, y).all(dim=1).numpy())
    assert fits.shape == (GROUP + 10,)


def test_two_stage_pool_evaluation_gives_exact_first_mistakes(small_task):
    from badminima.sampling.guess_check import first_mistake_positions
    ds, data = small_task
    orderings = training_orderings(400, 10, 5, seed=2)
    fs = MLP((8,), prior="pytorch")
    got = guess_check_chunk(fs, data, orderings, seed=1, chunk=0, size=GROUP, n_classes=2).first_mistake
    pop = fs.sample(GROUP, (30,), 2, chunk_generator(1, 0, 0))
    expected = first_mistake_positions(pop.correct(ds.x_train, ds.y_train), torch.as_tensor(orderings))
    np.testing.assert_array_equal(got, expected)
    assert (expected > 4).any() and (expected < 4).any()
