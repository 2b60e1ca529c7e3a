"""Datasets: synthetic separable tasks, digits, MNIST, Fashion-MNIST, CIFAR-10, image folders.

The single entry point is :func:`load_dataset`; every loader returns a :class:`Dataset`
(train/test arrays, ``class_names``, ``source``), with :meth:`Dataset.normalized` and
nested class-stratified training subsets :meth:`Dataset.subset_indices`.
"""

from badminima.data.dataset import Dataset
from badminima.data.registry import DATASETS, dataset_options, load_dataset

__all__ = ["DATASETS", "Dataset", "dataset_options", "load_dataset"]
