"""theory layer: true-error densities D(eps) and the section-2 machinery of docs/science.md.

Pure numpy/scipy. Densities (scipy.stats style) and functions of any density:

>>> from badminima.theory import Beta, learning_curve
>>> float(learning_curve(Beta(2, 30), 100))  # a / (a + b + n)
0.015151515151515152
"""

from badminima.theory.base import Density, Tilted
from badminima.theory.bounds import SampleSize, bad_fraction_bound, log_bad_fraction_bound, sample_size
from badminima.theory.composite import Memorization, Mixture
from badminima.theory.empirical import Empirical
from badminima.theory.piecewise import PiecewiseUniform
from badminima.theory.families import Beta, PowerLaw, RareGoodTail, ShiftedBeta, SphericalPerceptron
from badminima.theory.quantities import (
    bad_fraction,
    error_std,
    learning_curve,
    log_bad_fraction,
    log_acceptance,
    posterior,
)
from badminima.theory.specs import parse_density_spec

__all__ = [
    "Density", "Tilted", "Beta", "ShiftedBeta", "PowerLaw", "SphericalPerceptron", "RareGoodTail",
    "Empirical", "PiecewiseUniform", "Mixture", "Memorization",
    "log_acceptance", "learning_curve", "error_std", "posterior", "bad_fraction",
    "log_bad_fraction", "bad_fraction_bound", "log_bad_fraction_bound", "sample_size", "SampleSize", "parse_density_spec",
]
