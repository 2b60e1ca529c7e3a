"""scikit-learn's bundled digits (8 x 8, 10 classes, 1797 images): real data, no files.

Pixels are the dataset's integer intensities 0..16, stored as ``uint8`` ``(N, 8, 8)``.
The split is fixed (it does not depend on the ``seed`` of :func:`load_dataset`): each
class is shuffled with seed 0 and its first ``round(test_fraction * n_c)`` images form
the test set.
"""

from __future__ import annotations

import numpy as np

from badminima.data.dataset import Dataset
from badminima.validation import check_real

_SPLIT_SEED = 0


def load_digits_dataset(data_dir=None, seed: int = 0, test_fraction: float = 0.3) -> Dataset:
    """Load the 8 x 8 digits with a fixed stratified train/test split.

    Parameters
    ----------
    data_dir : ignored
    seed : ignored (the split is fixed so that test errors are comparable across seeds)
    test_fraction : float in (0, 1)
        Fraction of each class held out for the test set.
    """
    from sklearn.datasets import load_digits

    test_fraction = check_real("test_fraction", test_fraction, "digits", 0.0, 1.0, "neither")
    bunch = load_digits()
    images = bunch.images.astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    rng = np.random.default_rng(_SPLIT_SEED)
    is_test = np.zeros(len(labels), dtype=bool)
    for c in range(10):
        members = rng.permutation(np.flatnonzero(labels == c))
        is_test[members[: int(round(test_fraction * len(members)))]] = True
    source = {"path": None, "sha256": None, "generator": "sklearn.datasets.load_digits",
              "options": {"test_fraction": test_fraction}}
    return Dataset(name="digits", x_train=images[~is_test], y_train=labels[~is_test],
                   x_test=images[is_test], y_test=labels[is_test],
                   class_names=[str(k) for k in range(10)], source=source)
