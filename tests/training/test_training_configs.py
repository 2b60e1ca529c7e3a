"""The packaged MNIST sweep configs: same model over the full range, and a faster schedule."""

from badminima.experiments.packaged_configs import packaged_config
from badminima.experiments.sweep import plan_sizes
from badminima.experiments.sweep_config import load_sweep_config, run_config_hash
from badminima.training.optim import SCHEDULES


def test_mnist_mlp_full_is_the_mnist_mlp_with_a_step_schedule_to_60000():
    base, full = (load_sweep_config(packaged_config(n)) for n in ("mnist-mlp", "mnist-mlp-full"))
    assert full.model == base.model and full.data == base.data
    assert full.train.schedule == "step" and full.train.weight_decay == 0 and not full.train.augment
    assert [SCHEDULES["step"](e, full.train) for e in (0, 4, 5, 10)] == [1.0, 1.0, 0.3, 0.3 ** 2]
    assert plan_sizes(full, 60000)[-1] == 60000 and plan_sizes(base, 60000)[-1] == 20000
    assert run_config_hash(full) != run_config_hash(base)


def test_mnist_cnn_reaches_60000_with_include_full():
    import dataclasses
    config = load_sweep_config(packaged_config("mnist-cnn"))
    assert not config.sweep.include_full
    full = dataclasses.replace(config, sweep=dataclasses.replace(config.sweep, include_full=True))
    assert plan_sizes(full, 60000)[-1] == 60000
    assert run_config_hash(full) == run_config_hash(config)  # resumes a database of the shipped sizes
