"""The registry of learning-curve models: names, parameters, bounds, starts, predictions.

Two kinds of parametric model share one interface (:class:`ModelSpec`):

* **density** models (docs/science.md section 3): the parameters build a true-error density
  ``D`` of :mod:`badminima.theory` and the prediction is always
  ``learning_curve(D, n) = 1 - Z_{n+1}/Z_n`` (section 2), never a typed-in formula;
* **laws** (:mod:`badminima.fitting.laws`): closed formulas from the learning-curve
  literature, fitted with the same code as baselines.

Two more kinds are registered here so that every name has one spec (:func:`get_model`):

* ``free-form``: the nonparametric density (:mod:`badminima.fitting.nonparametric`), whose
  reported parameters summarize a piecewise-constant density;
* ``combination``: ``auto`` (:mod:`badminima.fitting.auto`), a weighted combination of the
  other models whose reported parameters are the weights.

:data:`badminima.fitting.solvers.SOLVERS` maps each kind to its solver.

Memorization model (chosen here, docs/science.md section 3): a Shifted Beta base
``D(eps)`` above the floor ``eps_min`` with shapes ``(a, b)``, whose members memorize a
misclassified training point with prior factor ``rho``: the consistency probability is
``(1 - (1 - rho) eps)^n``. Its parameters are ``(eps_min, a, b, rho)``. For small errors it is
close to a Shifted Beta with shapes rescaled by ``1/(1 - rho)`` (an effective sample size
``(1 - rho) n``), so ``rho`` is only weakly determined by mean errors alone; the fit reports
that as a large ``param_stderr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.fitting import laws
from badminima.fitting.data import CurveData
from badminima.registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """A parametric model: parameter names, bounds and how to predict the mean error.

    Attributes
    ----------
    name : str
        The name used by the CLI and in JSON.
    kind : {"density", "law", "free-form", "combination", "baseline"}
    params : tuple of str
    bounds : tuple of (low, high)
        Box constraints in natural units; ``None`` high means "up to eps_max" (a floor).
    log_scale : tuple of bool
        Parameters optimized as ``log(theta)`` (positive scales spanning decades).
    initial : callable
        ``initial(data) -> ndarray``: a data-driven first start.
    build : callable or None
        Density models: ``build(theta, eps_max) -> Density``.
    formula : callable or None
        Laws: ``formula(n, *theta) -> E(n)``.
    floor : str
        The parameter that is the large-``n`` limit of the curve (used by planning).
    description : str
    tail : int
        When positive, the model is fitted to the runs of the last ``tail`` sizes only (a
        local law: ``pow2-tail`` is the power law through the end of the curve).
    """

    name: str
    kind: str
    params: tuple[str, ...]
    bounds: tuple[tuple[float, float | None], ...]
    log_scale: tuple[bool, ...]
    initial: Callable[[CurveData], np.ndarray] | None = None
    build: Callable | None = None
    formula: Callable | None = None
    floor: str = ""
    description: str = ""
    tail: int = 0

    @property
    def n_params(self) -> int:
        return len(self.params)

    @property
    def is_density(self) -> bool:
        """Whether the model is a true-error density (its curve never exceeds ``eps_max``)."""
        return self.kind in ("density", "free-form")

    def box(self, eps_max: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds in natural units (a floor stays below ``eps_max``)."""
        low = np.array([b[0] for b in self.bounds], dtype=float)
        high = np.array([0.999 * eps_max if b[1] is None else b[1] for b in self.bounds])
        return low, high

    def density(self, theta, eps_max: float = 1.0):
        """The true-error density of a density model (``None`` for a law)."""
        return None if self.build is None else self.build(np.asarray(theta, float), eps_max)

    def predict(self, theta, n, eps_max: float = 1.0) -> np.ndarray:
        """Mean test error at sizes ``n``: ``learning_curve(D, n)`` or the law's formula."""
        n = np.asarray(n, dtype=float)
        with np.errstate(all="ignore"):
            if self.formula is not None:
                return np.asarray(self.formula(n, *np.asarray(theta, float)), dtype=float)
        from badminima.theory import learning_curve
        return np.asarray(learning_curve(self.density(theta, eps_max), n), dtype=float)

    def predict_std(self, theta, n, eps_max: float = 1.0) -> np.ndarray:
        """Spread of the true error of a random global minimum (density models only)."""
        from badminima.theory import error_std
        return np.asarray(error_std(self.density(theta, eps_max), np.asarray(n, float)), float)


