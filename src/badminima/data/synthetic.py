"""Synthetic tasks whose classes are separable by construction (docs/science.md section 4.1).

Inputs are i.i.d. ``gaussian`` (:math:`N(0, I_d)`) or ``uniform`` (on
:math:`[-\\sqrt 3, \\sqrt 3]^d`, also zero mean and unit variance); a teacher labels them:

- ``synthetic-linear``: a linear rule without bias. For 2 classes
  :math:`y = [x \\cdot w > 0]` with :math:`w` uniform on the unit sphere, so with
  isotropic Gaussian inputs a student perceptron at angle :math:`\\theta` from ``w``
  has true error :math:`\\theta / \\pi` exactly (the spherical perceptron of section 2).
  For :math:`C > 2`, :math:`y = \\arg\\max_c (x W)_c` with Gaussian :math:`W` (d x C).
- ``synthetic-mlp``: a random tanh MLP, :math:`y = \\arg\\max_c f(x)_c`, weights
  :math:`N(0, 1/\\text{fan-in})`, hidden biases :math:`N(0, 0.1^2)`; the output bias
  centres the logits on a reference sample so that no class is nearly empty.

``label_noise = p`` replaces each label, with probability ``p``, by a uniformly drawn
*other* class (train and test alike), so the Bayes error is ``p`` and the classes
overlap (section 3). The clean labels are kept as ``y_train_clean``/``y_test_clean``.

Independent streams (teacher, train inputs, test inputs, noise) are spawned from
``seed``: growing ``n_train`` appends points and leaves the first ones unchanged.
"""

from __future__ import annotations

import numpy as np

from badminima.data.dataset import VECTOR, Dataset
from badminima.errors import InvalidParameterError
from badminima.validation import check_choice, check_int, check_real

INPUT_DISTS = ("gaussian", "uniform")
_REFERENCE_SIZE = 4096


def _draw_inputs(rng: np.random.Generator, n: int, dim: int, input_dist: str) -> np.ndarray:
    if input_dist == "gaussian":
        return rng.standard_normal((n, dim), dtype=np.float32)
    return (rng.random((n, dim), dtype=np.float32) * 2.0 - 1.0) * np.float32(np.sqrt(3.0))


def linear_teacher(rng: np.random.Generator, dim: int, n_classes: int) -> dict:
    """Draw a bias-free linear teacher: ``{"w": (dim,)}`` unit vector, or ``{"W": (dim, C)}``."""
    if n_classes == 2:
        w = rng.standard_normal(dim)
        return {"w": w / np.linalg.norm(w)}
    return {"W": rng.standard_normal((dim, n_classes)) / np.sqrt(dim)}


def linear_labels(teacher: dict, x: np.ndarray) -> np.ndarray:
    """Labels of the linear teacher: ``x @ w > 0`` (2 classes) or ``argmax(x @ W)``."""
    if "w" in teacher:
        return (x.astype(np.float64) @ teacher["w"] > 0).astype(np.int64)
    return np.argmax(x.astype(np.float64) @ teacher["W"], axis=1).astype(np.int64)


def mlp_logits(teacher: dict, x: np.ndarray) -> np.ndarray:
    """Output logits of the MLP teacher ``{"W0", "b0", "W1", "b1", ...}`` (tanh hidden units)."""
    h = x.astype(np.float64)
    n_layers = len(teacher) // 2
    for k in range(n_layers):
        h = h @ teacher[f"W{k}"] + teacher[f"b{k}"]
        if k < n_layers - 1:
            h = np.tanh(h)
    return h


