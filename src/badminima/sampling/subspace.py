"""Exact subspace sampling of a Gaussian first layer on the P points the orderings reach.

docs/science.md §4.5 (b), exact subspace sampling. With the first layer's
weights and bias i.i.d. Gaussian, :math:`w \\sim N(0, s^2 I_d)`, :math:`b \\sim N(0, s_b^2)`,
write the bias as weight d+1 on a constant input 1: :math:`\\tilde w = D v` with
:math:`v \\sim N(0, I_{d+1})`, :math:`D = \\mathrm{diag}(s, \\dots, s, s_b)` and
:math:`A = [X, 1] D` (P x (d+1), the P pool points as rows of X). The pre-activations on the
pool are

.. math:: h = A v \\sim N(0, A A^T),\\qquad A A^T = s^2 X X^T + s_b^2 1 1^T,

drawn as :math:`h = U \\Lambda^{1/2} g` with :math:`g \\sim N(0, I_P)` from the eigen-decomposition
:math:`A A^T = U \\Lambda U^T` (one P x P factorization; O(P^2) per hidden unit, no
d-dimensional draw). A network that needs a true error gets its full weights from the exact
conditional

.. math:: v = A^+ h + (I - A^+ A) z,\\qquad z \\sim N(0, I_{d+1}),

so that the pair (h, v) has the prior's joint law. It pays when P < d + 1.
"""

from __future__ import annotations

import numpy as np
import torch

from badminima.classifiers.draws import ParameterStream
from badminima.classifiers.priors import GAUSSIAN_PRIORS, prior_scale
from badminima.errors import InvalidParameterError


def subspace_applies(function_set, n_points: int, input_dim: int) -> bool:
    """Whether :class:`GaussianSubspace` can sample ``function_set``'s first layer and pays.

    Needs a dense first layer (:meth:`~badminima.classifiers.FunctionSet.dense_first_layer`:
    an MLP or perceptron) with a Gaussian prior and fewer pool points than weights per unit
    (``n_points < input_dim + bias``).
    """
    layer = function_set.dense_first_layer()
    return layer is not None and layer[0] in GAUSSIAN_PRIORS and n_points < input_dim + int(layer[1])


def require_subspace(function_set, n_points: int, input_dim: int) -> None:
    """Raise the error of ``sampler = "subspace"`` where :func:`subspace_applies` is false."""
    if not subspace_applies(function_set, n_points, input_dim):
        raise InvalidParameterError(
            "The 'sampler' parameter 'subspace' needs an MLP or perceptron with a Gaussian prior "
            f"and fewer pool points than inputs per unit. Got {function_set!r} on {n_points} points "
            f"of dimension {input_dim}.")


class GaussianSubspace:
    """Pre-activations of a Gaussian first layer on fixed points, and the exact conditional weights.

    Parameters
    ----------
    x : torch.Tensor, shape ``(P, d)``
        The (prepared, flattened) points.
    std : float
        Standard deviation s of each weight (and of the bias when ``bias``).
    bias : bool
        Whether the layer has a bias (drawn with the same standard deviation).

    Attributes
    ----------
    factor_ : torch.Tensor ``(P, P)``
        :math:`U \\Lambda^{1/2}`, so ``factor_ @ g`` has covariance :math:`A A^T`.
    pinv_ : torch.Tensor ``(d + bias, P)``
        :math:`A^+`, for the conditional draw.
    """

    def __init__(self, x: torch.Tensor, std: float, bias: bool):
        if x.ndim != 2:
            raise InvalidParameterError(f"GaussianSubspace needs points of shape (P, d). Got {tuple(x.shape)} instead.")
        self.x = x
        self.std = float(std)
        self.bias = bool(bias)
        a = x.double().cpu().numpy() * self.std
        if self.bias:
            a = np.hstack([a, np.full((len(a), 1), self.std)])
        values, vectors = np.linalg.eigh(a @ a.T)
        tol = values.max(initial=0.0) * len(a) * np.finfo(np.float64).eps
        root = np.sqrt(np.where(values > tol, values, 0.0))
        self.factor_ = torch.as_tensor(vectors * root, dtype=torch.float32, device=x.device)
        self.a_ = torch.as_tensor(a, dtype=torch.float64, device=x.device)
        inverse = np.where(values > tol, 1.0 / np.where(values > tol, values, 1.0), 0.0)
        # A^+ = A^T (A A^T)^+ from the same eigen-decomposition (no SVD of the P x (d+1) matrix)
        self.pinv_ = torch.as_tensor(a.T @ (vectors * inverse) @ vectors.T, dtype=torch.float64, device=x.device)

    @classmethod
    def for_function_set(cls, function_set, x: torch.Tensor) -> GaussianSubspace:
        """The subspace of ``function_set``'s first layer (prior std from its fan-in) on ``x``."""
        layer = function_set.dense_first_layer()
        if layer is None:
            raise InvalidParameterError(
                f"Exact subspace sampling needs a dense first layer (an MLP or perceptron). Got {function_set!r}.")
        prior, bias = layer
        kind, std = prior_scale(prior, x.shape[1])
        if kind != "normal":
            raise InvalidParameterError(
                f"Exact subspace sampling needs a Gaussian prior ({', '.join(GAUSSIAN_PRIORS)}). "
                f"Got {prior!r} instead.")
        return cls(x, std, bias)

    def preactivations(self, K: int, units: int, stream: ParameterStream) -> torch.Tensor:
        """Draw first-layer pre-activations ``(K, units, P)`` of K networks on the P points."""
        P = self.factor_.shape[0]
        g = stream.normal((K * units, P), 1.0, self.factor_.device)
        return (g @ self.factor_.T).reshape(K, units, P)

    def complete(self, h: torch.Tensor, stream: ParameterStream) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Full first-layer weights given pre-activations ``h`` ``(K, units, P)``, from the exact conditional.

        Returns ``(weight (K, units, d), bias (K, units) or None)`` with
        :math:`[w, b] = D (A^+ h + z - A^+ A z)`, :math:`z \\sim N(0, I)`.
        """
        K, units, P = h.shape
        dim = self.pinv_.shape[0]
        z = stream.normal((K * units, dim), 1.0, h.device).double()
        hd = h.reshape(K * units, P).double()
        v = (hd - z @ self.a_.T) @ self.pinv_.T + z
        v = (v * self.std).to(torch.float32).reshape(K, units, dim)
        if self.bias:
            return v[..., :-1].contiguous(), v[..., -1].contiguous()
        return v, None
