"""The :class:`Dataset` container: train/test arrays, class names, source metadata.

Every loader returns one. Images are kept as ``uint8`` arrays ``(N, H, W)`` (grayscale)
or ``(N, H, W, 3)`` (RGB, NHWC) until :meth:`Dataset.normalized` is called; synthetic
feature vectors are ``float32`` ``(N, dim)``. Labels are ``int64`` in ``0 .. C-1``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from badminima.errors import InvalidParameterError
from badminima.validation import check_int

#: ``kind`` of a dataset whose inputs are images (standardized by :meth:`Dataset.normalized`).
IMAGE = "image"
#: ``kind`` of a dataset whose inputs are feature vectors already standard by construction.
VECTOR = "vector"


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A classification dataset with a fixed train/test split.

    Attributes
    ----------
    name : str
        Registry name (``"mnist"``, ``"cifar10"``, ...).
    x_train, y_train, x_test, y_test : numpy.ndarray
        Inputs and ``int64`` labels in ``0 .. n_classes - 1``.
    class_names : list of str
        ``class_names[k]`` names label ``k``.
    source : dict
        Where the data came from: ``"path"`` and ``"sha256"`` (``None`` for generated
        data), plus loader-specific keys (files, generator options, cache file).
    kind : {"image", "vector"}
        Images are standardized by :meth:`normalized`; vectors are returned unchanged.
    teacher : dict of numpy.ndarray or None
        Parameters of the labelling rule of synthetic data (docs/science.md section 4.1).
    y_train_clean, y_test_clean : numpy.ndarray or None
        Teacher labels before label noise (synthetic data only).
    normalization : dict or None
        ``{"mean": ..., "std": ...}`` applied by :meth:`normalized` (``None`` for raw data).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: dict
    kind: str = IMAGE
    teacher: dict | None = None
    y_train_clean: np.ndarray | None = None
    y_test_clean: np.ndarray | None = None
    normalization: dict | None = None

    @property
    def n_classes(self) -> int:
        """Number of classes ``C``."""
        return len(self.class_names)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, train={self.x_train.shape}, test={self.x_test.shape}, "
                f"classes={self.class_names!r})")

    # ------------------------------------------------------------------ classes
    def select_classes(self, classes: Sequence) -> Dataset:
        """Keep only ``classes`` (indices or names) and relabel them ``0 .. k-1`` in that order.

        Parameters
        ----------
        classes : sequence of int or str
            For example ``["cat", "dog"]`` or ``[3, 5]``; at least two, no repeats.

        Returns
        -------
        Dataset
            A new dataset; ``class_names`` follows the given order.
        """
        index = _class_indices(classes, self.class_names, self.name)
        remap = np.full(self.n_classes, -1, dtype=np.int64)
        remap[index] = np.arange(len(index))

        def pick(x, y, y_clean):
            keep = remap[y] >= 0
            clean = None if y_clean is None else y_clean[keep]
            return x[keep], remap[y[keep]], clean

        x_tr, y_tr, c_tr = pick(self.x_train, self.y_train, self.y_train_clean)
        x_te, y_te, c_te = pick(self.x_test, self.y_test, self.y_test_clean)
        if c_tr is not None:  # noisy labels may fall outside the kept classes
            c_tr = np.where(remap[c_tr] >= 0, remap[c_tr], -1)
            c_te = np.where(remap[c_te] >= 0, remap[c_te], -1)
        source = dict(self.source, classes=[self.class_names[i] for i in index])
        return dataclasses.replace(
            self, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
            class_names=[self.class_names[i] for i in index], source=source,
            y_train_clean=c_tr, y_test_clean=c_te)

    # ------------------------------------------------------------ normalization
    def normalized(self) -> Dataset:
        """Return a ``float32`` copy standardized with training-set statistics.

        Notes
        -----
        .. math:: x' = (x - \\mu) / \\sigma

        with :math:`\\mu, \\sigma` the mean and standard deviation over the training set,
        per channel for RGB images (last axis, NHWC kept) and global for grayscale.
        Test inputs use the training statistics. A constant input (:math:`\\sigma = 0`) is
        only centred. Vector datasets (synthetic) are already standard by construction
        and their teacher reads the raw coordinates, so they are only cast to ``float32``.
        """
        if self.normalization is not None:
            return self
        if self.kind == VECTOR:
            stats = {"mean": np.float32(0.0), "std": np.float32(1.0)}
            return dataclasses.replace(
                self, x_train=self.x_train.astype(np.float32, copy=False),
                x_test=self.x_test.astype(np.float32, copy=False), normalization=stats)
        mean, std = _image_stats(self.x_train)
        std = np.where(std > 0, std, 1.0)

        scale = (1.0 / std).astype(np.float32)
        shift = (-mean / std).astype(np.float32)

        def apply(x):  # two passes over a float32 output: x * (1/sigma) + (-mu/sigma)
            out = np.multiply(x, scale, dtype=np.float32)
            out += shift
            return out

        stats = {"mean": mean.astype(np.float32), "std": std.astype(np.float32)}
        return dataclasses.replace(self, x_train=apply(self.x_train), x_test=apply(self.x_test),
                                   normalization=stats)

    # ----------------------------------------------------------------- subsets
    def subset_indices(self, n: int, seed: int = 0) -> np.ndarray:
        """Indices of a class-stratified training subset of size ``n``, nested in ``n``.

        Parameters
        ----------
        n : int
            Subset size, ``0 <= n <= len(y_train)``.
        seed : int
            Fixes the ordering; the same ``seed`` gives nested subsets:
            ``subset_indices(n1, s)`` is a prefix of ``subset_indices(n2, s)`` for ``n1 < n2``.

        Returns
        -------
        numpy.ndarray of int64
            The first ``n`` entries of a seeded stratified ordering of the training set.

        Notes
        -----
        Each class ``c`` (with ``n_c`` training points) is shuffled; its ``r``-th point
        gets the key :math:`(r + u_c) / n_c` with :math:`u_c \\sim U[0, 1)`, and the points
        are ordered by key. A prefix of length ``n`` then holds ``k_c`` points of class
        ``c`` with :math:`|k_c - n p_c| < 1 + p_c (C - 2)`, :math:`p_c = n_c / N`
        (:math:`k_c = t n_c + a_c` with :math:`a_c \\in (-1, 1]` at the key threshold
        :math:`t`, and :math:`\\sum_c k_c = n`): within one point of the exact
        proportion for two classes, under two for balanced classes, as learning curves
        on nested subsets
        need (docs/science.md section 4.3).
        """
        total = len(self.y_train)
        n = check_int("n", n, "subset_indices", 0, None)
        if n > total:
            raise InvalidParameterError(
                f"The 'n' parameter of subset_indices must be an integer in [0, {total}] "
                f"(the training set of {self.name} has {total} samples). Got {n} instead.")
        seed = check_int("seed", seed, "subset_indices", 0, None)
        return stratified_order(self.y_train, seed)[:n]

    def subset(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(x, y)`` of the training subset :meth:`subset_indices` selects."""
        idx = self.subset_indices(n, seed)
        return self.x_train[idx], self.y_train[idx]


