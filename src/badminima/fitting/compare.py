"""Fit several models to one learning curve, score their extrapolation and rank them."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from badminima.errors import BadminimaError, FitError
from badminima.jsonio import to_jsonable
from badminima.fitting.data import CurveData, curve_data
from badminima.fitting.estimator import LearningCurveFit
from badminima.fitting.extrapolation import Holdout, extrapolate, split_sizes
from badminima.fitting.models import MODEL_NAMES
from badminima.fitting.predictive import DEFAULT_LEVEL

logger = logging.getLogger(__name__)


@dataclass
class ModelReport:
    """One model fitted to all the data, plus its held-out extrapolation test.

    ``estimator`` is ``None`` and ``failure`` says why when the model could not be fitted.
    ``extrapolation_fit`` is the fit on ``n <= holdout.fit_below`` and ``extrapolated`` its
    prediction at every size; ``extrapolated_interval`` is its central predictive interval
    of probability ``level`` there (:mod:`badminima.fitting.predictive`).
    """

    model: str
    sizes: np.ndarray
    estimator: LearningCurveFit | None = None
    extrapolation_error: float | None = None
    extrapolated: np.ndarray | None = None
    extrapolation_fit: LearningCurveFit | None = None
    holdout: Holdout | None = None
    failure: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    level: float = DEFAULT_LEVEL

    @property
    def extrapolated_interval(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self.extrapolation_fit is None:
            return None
        return self.extrapolation_fit.predict_interval(self.sizes, self.level)

    @property
    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """Predictive interval of the fit on all sizes, at every size."""
        return self.estimator.predict_interval(self.sizes, self.level)

    def to_dict(self) -> dict:
        """The JSON object of ``badminima fit --json`` (NaN and inf become null)."""
        out = {"model": self.model, "n": to_jsonable(self.sizes)}
        if self.estimator is None:
            return out | {"error": self.failure}
        est = self.estimator
        out |= {"params": to_jsonable(est.params_), "param_stderr": to_jsonable(est.stderr_),
                "aic": to_jsonable(est.aic_), "bic": to_jsonable(est.bic_),
                "chi2_red": to_jsonable(est.chi2_red_), "n_params": to_jsonable(est.n_params_),
                "extrapolation_error": to_jsonable(self.extrapolation_error),
                "fit_below": None if self.holdout is None else self.holdout.fit_below,
                "predicted": to_jsonable(est.predict(self.sizes)),
                "extrapolated": to_jsonable(self.extrapolated), "interval_level": self.level}
        interval = self.extrapolated_interval
        out["extrapolated_interval_low"] = to_jsonable(None if interval is None else interval[0])
        out["extrapolated_interval_high"] = to_jsonable(None if interval is None else interval[1])
        out["seconds"] = round(self.seconds, 3)
        penalty = est.result_.extras.get("prior_penalty")
        if penalty is not None:  # only with a prior: the output with prior="none" is unchanged
            out["prior_penalty"] = to_jsonable(penalty)
        extra = est.result_.extras.get("determined_eps_range")
        if extra is not None:
            out["determined_eps_range"] = to_jsonable(extra)
        notes = list(self.notes) + list(est.result_.extras.get("notes", []))
        if notes:
            out["notes"] = notes
        return out


def fit_one(model: str, data: CurveData, holdout: Holdout | None, params: dict,
            level: float = DEFAULT_LEVEL) -> ModelReport:
    """Fit ``model`` on all the data and, when ``holdout`` is given, on its fit sizes."""
    start = time.perf_counter()
    report = ModelReport(model=model, sizes=data.sizes, holdout=holdout, level=level)
    report.estimator = LearningCurveFit(model, **params).fit(data.n, data.errors)
    if holdout is not None:
        try:
            (report.extrapolation_error, report.extrapolation_fit,
             report.extrapolated) = extrapolate(report.estimator, data, holdout)
        except FitError as exc:
            report.notes.append(f"no extrapolation score: {exc}")
    report.seconds = time.perf_counter() - start
    return report


def compare_models(n, errors, models=MODEL_NAMES, fit_below: float | None = None,
                   strict: bool = True, level: float = DEFAULT_LEVEL,
                   **params) -> list[ModelReport]:
    """Fit every model in ``models``; rank by extrapolation error (then AIC).

    Parameters
    ----------
    n, errors : array_like
        Per-run sizes and test errors.
    models : sequence of str
    fit_below : float, optional
        Fit the extrapolation test on ``n <= fit_below``; default: hold out the largest
        quarter of the sizes (:func:`badminima.fitting.extrapolation.split_sizes`).
    strict : bool
        Raise the first :class:`FitError` (True), or record it in the report (False).
    level : float
        Probability of the predictive intervals in the reports.
    **params
        Passed to :class:`LearningCurveFit` (``loss``, ``n_starts``, ``n_bootstrap``, ...).
    """
    data = curve_data(n, errors)
    try:
        holdout = split_sizes(data.sizes, fit_below)
    except FitError:
        if fit_below is not None or data.sizes.size >= 3:
            raise
        holdout = None  # two sizes: fit both, nothing left to extrapolate to
    reports = []
    for model in models:
        try:
            reports.append(fit_one(model, data, holdout, params, level))
        except BadminimaError as exc:
            if strict:
                raise
            logger.warning("model %r not fitted: %s", model, exc)
            reports.append(ModelReport(model=model, sizes=data.sizes, failure=str(exc),
                                       level=level))
    return sorted(reports, key=_rank_key)


def _rank_key(report: ModelReport):
    if report.estimator is None:
        return (2, math.inf, math.inf)
    err = report.extrapolation_error
    bad = err is None or not math.isfinite(err)
    return (int(bad), math.inf if bad else err, report.estimator.aic_)
