"""Full-batch gradient descent on a population reaches zero training error member by member."""

import numpy as np
import pytest
import torch

from badminima.classifiers import MLP
from badminima.errors import InvalidParameterError
from badminima.training.population_sgd import train_population_sgd


@pytest.mark.parametrize("loss,n_classes", [("logistic", 2), ("hinge", 2), ("logistic", 3)])
def test_members_reach_zero_training_error(loss, n_classes):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 3, generator=g)
    y = torch.randint(0, n_classes, (12,), generator=g)
    pop = MLP((32,)).sample(16, (3,), n_classes, g)
    run = train_population_sgd(pop, x, y, lr=0.5, max_steps=2000, loss=loss)
    assert run.converged.all()
    # converged members fit every training point; the initial population did not
    assert bool(run.population.correct(x, y).all())
    assert not bool(pop.correct(x, y).all(dim=1).all())
    assert (run.steps <= 2000).all() and run.steps.dtype.kind == "i"


def test_member_already_consistent_is_not_moved():
    x = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    y = torch.tensor([1, 0])
    pop = MLP((), bias=False).sample(4, (2,), 2, torch.Generator().manual_seed(0))
    fits = pop.correct(x, y).all(dim=1).numpy()
    run = train_population_sgd(pop, x, y, max_steps=50)
    assert np.all(run.steps[fits] == 0)
    np.testing.assert_array_equal(run.population.params["W0"][fits].numpy(), pop.params["W0"][fits].numpy())


def test_bad_parameters():
    pop = MLP((4,)).sample(2, (2,), 2)
    with pytest.raises(InvalidParameterError, match="'loss'"):
        train_population_sgd(pop, torch.zeros(3, 2), torch.zeros(3), loss="mse")
    with pytest.raises(InvalidParameterError, match="'lr'"):
        train_population_sgd(pop, torch.zeros(3, 2), torch.zeros(3), lr=0)