def mlp_teacher(rng: np.random.Generator, dim: int, n_classes: int, hidden: tuple,
                reference: np.ndarray) -> dict:
    """Draw a random tanh MLP teacher; the output bias centres the logits on ``reference``."""
    widths = [dim, *hidden, n_classes]
    teacher = {}
    for k, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        teacher[f"W{k}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        teacher[f"b{k}"] = 0.1 * rng.standard_normal(fan_out)
    last = len(widths) - 2
    teacher[f"b{last}"] = np.zeros(n_classes)
    teacher[f"b{last}"] = -mlp_logits(teacher, reference).mean(axis=0)
    return teacher


def mlp_labels(teacher: dict, x: np.ndarray) -> np.ndarray:
    """Labels of the MLP teacher: ``argmax`` of its logits."""
    return np.argmax(mlp_logits(teacher, x), axis=1).astype(np.int64)


def _add_label_noise(rng: np.random.Generator, y: np.ndarray, p: float, n_classes: int) -> np.ndarray:
    flip = rng.random(len(y)) < p
    shift = rng.integers(1, n_classes, size=len(y))  # a uniformly drawn other class
    return np.where(flip, (y + shift) % n_classes, y).astype(np.int64)


def _check_options(owner, dim, n_classes, n_train, n_test, label_noise, input_dist, seed):
    return dict(
        dim=check_int("dim", dim, owner, 1, None),
        n_classes=check_int("n_classes", n_classes, owner, 2, None),
        n_train=check_int("n_train", n_train, owner, 1, None),
        n_test=check_int("n_test", n_test, owner, 1, None),
        label_noise=check_real("label_noise", label_noise, owner, 0.0, 1.0, "left"),
        input_dist=check_choice("input_dist", input_dist, owner, INPUT_DISTS),
        seed=check_int("seed", seed, owner, 0, None),
    )


def _build(name: str, opts: dict, draw_teacher, label) -> Dataset:
    teacher_ss, train_ss, test_ss, noise_ss = np.random.SeedSequence(opts["seed"]).spawn(4)
    x_train = _draw_inputs(np.random.default_rng(train_ss), opts["n_train"], opts["dim"], opts["input_dist"])
    x_test = _draw_inputs(np.random.default_rng(test_ss), opts["n_test"], opts["dim"], opts["input_dist"])
    teacher = draw_teacher(np.random.default_rng(teacher_ss))
    clean_train, clean_test = label(teacher, x_train), label(teacher, x_test)
    noise_rng = np.random.default_rng(noise_ss)
    p, c = opts["label_noise"], opts["n_classes"]
    y_train = _add_label_noise(noise_rng, clean_train, p, c) if p > 0 else clean_train
    y_test = _add_label_noise(noise_rng, clean_test, p, c) if p > 0 else clean_test
    source = {"path": None, "sha256": None, "generator": name, "options": dict(opts)}
    return Dataset(name=name, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                   class_names=[str(k) for k in range(c)], source=source, kind=VECTOR,
                   teacher=teacher, y_train_clean=clean_train, y_test_clean=clean_test)


def load_synthetic_linear(data_dir=None, seed: int = 0, dim: int = 20, n_classes: int = 2,
                          n_train: int = 1000, n_test: int = 10000, label_noise: float = 0.0,
                          input_dist: str = "gaussian") -> Dataset:
    """Inputs labelled by a bias-free linear teacher (see the module docstring).

    ``data_dir`` is ignored (the data are generated). Deterministic from ``seed``.
    ``ds.teacher`` is ``{"w": unit vector}`` for 2 classes, ``{"W": (dim, C)}`` otherwise.
    """
    opts = _check_options("synthetic-linear", dim, n_classes, n_train, n_test, label_noise,
                          input_dist, seed)
    return _build("synthetic-linear", opts,
                  lambda rng: linear_teacher(rng, opts["dim"], opts["n_classes"]), linear_labels)


def load_synthetic_mlp(data_dir=None, seed: int = 0, dim: int = 20, n_classes: int = 2,
                       n_train: int = 1000, n_test: int = 10000, label_noise: float = 0.0,
                       input_dist: str = "gaussian", teacher_hidden=(32,)) -> Dataset:
    """Inputs labelled by a random tanh-MLP teacher (see the module docstring).

    ``teacher_hidden`` lists the hidden widths; ``ds.teacher`` holds ``W0, b0, W1, b1, ...``.
    """
    opts = _check_options("synthetic-mlp", dim, n_classes, n_train, n_test, label_noise,
                          input_dist, seed)
    if isinstance(teacher_hidden, (int, np.integer)):
        teacher_hidden = (teacher_hidden,)
    if not isinstance(teacher_hidden, (tuple, list)) or not teacher_hidden:
        raise InvalidParameterError(
            "The 'teacher_hidden' parameter of synthetic-mlp must be a non-empty list of "
            f"positive ints. Got {teacher_hidden!r} instead.")
    hidden = tuple(check_int("teacher_hidden", h, "synthetic-mlp", 1, None) for h in teacher_hidden)
    opts["teacher_hidden"] = list(hidden)

    def draw(rng):
        reference = _draw_inputs(rng, _REFERENCE_SIZE, opts["dim"], opts["input_dist"])
        return mlp_teacher(rng, opts["dim"], opts["n_classes"], hidden, reference)

    return _build("synthetic-mlp", opts, draw, mlp_labels)
