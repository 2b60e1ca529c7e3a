"""fitting layer: true-error density models and learning-curve laws fitted to measured curves.

docs/science.md section 3. Public API::

    from badminima.fitting import (LearningCurveFit, MODELS, MODEL_NAMES, get_model,
                                   compare_models, plan_sample_size, read_curve_csv,
                                   PredictiveDistribution)

Every fit has a predictive distribution of the measured mean error at any n
(:mod:`badminima.fitting.predictive`); ``auto`` (the default model) combines the others
(:mod:`badminima.fitting.auto`).
"""

from badminima.fitting.compare import ModelReport, compare_models
from badminima.fitting.data import CurveData, curve_data, read_curve_csv
from badminima.fitting.estimator import LearningCurveFit
from badminima.fitting.extrapolation import split_sizes
from badminima.fitting.models import MODEL_NAMES, MODELS, ModelSpec, get_model
from badminima.fitting.planning import Plan, plan_sample_size
from badminima.fitting.predictive import PredictiveDistribution

__all__ = ["CurveData", "LearningCurveFit", "MODELS", "MODEL_NAMES", "ModelReport", "ModelSpec",
           "Plan", "PredictiveDistribution", "compare_models", "curve_data", "get_model", "plan_sample_size",
           "read_curve_csv", "split_sizes"]