def stratified_order(labels: np.ndarray, seed: int) -> np.ndarray:
    """Seeded ordering of ``range(len(labels))`` whose every prefix is class-stratified.

    See :meth:`Dataset.subset_indices` for the construction.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keys = np.empty(len(labels), dtype=np.float64)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        perm = rng.permutation(members)
        keys[perm] = (np.arange(len(perm)) + rng.random()) / len(perm)
    tiebreak = rng.permutation(len(labels))
    return np.lexsort((tiebreak, keys)).astype(np.int64)


def _image_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training mean and std, per channel for ``(N, H, W, 3)``, global otherwise (float64).

    ``uint8`` images are summarized exactly through value histograms (fast, no float copy).
    """
    per_channel = x.ndim == 4
    columns = x.reshape(-1, x.shape[-1]) if per_channel else x.reshape(-1, 1)
    mean, std = [], []
    for c in range(columns.shape[1]):
        if x.dtype == np.uint8:
            counts = np.bincount(columns[:, c], minlength=256).astype(np.float64)
            values = np.arange(256, dtype=np.float64)
            m = counts @ values / counts.sum()
            v = counts @ np.square(values - m) / counts.sum()
        else:
            col = columns[:, c].astype(np.float64)
            m, v = col.mean(), col.var()
        mean.append(m)
        std.append(np.sqrt(v))
    if not per_channel:
        return np.asarray(mean[0]), np.asarray(std[0])
    return np.asarray(mean), np.asarray(std)


def _class_indices(classes: Sequence, class_names: list, owner: str) -> list[int]:
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence):
        raise InvalidParameterError(
            f"The 'classes' parameter of {owner} must be a list of class indices or names. "
            f"Got {classes!r} instead.")
    if len(classes) < 2:
        raise InvalidParameterError(
            f"The 'classes' parameter of {owner} must name at least 2 classes. Got {list(classes)!r} instead.")
    index = []
    for item in classes:
        if isinstance(item, str):
            if item not in class_names:
                raise InvalidParameterError(
                    f"The 'classes' parameter of {owner}: unknown class {item!r}; "
                    f"known classes are {', '.join(class_names)}.")
            index.append(class_names.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= item < len(class_names):
                raise InvalidParameterError(
                    f"The 'classes' parameter of {owner}: class index {item} is outside "
                    f"[0, {len(class_names) - 1}].")
            index.append(int(item))
        else:
            raise InvalidParameterError(
                f"The 'classes' parameter of {owner} must hold ints or str. Got {item!r} instead.")
    if len(set(index)) != len(index):
        raise InvalidParameterError(
            f"The 'classes' parameter of {owner} repeats a class. Got {list(classes)!r} instead.")
    return index
