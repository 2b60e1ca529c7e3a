"""sampling layer: random classifiers with zero training error (docs/science.md §4).

- Guess & Check (:mod:`badminima.sampling.guess_check`): draw a population from the prior,
  keep the members that fit nested training sets; :func:`measure_guess_check` and
  :func:`predict_guess_check` turn the survivors into measured and predicted series.
- Version-space sampling of perceptrons (:mod:`badminima.sampling.version_space`):
  :func:`sample_version_space` draws zero-training-error perceptrons uniformly (reflective
  HMC or hit-and-run), with :func:`split_rhat` and :func:`effective_sample_size` (ArviZ).
- Version-space SMC of any network (:mod:`badminima.sampling.version_space_smc`):
  :func:`sample_smc` (subset simulation with elliptical slice moves, log Z_n and test errors).

Names are imported on first use (Guess & Check imports torch; version-space sampling does not).
"""

from badminima._lazy import attach

_EXPORTS = {
    "GuessCheckData": "badminima.sampling.guess_check",
    "guess_check_chunk": "badminima.sampling.guess_check",
    "training_orderings": "badminima.sampling.guess_check",
    "merge_chunks": "badminima.sampling.guess_check",
    "measure_guess_check": "badminima.sampling.guess_check_stats",
    "wilson_interval": "badminima.sampling.guess_check_stats",
    "predict_guess_check": "badminima.sampling.guess_check_theory",
    "make_density": "badminima.sampling.guess_check_theory",
    "METHODS": "badminima.sampling.version_space",
    "VersionSpaceSample": "badminima.sampling.version_space",
    "sample_version_space": "badminima.sampling.version_space",
    "angle_error": "badminima.sampling.version_space",
    "constraint_matrix": "badminima.sampling.version_space",
    "sample_smc": "badminima.sampling.version_space_smc",
    "SMCResult": "badminima.sampling.version_space_smc",
    "SMCState": "badminima.sampling.version_space_smc",
    "split_rhat": "badminima.sampling.version_space_diagnostics",
    "tail_ess": "badminima.sampling.version_space_diagnostics",
    "effective_sample_size": "badminima.sampling.version_space_diagnostics",
    "mean_stderr": "badminima.sampling.version_space_diagnostics",
}

__getattr__, __dir__, __all__ = attach(__name__, _EXPORTS)
