"""badminima: how classifiers that reach zero training error generalize.

Layers (lower never import higher): theory, data, classifiers, sampling, training,
fitting, experiments, report, cli. See docs/science.md for the science.
"""

__version__ = "0.1.0"
