"""badminima: how classifiers that reach zero training error generalize.

Layers (lower never import higher): theory, data, classifiers, sampling, training,
fitting, experiments, report, cli (docs/architecture.md: how they fit together, with a
glossary). See docs/science.md for the science.

The main names of every layer are available here, each imported on first use (so
``import badminima`` does not import torch)::

    import badminima as bm

    bm.Beta(2, 30).learning_curve([10, 100])          # theory (docs/science.md §2)
    bm.bad_fraction("perceptron:N=20", 0.1, 50)        # a density spec works as well
    bm.load_dataset("digits")                          # data
    config = bm.load_config("digits-mlp")              # a packaged config, or a TOML path
    bm.run_sweep(config, "digits.db")                  # experiments: also run_guess_check, run_gibbs
    fit = bm.LearningCurveFit("shifted-beta").fit(n, errors)
    bm.plan_sample_size(fit, 0.02)
"""

from badminima._lazy import attach
from badminima.errors import BadminimaError, ConfigError, DataError, FitError, InvalidParameterError

__version__ = "0.1.0"

_LAYER_EXPORTS = {
    "badminima.theory": (
        "Density", "Beta", "ShiftedBeta", "PowerLaw", "SphericalPerceptron", "RareGoodTail",
        "Empirical", "PiecewiseUniform", "Mixture", "Memorization", "parse_density_spec",
        "log_acceptance", "learning_curve", "error_std", "posterior", "bad_fraction",
        "bad_fraction_bound", "sample_size", "SampleSize"),
    "badminima.data": ("DATASETS", "Dataset", "load_dataset"),
    "badminima.classifiers": ("FUNCTION_SETS", "FunctionSet", "LeNet", "MLP", "Perceptron", "Population",
                              "make_function_set"),
    "badminima.sampling": ("sample_version_space", "sample_smc"),
    "badminima.training": ("NetworkSpec", "TrainSettings", "build_model", "train_to_zero"),
    "badminima.fitting": ("MODEL_NAMES", "LearningCurveFit", "compare_models", "curve_data",
                          "plan_sample_size", "read_curve_csv"),
    "badminima.experiments": (
        "load_config", "packaged_config_names", "SweepConfig", "GuessCheckConfig", "GibbsConfig",
        "run_sweep", "run_guess_check", "run_gibbs", "run_version_space", "VersionSpaceConfig",
        "write_guess_check_outputs", "write_gibbs_results",
        "learning_curve_table", "load_learning_curve"),
}

__getattr__, __dir__, _lazy_names = attach(
    __name__, {name: layer for layer, names in _LAYER_EXPORTS.items() for name in names})

__all__ = sorted([*_lazy_names, "BadminimaError", "ConfigError", "DataError", "FitError",
                  "InvalidParameterError", "__version__"])
