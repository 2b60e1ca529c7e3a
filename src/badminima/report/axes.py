"""The one convention of every plot function here: draw on ``ax`` when given, else on a new figure."""

from __future__ import annotations


def figure_and_axes(ax=None, figsize=(6.4, 4.8)):
    """``(figure, ax)``: the given axes with their figure, or a new single-panel figure."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)
