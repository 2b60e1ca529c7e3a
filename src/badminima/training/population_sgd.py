"""Full-batch gradient descent on a whole population, each member until zero training error.

docs/science.md section 4, experiment 4 (Guess & Check vs SGD): the members start from the same
prior as the Guess & Check draws and are trained, independently but in one batched
computation, on the same n training points. Each member stops (its parameters freeze) at
the first step where it classifies every training point correctly, so it ends as a global
minimum of the 0-1 training risk, like a Guess & Check survivor.

Losses (summed over members, averaged over the n points, so each member's gradient is its
own loss's gradient): two classes with margin :math:`m = (2y - 1) f(x)`,

- ``logistic``: :math:`\\log(1 + e^{-m})`,
- ``hinge``: :math:`\\max(0, 1 - m)`;

C > 2 classes use the cross-entropy (``logistic``) or the multi-class hinge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from badminima.classifiers import Population
from badminima.classifiers.population import labels_from_outputs
from badminima.registry import Registry
from badminima.validation import check_int, check_real

logger = logging.getLogger(__name__)


def _logistic(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if out.shape[1] == 1:
        margin = (2 * y - 1)[None, :].to(out.dtype) * out[:, 0, :]
        return F.softplus(-margin).mean(dim=1)
    K, C, N = out.shape
    logits = out.permute(0, 2, 1).reshape(K * N, C)
    return F.cross_entropy(logits, y.repeat(K), reduction="none").reshape(K, N).mean(dim=1)


def _hinge(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if out.shape[1] == 1:
        margin = (2 * y - 1)[None, :].to(out.dtype) * out[:, 0, :]
        return torch.relu(1 - margin).mean(dim=1)
    true = out.gather(1, y[None, None, :].expand(out.shape[0], 1, -1))
    return torch.relu(1 + out - true).sum(dim=1).sub(1).mean(dim=1)


#: Loss name -> per-member loss ``(K, C, N) outputs, (N,) labels -> (K,)`` (``fitting.LOSSES`` are the fit's).
SGD_LOSSES = Registry({"logistic": _logistic, "hinge": _hinge})


@dataclass
class SGDRun:
    """Outcome of :func:`train_population_sgd`.

    Attributes
    ----------
    population : Population
        The trained members (parameters detached).
    converged : numpy.ndarray of bool, shape (K,)
        Member reached zero training error within ``max_steps``.
    steps : numpy.ndarray of int, shape (K,)
        Step at which it did (``max_steps`` if it did not).
    """

    population: Population
    converged: np.ndarray
    steps: np.ndarray


def train_population_sgd(population: Population, x, y, lr: float = 0.5, max_steps: int = 3000,
                         loss: str = "logistic") -> SGDRun:
    """Train every member with full-batch gradient descent until zero training error.

    Parameters
    ----------
    population : Population
        Initial members (e.g. ``function_set.sample(K, ...)``); not modified.
    x, y : array-like
        The n training points (all members see the same ones).
    lr : float
        Step size.
    max_steps : int
        Budget of gradient steps.
    loss : {"logistic", "hinge"}

    Returns
    -------
    SGDRun
    """
    lr = check_real("lr", lr, "train_population_sgd", 0, None, "neither")
    max_steps = check_int("max_steps", max_steps, "train_population_sgd", 1, None)
    loss_fn = SGD_LOSSES.lookup(loss, parameter="loss", owner="train_population_sgd")
    device = population.device
    params = {k: v.detach().clone().requires_grad_(True) for k, v in population.params.items()}
    trained = Population(population.function_set, params, population.input_shape, population.n_classes)
    xt = trained.prepare_inputs(torch.as_tensor(np.asarray(x)) if not torch.is_tensor(x) else x)
    yt = torch.as_tensor(np.asarray(y) if not torch.is_tensor(y) else y, device=device).to(torch.int64)
    steps = torch.full((population.K,), max_steps, dtype=torch.int64, device=device)
    active = torch.ones(population.K, dtype=torch.bool, device=device)
    for step in range(max_steps + 1):
        out = population.function_set.forward(params, xt)
        fits = (labels_from_outputs(out.detach()) == yt[None, :]).all(dim=1)
        newly = active & fits
        steps[newly] = step
        active &= ~fits
        if not bool(active.any()) or step == max_steps:
            break
        total = (loss_fn(out, yt) * active).sum()
        grads = torch.autograd.grad(total, list(params.values()))
        with torch.no_grad():
            for p, g in zip(params.values(), grads):
                p -= lr * g  # frozen members have zero gradient (masked loss)
    converged = ~active
    logger.info("population SGD: %d / %d members at zero training error", int(converged.sum()), population.K)
    final = {k: v.detach() for k, v in params.items()}
    return SGDRun(Population(population.function_set, final, population.input_shape, population.n_classes),
                  converged.cpu().numpy(), steps.cpu().numpy())
