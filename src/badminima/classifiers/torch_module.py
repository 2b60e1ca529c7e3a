"""A function set from any ``torch.nn.Module``: K stacked copies of its parameters, run with ``vmap``.

The module's architecture is kept; its parameters are replaced by K independent draws from
a prior (each parameter with a leading K axis) and all K members run in one call,

.. code-block:: python

    torch.vmap(lambda p: torch.func.functional_call(module, p, (x,)))(params)

so a user's own network can be sampled by Guess & Check and by the version-space sampler
(:mod:`badminima.sampling.version_space_smc`). The module maps a batch ``(N, ...)`` to
outputs ``(N, n_outputs)``: one unit for two classes (label ``f > 0``), C units for C > 2.
Buffers (e.g. batch-norm statistics) are the module's own and shared by all members; use
modules in eval mode.

Fan-in of a parameter (for the priors of :mod:`badminima.classifiers.priors`): a parameter
with two or more axes is a weight of fan-in ``prod(shape[1:])`` (``nn.Linear``,
``nn.Conv2d``); a one-axis parameter takes the fan-in of the weight of the same submodule
(``layer.bias`` -> ``layer.weight``), else its own length.
"""

from __future__ import annotations

import copy
import math

import torch

from badminima.classifiers.population import FunctionSet
from badminima.classifiers.priors import prior_scale
from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int

__all__ = ["TorchModuleSet", "MODULE_PRIORS"]

#: Priors a module's parameters can be drawn from (elementwise; ``sphere`` needs unit structure).
MODULE_PRIORS = ("pytorch", "he", "lecun", "normal", "uniform")


class TorchModuleSet(FunctionSet):
    """The function set of a ``torch.nn.Module``'s architecture with a prior over its parameters.

    Parameters
    ----------
    module : torch.nn.Module
        Maps ``(N, *input_shape)`` float32 inputs to ``(N, n_outputs)``.
    prior : str
        One of :data:`MODULE_PRIORS`.
    activation_floats : int
        Floats per (member, input) of its widest pair of activations (bounds the memory of
        :meth:`~badminima.classifiers.Population.predict`); default 4096.
    """

    def __init__(self, module, prior: str = "pytorch", activation_floats: int = 4096):
        self.net = module
        self.prior = prior
        self.floats = activation_floats

    def __repr__(self) -> str:
        return f"TorchModuleSet({type(self.net).__name__}, prior={self.prior!r})"

    def validate(self) -> None:
        if not isinstance(self.net, torch.nn.Module):
            raise InvalidParameterError(
                f"The 'module' parameter of TorchModuleSet must be a torch.nn.Module. Got {type(self.net).__name__}.")
        if not list(self.net.parameters()):
            raise InvalidParameterError("The 'module' parameter of TorchModuleSet must have parameters.")
        check_choice("prior", self.prior, "TorchModuleSet", MODULE_PRIORS)
        self.floats = check_int("activation_floats", self.floats, "TorchModuleSet", 1, None)

    def _fan_ins(self) -> dict[str, int]:
        shapes = {name: tuple(p.shape) for name, p in self.net.named_parameters()}
        fans = {}
        for name, shape in shapes.items():
            if len(shape) >= 2:
                fans[name] = math.prod(shape[1:])
            else:
                weight = name.rsplit(".", 1)[0] + ".weight" if "." in name else "weight"
                sibling = shapes.get(weight)
                fans[name] = math.prod(sibling[1:]) if sibling and len(sibling) >= 2 else max(1, math.prod(shape))
        return fans

    def prior_laws(self, input_shape, n_outputs) -> dict[str, tuple[str, float]]:
        """``name -> (kind, scale)`` of every parameter (see :mod:`badminima.sampling.prior_transform`)."""
        return {name: prior_scale(self.prior, fan) for name, fan in self._fan_ins().items()}

    def _check_outputs(self, input_shape, n_outputs) -> None:
        with torch.no_grad():
            probe = torch.zeros((1, *input_shape), device=next(self.net.parameters()).device)
            shape = tuple(self.net(probe).shape)
        if shape != (1, n_outputs):
            raise InvalidParameterError(
                f"TorchModuleSet: the module maps one input of shape {tuple(input_shape)} to outputs of shape "
                f"{shape[1:]}; expected ({n_outputs},) ({n_outputs} unit(s) for this number of classes).")

    def _draw(self, K, input_shape, n_outputs, generator, device):
        self._check_outputs(input_shape, n_outputs)
        params = {}
        for name, p in self.net.named_parameters():
            kind, scale = prior_scale(self.prior, self._fan_ins()[name])
            shape = (K, *p.shape)
            params[name] = (generator.uniform(shape, -scale, scale, device) if kind == "uniform"
                            else generator.normal(shape, scale, device))
        return params

    def prepare_inputs(self, x, device):
        return torch.as_tensor(x, device=device).to(torch.float32)

    def forward(self, params, x):
        net = self.net if next(self.net.parameters()).device == x.device else self.net.to(x.device)

        def one(p):
            return torch.func.functional_call(net, p, (x,))
        return torch.vmap(one)(params).permute(0, 2, 1)

    def activation_floats(self, input_shape, n_outputs):
        return self.floats

    def module(self, params, input_shape):
        net = copy.deepcopy(self.net)
        with torch.no_grad():
            for name, p in net.named_parameters():
                p.copy_(params[name])
        return net
