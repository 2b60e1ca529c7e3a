"""One solver per kind of model: ``solve(name, data, settings) -> FitResult``.

The kind comes from the registry (:data:`badminima.fitting.models.MODELS`): parametric
densities and laws (:mod:`~badminima.fitting.parametric`), the free-form density
(:mod:`~badminima.fitting.nonparametric`), the last-value baseline
(:mod:`~badminima.fitting.baseline`) and the ``auto`` combination (:mod:`~badminima.fitting.auto`).
``settings`` are the validated parameters of :class:`~badminima.fitting.LearningCurveFit`;
``settings["prior"]`` is a :class:`~badminima.fitting.prior.CurvePrior` or ``None``, and each
parametric model gets its own entry of it (:mod:`badminima.fitting.prior`).

``auto`` receives :func:`solve` as an argument (it fits the other kinds through it), so
:mod:`~badminima.fitting.auto` does not import this module: no import circle.
"""

from __future__ import annotations

from badminima.errors import FitError
from badminima.fitting.auto import fit_auto
from badminima.fitting.baseline import fit_last_value
from badminima.fitting.data import CurveData
from badminima.fitting.models import get_model
from badminima.fitting.nonparametric import fit_nonparametric
from badminima.fitting.parametric import fit_parametric
from badminima.fitting.result import FitResult


def _parametric(spec, data, settings):
    settings = dict(settings)
    curve_prior = settings.pop("prior", None)
    prior = None if curve_prior is None else curve_prior.get(spec.name)
    return fit_parametric(spec, data, prior=prior, **settings)


def _free_form(spec, data, settings):
    if settings["loss"] != "wls":
        raise FitError(f"model {spec.name!r} supports only loss='wls'.")
    return fit_nonparametric(data, n_bootstrap=settings["n_bootstrap"], seed=settings["seed"],
                             eps_max=settings["eps_max"])


def _baseline(spec, data, settings):
    return fit_last_value(spec, data)


def _combination(spec, data, settings):
    if settings["loss"] != "wls":
        raise FitError(f"model {spec.name!r} supports only loss='wls'.")
    return fit_auto(data, settings, solve)


#: kind -> solver(spec, data, settings)
SOLVERS = {"density": _parametric, "law": _parametric, "free-form": _free_form,
           "baseline": _baseline, "combination": _combination}


def solve(name: str, data: CurveData, settings: dict) -> FitResult:
    """Fit model ``name`` to ``data`` with validated ``settings``."""
    spec = get_model(name)
    return SOLVERS[spec.kind](spec, data, settings)