# ---------------------------------------------------------------------------------------
# data-driven first starts

def _floor_guess(data: CurveData) -> float:
    return 0.8 * float(np.min(data.means))


def _sb_guess(data: CurveData) -> np.ndarray:
    eps_min = _floor_guess(data)
    n1, e1 = data.sizes[0], max(data.means[0], eps_min + 1e-6)
    a = 1.0
    b = max((1 - eps_min) * a / (e1 - eps_min) - a - n1, 1e-2)
    return np.array([eps_min, a, b])


def _mem_guess(data: CurveData) -> np.ndarray:
    return np.append(_sb_guess(data), 0.5)


def _rgt_guess(data: CurveData) -> np.ndarray:
    return np.array([_floor_guess(data), 1.0, 1.0])


def _pow_guess(data: CurveData) -> np.ndarray:
    a = _floor_guess(data)
    c = 0.5
    b = max(data.means[0] - a, 1e-4) * data.sizes[0] ** c
    return np.array([a, b, c])


def _pow2_guess(data: CurveData) -> np.ndarray:
    x, y = np.log(data.sizes), np.log(np.maximum(data.means, 1e-12))
    slope = np.polyfit(x, y, 1)[0] if x.size > 1 else -0.5
    c = float(np.clip(-slope, 1e-3, 5.0))
    return np.array([float(np.exp(np.mean(y + c * x))), c])


def _pow4_guess(data: CurveData) -> np.ndarray:
    return np.append(_pow_guess(data), 1.0)


def _mmf_guess(data: CurveData) -> np.ndarray:
    n_mid = float(np.exp(np.mean(np.log(data.sizes))))
    return np.array([min(1.2 * data.means[0], 1.0), n_mid, _floor_guess(data), 1.0])


def _wbl_guess(data: CurveData) -> np.ndarray:
    a = _floor_guess(data)
    n_mid = float(np.exp(np.mean(np.log(data.sizes))))
    return np.array([a, max(data.means[0] - a, 1e-4) * 2, n_mid ** -0.5, 0.5])


def _exp_guess(data: CurveData) -> np.ndarray:
    a = _floor_guess(data)
    n_mid = float(np.exp(np.mean(np.log(data.sizes))))
    return np.array([a, max(data.means[0] - a, 1e-4) * 2, 1.0 / n_mid])


# ---------------------------------------------------------------------------------------
# density builders (imported lazily: theory is the layer below)

def _build_shifted_beta(theta, eps_max):
    from badminima.theory import ShiftedBeta
    eps_min, a, b = theta
    return ShiftedBeta(a, b, eps_min=eps_min, eps_max=eps_max)


def _build_memorization(theta, eps_max):
    from badminima.theory import Memorization, ShiftedBeta
    eps_min, a, b, rho = theta
    return Memorization(ShiftedBeta(a, b, eps_min=eps_min, eps_max=eps_max), rho)


def _build_rare_good_tail(theta, eps_max):
    """RareGoodTail lives on (eps_min, 1]: ``eps_max`` only bounds its floor."""
    from badminima.theory import RareGoodTail
    eps_min, c, gamma = theta
    return RareGoodTail(eps_min, c, gamma)


_FLOOR = (0.0, None)

