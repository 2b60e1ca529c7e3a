"""Sequential Monte Carlo over the version space of networks, validated against exact samplers."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from badminima.classifiers import MLP, Perceptron
from badminima.classifiers.torch_module import TorchModuleSet
from badminima.errors import InvalidParameterError
from badminima.sampling.elliptical_slice import elliptical_slice
from badminima.sampling.version_space import angle_error, sample_version_space
from badminima.sampling.version_space_smc import SMCState, sample_smc, systematic_resample

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _teacher_data(d, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    teacher = rng.standard_normal(d)
    return x, (x @ teacher > 0).astype(np.int64), teacher


def _rejection(fs, x, y, checkpoints, K, seed, x_test, y_test):
    """Acceptance at each checkpoint and the test errors of the survivors at the last one."""
    population = fs.sample(K, x.shape[1:], 2, generator=seed)
    correct = population.correct(x[:max(checkpoints)], y[:max(checkpoints)]).numpy()
    fits = {n: correct[:, :n].all(axis=1) for n in checkpoints}
    survivors = population.select(torch.from_numpy(fits[max(checkpoints)]))
    return {n: f.mean() for n, f in fits.items()}, {n: f.sum() for n, f in fits.items()}, \
        survivors.error_rates(x_test, y_test)


@pytest.mark.parametrize("prior", ["he", "uniform"])
def test_log_z_and_test_errors_agree_with_rejection(prior):
    # Rejection reaches every n here; SMC's log Z_n must lie within the combined intervals of
    # independent SMC runs and of the rejection acceptance, and its particles' test errors must
    # be distributed like the survivors' (two-sample KS test).
    x, y, _ = _teacher_data(4, 2000, seed=3)
    fs = MLP(widths=(6,), bias=False, prior=prior)
    checkpoints = [2, 5, 10]
    acceptance, counts, survivor_errors = _rejection(fs, x, y, checkpoints, 200_000, 11, x[100:], y[100:])
    runs = [sample_smc(fs, x[:100], y[:100], x_test=x[100:], y_test=y[100:], checkpoints=checkpoints,
                       n_particles=256, max_moves=15, seed=seed) for seed in range(3)]
    for n in checkpoints:
        smc = np.array([r.log_z[n] for r in runs])
        rejection = math.log(acceptance[n])
        spread = smc.std(ddof=1) / math.sqrt(len(smc)) + 1.0 / math.sqrt(counts[n])
        assert abs(smc.mean() - rejection) < 4 * spread + 0.15, (n, smc, rejection)
    particles = np.concatenate([r.test_errors(10) for r in runs])
    assert stats.ks_2samp(particles, survivor_errors).pvalue > 1e-3
    assert abs(particles.mean() - survivor_errors.mean()) < 0.02
    assert all(c.violations == 0 for r in runs for c in r.checkpoints)


def test_perceptron_agrees_with_exact_reflective_hmc():
    # A bias-free perceptron: the prior restricted to the version space is uniform on the
    # cone's sphere section, which reflective HMC samples exactly; compare the true errors
    # angle(w, teacher) / pi of the SMC particles with those of HMC chains.
    d, n = 6, 30
    x, y, teacher = _teacher_data(d, n, seed=5)
    result = sample_smc(Perceptron(prior="normal"), x, y, checkpoints=[n], n_particles=512, max_moves=20, seed=2)
    w = result.state.z["W0"][:, 0, :]
    smc_errors = angle_error(w, teacher)
    hmc = sample_version_space(x.astype(float), 2 * y - 1, n_samples=1, n_chains=1500, method="hmc", rng=4)
    hmc_errors = angle_error(hmc.directions[:, 0], teacher)
    assert stats.ks_2samp(smc_errors, hmc_errors).pvalue > 1e-3
    assert abs(smc_errors.mean() - hmc_errors.mean()) < 0.01


def test_same_seed_same_result_and_resume_is_bit_identical():
    x, y, _ = _teacher_data(4, 300, seed=1)
    fs = MLP(widths=(5,), bias=True, prior="lecun")
    kwargs = dict(x_test=x[100:], y_test=y[100:], checkpoints=[3, 8], n_particles=64, max_moves=5, seed=7)
    saved = []
    full = sample_smc(fs, x[:100], y[:100], on_stage=lambda s: saved.append(s.to_arrays()), **kwargs)
    again = sample_smc(fs, x[:100], y[:100], **kwargs)
    assert full.log_z == again.log_z
    middle = SMCState.from_arrays(saved[len(saved) // 2])
    resumed = sample_smc(fs, x[:100], y[:100], state=middle, **kwargs)
    assert resumed.log_z == full.log_z
    for a, b in zip(resumed.checkpoints, full.checkpoints):
        np.testing.assert_array_equal(a.test_errors, b.test_errors)
    for name in full.state.z:
        np.testing.assert_array_equal(resumed.state.z[name], full.state.z[name])
    assert [s.moves for s in resumed.stages] == [s.moves for s in full.stages]


def test_fixed_schedule_stops_at_its_sizes_and_the_checkpoints():
    x, y, _ = _teacher_data(3, 50, seed=2)
    result = sample_smc(MLP(widths=(4,), prior="he", bias=False), x, y, checkpoints=[6], schedule=[2, 4],
                        n_particles=32, max_moves=3, seed=0)
    assert [s.n for s in result.stages] == [2, 4, 6]
    assert np.isnan(result.test_errors(6)).all()
    assert result.stages[-1].log_z == result.log_z[6]


def test_elliptical_slice_keeps_a_truncated_gaussian():
    # z ~ N(0, 1) restricted to z > 1: after many moves from z = 1.5 the draws follow the
    # truncated normal (KS test against its cdf).
    class HalfLine:
        def begin(self, z, nu):
            self.z, self.nu = z["a"][:, 0], nu["a"][:, 0]

        def ok(self, index, cos, sin):
            return self.z[index] * cos + self.nu[index] * sin > 1.0

        def commit(self, cos, sin):
            pass

    gen = torch.Generator().manual_seed(0)
    z = {"a": torch.full((2000, 1), 1.5)}
    for _ in range(30):
        z, move = elliptical_slice(z, HalfLine(), gen)
    sample = z["a"][:, 0].numpy()
    assert sample.min() > 1.0
    assert stats.kstest(sample, stats.truncnorm(1.0, np.inf).cdf).pvalue > 1e-3


def test_systematic_resampling_keeps_proportions():
    index = systematic_resample(np.array([3, 7]), 10, 0.5)
    assert sorted(np.bincount(index, minlength=8)[[3, 7]]) == [5, 5]


def test_a_torch_module_is_a_function_set_for_guess_check_and_smc():
    from badminima.sampling.guess_check import accept_step
    x, y, _ = _teacher_data(4, 200, seed=4)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
    fs = TorchModuleSet(net, prior="uniform")
    population = fs.sample(8, (4,), 2, generator=1)
    member = population.member(3)
    with torch.no_grad():
        direct = (member(torch.from_numpy(x))[:, 0] > 0).long()
    assert torch.equal(population.predict(x)[3], direct)
    assert accept_step(fs, x[:3], y[:3], 500, seed=0).mean() > 0
    result = sample_smc(fs, x[:50], y[:50], x_test=x[50:], y_test=y[50:], checkpoints=[4], n_particles=32,
                        max_moves=3, seed=0)
    assert result.checkpoints[0].violations == 0 and np.isfinite(result.log_z[4])


@pytest.mark.parametrize("kwargs, message", [
    (dict(checkpoints=[500]), "checkpoints"),
    (dict(checkpoints=[]), "checkpoints"),
    (dict(checkpoints=[4], survive=1.5), "survive"),
    (dict(checkpoints=[4], schedule="geometric"), "schedule"),
    (dict(checkpoints=[4], n_particles=1), "n_particles"),
    (dict(checkpoints=[4], min_moves=5, max_moves=2), "max_moves"),
])
def test_bad_settings_name_the_parameter(kwargs, message):
    x, y, _ = _teacher_data(3, 20, seed=0)
    with pytest.raises(InvalidParameterError, match=message):
        sample_smc(MLP(widths=(2,), prior="he"), x, y, **kwargs)


def test_sphere_prior_with_hidden_layers_is_refused():
    x, y, _ = _teacher_data(3, 20, seed=0)
    with pytest.raises(InvalidParameterError, match="prior"):
        sample_smc(MLP(widths=(2,), prior="sphere"), x, y, checkpoints=[2])
