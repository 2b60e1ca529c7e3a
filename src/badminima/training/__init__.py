"""Training networks to zero training error (docs/science.md section 4, experiment 3).

- :class:`NetworkSpec`, :func:`build_model`: MLP, CNN, ResNet-18 (32x32) architectures.
- :class:`TrainSettings`: optimizer, schedule, budget and optional regularization.
- :func:`train_to_zero`: one network until its training error is exactly zero.
- :func:`train_ensemble_to_zero`: K small networks at once as one vmapped model.
"""

from badminima.training.devices import make_deterministic, resolve_device
from badminima.training.ensemble import train_ensemble_to_zero
from badminima.training.models import ARCHITECTURES, NetworkSpec, build_model, count_parameters
from badminima.training.settings import TrainSettings
from badminima.training.tensors import to_labels, to_tensor
from badminima.training.trainer import TrainResult, train_to_zero

__all__ = ["ARCHITECTURES", "NetworkSpec", "TrainResult", "TrainSettings", "build_model", "count_parameters",
           "make_deterministic", "resolve_device", "to_labels", "to_tensor", "train_ensemble_to_zero",
           "train_to_zero"]