MODELS: Registry[ModelSpec] = Registry({spec.name: spec for spec in (
    ModelSpec("auto", "combination", (), (), (),
              description="combination of the models, weights from leave-later-sizes-out"),
    ModelSpec("shifted-beta", "density", ("eps_min", "a", "b"),
              (_FLOOR, (1e-3, 1e4), (1e-3, 1e8)), (False, True, True), _sb_guess,
              build=_build_shifted_beta, floor="eps_min",
              description="Beta(a, b) on [eps_min, eps_max]"),
    ModelSpec("memorization", "density", ("eps_min", "a", "b", "rho"),
              (_FLOOR, (1e-3, 1e4), (1e-3, 1e8), (0.0, 0.999)), (False, True, True, False),
              _mem_guess, build=_build_memorization, floor="eps_min",
              description="Shifted Beta base, consistency (1-(1-rho) eps)^n"),
    ModelSpec("rare-good-tail", "density", ("eps_min", "c", "gamma"),
              (_FLOOR, (1e-4, 1e3), (0.05, 10.0)), (False, True, True), _rgt_guess,
              build=_build_rare_good_tail, floor="eps_min",
              description="D ~ exp(-c (eps-eps_min)^-gamma) near eps_min"),
    ModelSpec("nonparametric", "free-form", ("lambda", "eps_floor", "eps_median"), (), (),
              description="piecewise-constant D(eps), smoothness chosen by cross-validation"),
    ModelSpec("pow2", "law", ("b", "c"), ((1e-6, 1e6), (1e-3, 5.0)), (True, True),
              _pow2_guess, formula=laws.pow2, description="b n^-c"),
    ModelSpec("pow2-tail", "law", ("b", "c"), ((1e-6, 1e6), (1e-3, 5.0)), (True, True),
              _pow2_guess, formula=laws.pow2, tail=3,
              description="b n^-c through the last 3 sizes"),
    ModelSpec("pow3", "law", ("a", "b", "c"),
              ((0.0, 1.0), (1e-6, 1e6), (1e-3, 5.0)), (False, True, True), _pow_guess,
              formula=laws.pow3, floor="a", description="a + b n^-c"),
    ModelSpec("pow4", "law", ("a", "b", "c", "d"),
              ((0.0, 1.0), (1e-6, 1e6), (1e-3, 5.0), (1e-3, 1e6)), (False, True, True, True),
              _pow4_guess, formula=laws.pow4, floor="a", description="a + b (n+d)^-c"),
    ModelSpec("mmf4", "law", ("a", "b", "c", "d"),
              ((0.0, 1.0), (1e-6, 1e12), (0.0, 1.0), (1e-2, 5.0)), (False, True, False, True),
              _mmf_guess, formula=laws.mmf4, floor="c", description="(a b + c n^d)/(b + n^d)"),
    ModelSpec("wbl4", "law", ("a", "b", "c", "d"),
              ((0.0, 1.0), (1e-6, 1.0), (1e-8, 1e3), (1e-2, 3.0)), (False, True, True, True),
              _wbl_guess, formula=laws.wbl4, floor="a", description="a + b exp(-c n^d)"),
    ModelSpec("exp3", "law", ("a", "b", "c"),
              ((0.0, 1.0), (1e-6, 1.0), (1e-8, 1.0)), (False, True, True), _exp_guess,
              formula=laws.exp3, floor="a", description="a + b exp(-c n)"),
    ModelSpec("last", "baseline", ("a",), ((0.0, 1.0),), (False,), None,
              formula=laws.constant, floor="a",
              description="the mean at the largest fitted n (baseline)"),
)})

#: Every model name the CLI accepts, in display order.
MODEL_NAMES = tuple(MODELS)


def get_model(name: str) -> ModelSpec:
    """The spec of model ``name`` (every kind); unknown names raise with the list of known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise InvalidParameterError(
            f"Unknown model {name!r}. Known models: {', '.join(MODEL_NAMES)}.") from None
