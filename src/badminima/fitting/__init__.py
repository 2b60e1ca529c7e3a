"""fitting layer: true-error density models and learning-curve laws fitted to measured curves.

docs/science.md section 3. Public API::

    from badminima.fitting import (LearningCurveFit, MODELS, MODEL_NAMES, get_model,
                                   compare_models, plan_sample_size, read_curve_csv,
                                   PredictiveDistribution)

Every fit has a predictive distribution of the measured mean error at any n
(:mod:`badminima.fitting.predictive`); ``auto`` (the default model) combines the others
(:mod:`badminima.fitting.auto`); by default every parametric fit is a posterior under a prior
over curve shapes learned from many learning curves (:mod:`badminima.fitting.prior`,
``prior="none"`` turns it off).

Names are imported on first use, so reading the model registry (``MODEL_NAMES``, as the CLI
does to build its options) does not import the optimizers.
"""

from badminima._lazy import attach

_EXPORTS = {
    "ModelReport": "badminima.fitting.compare", "compare_models": "badminima.fitting.compare",
    "CurveData": "badminima.fitting.data", "curve_data": "badminima.fitting.data",
    "read_curve_csv": "badminima.fitting.data",
    "LOSSES": "badminima.fitting.estimator", "LearningCurveFit": "badminima.fitting.estimator",
    "split_sizes": "badminima.fitting.extrapolation",
    "MODEL_NAMES": "badminima.fitting.models", "MODELS": "badminima.fitting.models",
    "ModelSpec": "badminima.fitting.models", "get_model": "badminima.fitting.models",
    "Plan": "badminima.fitting.planning", "plan_sample_size": "badminima.fitting.planning",
    "PredictiveDistribution": "badminima.fitting.predictive",
    "CurvePrior": "badminima.fitting.prior", "load_prior": "badminima.fitting.prior",
}

__getattr__, __dir__, __all__ = attach(__name__, _EXPORTS)
