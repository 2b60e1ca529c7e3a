"""experiments layer: configs, runners, the results store and executors.

- :func:`load_config`: any experiment config, from a TOML path or a packaged config name.
- :func:`run_sweep` (networks trained to zero error over n and seeds, into SQLite),
  :func:`run_guess_check` (random classifiers kept when they fit), :func:`run_gibbs`
  (exact version-space sampling of perceptrons).
- :func:`learning_curve_table`, :func:`load_learning_curve`: a sweep's results.
- :func:`get_executor`: serial, local process pool or Ray.
- :class:`Runner`, :func:`run`: the one runner contract (plan, tasks, worker, merge;
  :mod:`badminima.experiments.runner`), with :data:`SWEEP`, :data:`GUESS_CHECK`, :data:`GIBBS`;
  :func:`run_key`, the one run-key function.

Names are imported on first use (the runners import torch).
"""

from badminima._lazy import attach

_EXPORTS = {
    "load_config": "badminima.experiments.configs",
    "CONFIG_KINDS": "badminima.experiments.configs",
    "packaged_config_names": "badminima.experiments.packaged_configs",
    "resolve_config": "badminima.experiments.packaged_configs",
    "config_to_dict": "badminima.experiments.configfile",
    "config_hash": "badminima.experiments.configfile",
    "DataSpec": "badminima.experiments.data_spec",
    "SweepConfig": "badminima.experiments.sweep_config",
    "load_sweep_config": "badminima.experiments.sweep_config",
    "GuessCheckConfig": "badminima.experiments.guess_check_config",
    "FunctionSetSpec": "badminima.experiments.guess_check_config",
    "load_guess_check_config": "badminima.experiments.guess_check_config",
    "GibbsConfig": "badminima.experiments.gibbs_config",
    "load_gibbs_config": "badminima.experiments.gibbs_config",
    "run_sweep": "badminima.experiments.sweep",
    "SweepSummary": "badminima.experiments.sweep",
    "run_guess_check": "badminima.experiments.guess_check",
    "GuessCheckResult": "badminima.experiments.guess_check",
    "write_guess_check_outputs": "badminima.experiments.outputs",
    "run_gibbs": "badminima.experiments.gibbs",
    "run_version_space": "badminima.experiments.version_space",
    "VersionSpaceConfig": "badminima.experiments.version_space_config",
    "load_version_space_config": "badminima.experiments.version_space_config",
    "write_gibbs_results": "badminima.experiments.gibbs",
    "compare_with_sgd": "badminima.experiments.sgd_comparison",
    "learning_curve_table": "badminima.experiments.tables",
    "load_learning_curve": "badminima.experiments.tables",
    "read_runs": "badminima.experiments.runs_db",
    "LearningCurveTable": "badminima.experiments.tables",
    "Runner": "badminima.experiments.runner",
    "RunInfo": "badminima.experiments.runner",
    "run": "badminima.experiments.runner",
    "run_plan": "badminima.experiments.runner",
    "run_key": "badminima.experiments.keys",
    "SWEEP": "badminima.experiments.sweep",
    "SweepPlan": "badminima.experiments.sweep",
    "GUESS_CHECK": "badminima.experiments.guess_check",
    "GuessCheckPlan": "badminima.experiments.guess_check",
    "GIBBS": "badminima.experiments.gibbs",
    "GibbsPlan": "badminima.experiments.gibbs",
    "GibbsResult": "badminima.experiments.gibbs",
    "get_executor": "badminima.experiments.executors",
    "EXECUTORS": "badminima.experiments.executors",
}

__getattr__, __dir__, __all__ = attach(__name__, _EXPORTS)
