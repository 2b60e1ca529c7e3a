"""One solver per kind of model: ``solve(name, data, settings) -> FitResult``.

The kind comes from the registry (:data:`badminima.fitting.models.MODELS`): parametric
densities and laws (:mod:`~badminima.fitting.parametric`), the free-form density
(:mod:`~badminima.fitting.nonparametric`), the last-value baseline
(:mod:`~badminima.fitting.baseline`) and the ``auto`` combination (:mod:`~badminima.fitting.auto`).
``settings`` are the validated parameters of :class:`~badminima.fitting.LearningCurveFit`.
"""

from __future__ import annotations

from badminima.errors import FitError
from badminima.fitting.baseline import fit_last_value
from badminima.fitting.data import CurveData
from badminima.fitting.models import get_model
from badminima.fitting.nonparametric import fit_nonparametric
from badminima.fitting.parametric import fit_parametric
from badminima.fitting.result import FitResult


def _parametric(spec, data, settings):
    return fit_parametric(spec, data, **settings)


def _free_form(spec, data, settings):
    if settings["loss"] != "wls":
        raise FitError(f"model {spec.name!r} supports only loss='wls'.")
    return fit_nonparametric(data, n_bootstrap=settings["n_bootstrap"], seed=settings["seed"],
                             eps_max=settings["eps_max"])


def _baseline(spec, data, settings):
    return fit_last_value(spec, data)


def _combination(spec, data, settings):
    from badminima.fitting.auto import fit_auto  # auto fits the other kinds through solve()
    if settings["loss"] != "wls":
        raise FitError(f"model {spec.name!r} supports only loss='wls'.")
    return fit_auto(data, settings)


#: kind -> solver(spec, data, settings)
SOLVERS = {"density": _parametric, "law": _parametric, "free-form": _free_form,
           "baseline": _baseline, "combination": _combination}


def solve(name: str, data: CurveData, settings: dict) -> FitResult:
    """Fit model ``name`` to ``data`` with validated ``settings``."""
    spec = get_model(name)
    return SOLVERS[spec.kind](spec, data, settings)
