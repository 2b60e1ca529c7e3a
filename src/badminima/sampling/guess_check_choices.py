"""The choices of a Guess & Check chunk, as names and one validated record (no torch).

A config reads these names to validate its ``[sampling]`` table without importing torch;
:class:`ChunkSettings` is what :func:`badminima.sampling.guess_check.draw_chunk` runs with,
validated once when it is made (a plan makes it once per run; every chunk reuses it).
"""

from __future__ import annotations

from dataclasses import dataclass

from badminima.validation import check_choice, check_int, check_real

#: How each classifier's true error is obtained (keys of ``guess_check.ERROR_SOURCES``).
ERRORS = ("test", "exact-linear")
#: How each chunk chooses the classifiers whose true error it computes.
EVALUATE = ("all", "survivors")
#: How the members are drawn: the whole prior, or the exact Gaussian subspace of the first layer.
SAMPLERS = ("direct", "subspace")

__all__ = ["ERRORS", "EVALUATE", "SAMPLERS", "ChunkSettings"]


@dataclass(frozen=True)
class ChunkSettings:
    """Everything a chunk needs besides its index and size, checked on construction.

    Attributes
    ----------
    seed : int
        Fixes every chunk's classifiers and subsample (with the chunk index).
    n_classes : int
    error : {"test", "exact-linear"}
    max_bytes : int
        Bound on the transient memory of the batched forward.
    evaluate : {"all", "survivors"}
    n_min : int
        Survival threshold of ``evaluate="survivors"`` (0 for ``all``).
    subsample : float
        Rate in (0, 1] of the uniform subsample (1 for ``all``).
    sampler : {"direct", "subspace"}
    """

    seed: int
    n_classes: int
    error: str = "test"
    max_bytes: int = 256 * 2**20
    evaluate: str = "all"
    n_min: int = 0
    subsample: float = 1.0
    sampler: str = "direct"

    def __post_init__(self) -> None:
        owner = "guess_check_chunk"
        check_choice("error", self.error, owner, ERRORS)
        check_choice("evaluate", self.evaluate, owner, EVALUATE)
        check_choice("sampler", self.sampler, owner, SAMPLERS)
        object.__setattr__(self, "n_min", check_int("n_min", self.n_min, owner, 0, None))
        object.__setattr__(self, "subsample", check_real("subsample", self.subsample, owner, 0, 1, "right"))
