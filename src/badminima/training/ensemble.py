"""Train K small networks at once as one batched model, each stopping at its own zero error.

The K members (different seeds: initialization, minibatch order and, for a sweep, training
subset) share one architecture. Their parameters are stacked along a leading axis
(:func:`torch.func.stack_module_state`); an MLP runs as batched matrix products
(``torch.baddbmm``), any other architecture through :func:`torch.func.vmap` over
:func:`torch.func.functional_call`, so one step of the batched model is one step of every
member. The loss is the sum of the members' losses, so member k's gradient is exactly its
own; Adam and SGD act elementwise on the stacked tensors, so each member keeps its own
optimizer state. A member whose training error reaches zero is taken out of the stack (with
its optimizer state rows) and its weights kept as they were at that epoch, where its test error
is measured: its result is that of training it alone, up to floating-point reordering, and the
remaining members train without computing for the finished ones. The zero-error check after
each epoch is that of :func:`~badminima.training.trainer.train_to_zero` (exact, the points the
epoch's steps misclassified classified first).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from badminima.errors import InvalidParameterError
from badminima.training.devices import data_generator
from badminima.training.optim import make_optimizer, set_epoch_lr
from badminima.training.settings import TrainSettings
from badminima.training.trainer import TrainResult


def _check_members(models: Sequence[nn.Module], settings: TrainSettings) -> None:
    if not models:
        raise InvalidParameterError("The 'models' parameter of train_ensemble_to_zero must not be empty.")
    if any(len(list(m.buffers())) for m in models):
        raise InvalidParameterError(
            "Batched ensemble training needs models without buffers (no BatchNorm); "
            "train such architectures one at a time.")
    if settings.augment or settings.early_stopping:
        raise InvalidParameterError(
            "Batched ensemble training supports neither 'augment' nor 'early_stopping'.")


def _mlp_layers(model: nn.Module) -> list[str] | None:
    """Names of the Linear layers of an ``nn.Sequential`` of Flatten, Linear (with bias) and ReLU, else None."""
    if not isinstance(model, nn.Sequential) or not isinstance(model[0], nn.Flatten):
        return None
    if not all(isinstance(m, (nn.Flatten, nn.ReLU)) or (isinstance(m, nn.Linear) and m.bias is not None)
               for m in model):
        return None
    if not all(isinstance(m, nn.Linear) == (i % 2 == 1) for i, m in enumerate(model)):
        return None  # Flatten, then Linear and ReLU alternating, Linear last
    return [name for name, m in model.named_children() if isinstance(m, nn.Linear)]


class _StackedLinear(torch.autograd.Function):
    """``b_k + h_k W_k^T`` for every member k (``torch.baddbmm``), with the weight gradient
    computed in the weight's own layout.

    Autograd's ``bmm`` backward forms the gradient of ``W^T`` (``h^T g``, shape ``(K, d_in, d_out)``)
    and then copies its transpose into ``W``'s layout: a strided copy of every weight on every
    step, a quarter of an MNIST-MLP ensemble epoch (torch.profiler, docs/sweeps.md). Here the
    gradient is ``g^T h`` directly, the same products in the same order (bit-for-bit the same
    gradients, tests/training/test_ensemble.py), and the input gradient is formed only when needed.
    """

    @staticmethod
    def forward(ctx, bias: torch.Tensor, h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(h, weight)
        return torch.baddbmm(bias[:, None, :], h, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        h, weight = ctx.saved_tensors
        grad_h = grad.bmm(weight) if ctx.needs_input_grad[1] else None
        return grad.sum(1), grad_h, grad.transpose(1, 2).bmm(h)


class _Stacked:
    """K members as stacked parameters and one batched forward pass.

    An MLP (Flatten, then Linear and ReLU layers) runs as batched matrix products
    (:class:`_StackedLinear`: ``h_k <- b_k + h_k W_k^T`` for every member k at once), which costs one
    kernel call per layer whatever K is; any other architecture runs through
    ``vmap(functional_call)``.
    """

    def __init__(self, params: dict[str, torch.Tensor], base: nn.Module, linear: list[str] | None) -> None:
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self.base, self.linear = base, linear

    @classmethod
    def from_models(cls, models: Sequence[nn.Module]) -> _Stacked:
        params, _ = stack_module_state(list(models))
        return cls(params, copy.deepcopy(models[0]).to("meta"), _mlp_layers(models[0]))

    def select(self, keep: torch.Tensor) -> _Stacked:
        """The members where the boolean ``keep`` is true, as new leaf tensors."""
        return _Stacked({name: p[keep] for name, p in self.params.items()}, self.base, self.linear)

    def snapshot(self, j: int) -> dict[str, torch.Tensor]:
        """A copy of member j's parameters."""
        return {name: p[j].detach().clone() for name, p in self.params.items()}

    def _one(self, p, x):
        return functional_call(self.base, p, (x,))

    def _mlp(self, h: torch.Tensor) -> torch.Tensor:
        """``h``: ``(K, B, d)`` flattened inputs, or ``(B, d)`` shared by all members."""
        for i, name in enumerate(self.linear):
            weight, bias = self.params[f"{name}.weight"], self.params[f"{name}.bias"]
            if h.dim() == 2:  # one GEMM against all members' weights: (B, d) @ (d, K * out)
                h = (h @ weight.flatten(0, 1).T).view(len(h), len(weight), -1).transpose(0, 1) + bias[:, None, :]
            else:
                h = _StackedLinear.apply(bias, h, weight)
            if i < len(self.linear) - 1:
                h = torch.relu(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(K, B, C)`` of member k on ``x[k]``."""
        if self.linear is not None:
            return self._mlp(x.flatten(2))
        return vmap(self._one)(self.params, x)

    def forward_shared(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(K, B, C)`` of every member on the same inputs ``x``."""
        if self.linear is not None:
            return self._mlp(x.flatten(1))
        return vmap(self._one, in_dims=(0, None))(self.params, x)

    def member(self, k: int, template: nn.Module) -> nn.Module:
        model = copy.deepcopy(template)
        model.load_state_dict(self.snapshot(k))
        return model.eval()


def _select_optimizer(optimizer: torch.optim.Optimizer, stacked: _Stacked, keep: torch.Tensor,
                      settings: TrainSettings) -> torch.optim.Optimizer:
    """A new optimizer over ``stacked`` (the kept members) carrying their slice of the old state.

    Per-parameter state (Adam's moments, SGD's momentum buffer) is stacked like the parameters,
    so member j's state is row j; scalars (the step count) are shared and kept as they are.
    """
    state = optimizer.state_dict()
    for entry in state["state"].values():
        for key, value in entry.items():
            if torch.is_tensor(value) and value.dim() > 0:
                entry[key] = value[keep]
    selected = make_optimizer(stacked.params.values(), settings)
    selected.load_state_dict(state)
    return selected


@torch.no_grad()
def _errors(stacked: _Stacked, x: torch.Tensor, y: torch.Tensor, shared: bool, batch: int) -> torch.Tensor:
    """Misclassified counts per member, ``(K,)``."""
    wrong = torch.zeros(len(stacked.params[next(iter(stacked.params))]), dtype=torch.long, device=y.device)
    n = y.shape[-1]
    for s in range(0, n, batch):
        if shared:
            logits, yb = stacked.forward_shared(x[s:s + batch]), y[s:s + batch][None, :]
        else:
            logits, yb = stacked.forward(x[:, s:s + batch]), y[:, s:s + batch]
        wrong += (logits.argmax(-1) != yb).sum(-1)
    return wrong


def _epoch(stacked: _Stacked, optimizer: torch.optim.Optimizer, loss_fn: nn.Module, x: torch.Tensor,
           y: torch.Tensor, generators: list[torch.Generator], size: int) -> torch.Tensor:
    """One epoch of every member: member j's minibatches are cut from its own permutation.

    The loss is the sum over members of each one's mean loss, so member j's gradient is its own.
    Returns the ``(K, n)`` mask of the points each member's steps misclassified (before the
    step that used them).
    """
    k, n = y.shape
    rows = torch.arange(k, device=y.device)[:, None]
    order = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(y.device)
    seen_wrong = torch.zeros(k, n, dtype=torch.bool, device=y.device)
    for idx in order.split(size, dim=1):
        logits, yb = stacked.forward(x[rows, idx]), y[rows, idx]
        losses = loss_fn(logits.flatten(0, 1), yb.flatten()).view(k, -1).mean(1)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        seen_wrong[rows, idx] = logits.detach().argmax(-1) != yb
    return seen_wrong


@torch.no_grad()
def _check_epoch(stacked: _Stacked, x: torch.Tensor, y: torch.Tensor, seen_wrong: torch.Tensor,
                 batch: int, exact: bool) -> torch.Tensor:
    """Misclassified training points per member after an epoch, ``(K,)``, as in
    :func:`badminima.training.trainer._check_epoch` (the same numbers as training alone).

    Member k's points that its steps misclassified are classified again first (padded to the
    largest such set, the padding masked); a member still wrong on some of them records that
    count (a lower bound). If every member does, the full check is skipped; otherwise the whole
    sets are classified and the other members record their exact counts.
    """
    if not exact:
        counts = seen_wrong.sum(1)
        most = int(counts.max())
        if most:
            suspects = torch.argsort((~seen_wrong).to(torch.int8), dim=1, stable=True)[:, :most]
            rows = torch.arange(len(y), device=y.device)[:, None]
            valid = torch.arange(most, device=y.device)[None, :] < counts[:, None]
            wrong = torch.zeros(len(y), dtype=torch.long, device=y.device)
            for s in range(0, most, batch):
                cut = suspects[:, s:s + batch]
                logits = stacked.forward(x[rows, cut])
                wrong += ((logits.argmax(-1) != y[rows, cut]) & valid[:, s:s + batch]).sum(-1)
            if bool((wrong > 0).all()):
                return wrong
            return torch.where(wrong > 0, wrong, _errors(stacked, x, y, shared=False, batch=batch))
    return _errors(stacked, x, y, shared=False, batch=batch)


def train_ensemble_to_zero(models: Sequence[nn.Module], x_train: torch.Tensor, y_train: torch.Tensor,
                           x_test: torch.Tensor, y_test: torch.Tensor, settings: TrainSettings,
                           seeds: Sequence[int]) -> list[TrainResult]:
    """Train K members at once, each on its own training set, until each has zero error.

    Parameters
    ----------
    models : sequence of torch.nn.Module
        K freshly initialized members of one architecture without buffers, on the device
        of the tensors.
    x_train : torch.Tensor
        ``(K, n, ...)``: member k trains on ``x_train[k]`` (same n for all members).
    y_train : torch.Tensor
        ``(K, n)`` int64 labels.
    x_test, y_test : torch.Tensor
        The shared test set.
    settings : TrainSettings
    seeds : sequence of int
        Member k's minibatch order comes from ``seeds[k]``, as in
        :func:`~badminima.training.trainer.train_to_zero`.

    Returns
    -------
    list of TrainResult
        One per member, in order. ``wall_s`` is the wall time until the member stopped
        (the batched training is shared, so these overlap).
    """
    _check_members(models, settings)
    k, n = y_train.shape
    if len(models) != k or len(seeds) != k:
        raise InvalidParameterError(
            f"train_ensemble_to_zero got {len(models)} models, {len(seeds)} seeds and {k} training sets; "
            "they must match.")
    device = x_train.device
    stacked = _Stacked.from_models(models)
    optimizer = make_optimizer(stacked.params.values(), settings)
    generators = [data_generator(s) for s in seeds]
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    members = list(range(k))  # global indices of the members still training, in stack order
    x_act, y_act = x_train, y_train
    finished: dict[int, dict[str, torch.Tensor]] = {}
    histories: list[list[float]] = [[] for _ in range(k)]
    finish_wall = [0.0] * k
    start = time.perf_counter()
    size = n if settings.batch_size == 0 else min(settings.batch_size, n)
    for epoch in range(settings.max_epochs):
        set_epoch_lr(optimizer, epoch, settings)
        seen_wrong = _epoch(stacked, optimizer, loss_fn, x_act, y_act, [generators[m] for m in members], size)
        wrong = _check_epoch(stacked, x_act, y_act, seen_wrong, settings.eval_batch_size,
                             exact=epoch == settings.max_epochs - 1).tolist()
        now = time.perf_counter() - start
        for j, m in enumerate(members):
            histories[m].append(wrong[j] / n)
            finish_wall[m] = now
            if wrong[j] == 0:
                finished[m] = stacked.snapshot(j)
        if len(finished) == k:
            break
        if len(members) > k - len(finished):  # drop the members that reached zero from the stack
            keep = torch.tensor([m not in finished for m in members], device=device)
            members = [m for m in members if m not in finished]
            stacked = stacked.select(keep)
            optimizer = _select_optimizer(optimizer, stacked, keep, settings)
            x_act, y_act = x_act[keep], y_act[keep]
    for j, m in enumerate(members):
        finished.setdefault(m, stacked.snapshot(j))
    final = _Stacked({name: torch.stack([finished[m][name] for m in range(k)]) for name in stacked.params},
                     stacked.base, stacked.linear)
    test_wrong = _errors(final, x_test, y_test, shared=True, batch=settings.eval_batch_size).tolist()
    results = []
    for m in range(k):
        reached = histories[m][-1] == 0.0
        results.append(TrainResult(
            epochs=len(histories[m]), reached_zero=reached, train_error=histories[m][-1],
            test_error=test_wrong[m] / len(y_test), n_train=n, n_test=len(y_test),
            wall_s=finish_wall[m], device=str(device), stopped="zero" if reached else "budget",
            history=tuple(histories[m]), model=final.member(m, models[m])))
    return results
