"""Classifier function sets with priors, evaluated as populations of K members at once.

- :class:`MLP`, :class:`Perceptron` (fully connected), :class:`LeNet` (small CNN): an
  architecture plus a prior over its weights (:mod:`badminima.classifiers.priors`).
- ``function_set.sample(K, input_shape, n_classes, generator, device)`` draws a
  :class:`Population`, whose :meth:`Population.predict` / :meth:`Population.correct` /
  :meth:`Population.error_rates` evaluate all K members in batched calls with bounded memory.
- :class:`TorchModuleSet`: any ``torch.nn.Module`` as a function set (``functional_call`` + ``vmap``).
- :func:`make_function_set` builds one from a registry name and options (configs use it).
"""

from badminima.classifiers.cnn import LeNet
from badminima.classifiers.devices import resolve_device
from badminima.classifiers.mlp import MLP, Perceptron
from badminima.classifiers.population import DEFAULT_MAX_BYTES, FunctionSet, Population
from badminima.classifiers.priors import PRIORS, draw_layer
from badminima.classifiers.registry import FUNCTION_SETS, make_function_set
from badminima.classifiers.torch_module import TorchModuleSet

__all__ = ["DEFAULT_MAX_BYTES", "FUNCTION_SETS", "PRIORS", "FunctionSet", "LeNet", "MLP", "Perceptron",
           "Population", "TorchModuleSet", "draw_layer", "make_function_set", "resolve_device"]
