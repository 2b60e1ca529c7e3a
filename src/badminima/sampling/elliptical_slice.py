"""Batched elliptical slice sampling with an indicator likelihood (Murray, Adams & MacKay 2010).

For a standard Gaussian restricted to a set ``A`` (density proportional to
``N(z; 0, I) 1[z in A]``), one move of a point ``z in A`` is:

1. draw ``nu ~ N(0, I)`` and an angle ``t ~ U(0, 2 pi)``; bracket ``[t - 2 pi, t]``;
2. propose ``z' = z cos t + nu sin t``; if ``z' in A`` accept it;
3. otherwise shrink the bracket toward 0 (``lo = t`` if ``t < 0``, else ``hi = t``), draw
   ``t ~ U(lo, hi)`` and go to 2.

The move leaves the restricted Gaussian invariant and always terminates (``t -> 0`` gives
``z`` itself, which lies in ``A``). Here all ``P`` points move together: each try evaluates
the membership test only for the points still searching, in one batched call. An
:class:`Ellipse` supplies the test; it is told the ellipse (``begin``) and the accepted
angles (``commit``), so it may keep per-point caches along the ellipse (the first layer's
pre-activations of a Gaussian network are ``cos t XW + sin t XV``).

References
----------
I. Murray, R. P. Adams and D. J. C. MacKay, "Elliptical slice sampling", AISTATS 2010.
docs/science.md §4.6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch

__all__ = ["Ellipse", "SliceMove", "elliptical_slice"]

#: Shrinks after which a point keeps its position (only reached through rounding at t ~ 0).
MAX_SHRINKS = 200


class Ellipse(Protocol):
    """Membership test of points on the ellipses ``z cos t + nu sin t``."""

    def begin(self, z: dict, nu: dict) -> None:
        """Start a move of every point ``z[k]`` along its own direction ``nu[k]``."""

    def ok(self, index: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """Bool ``(len(index),)``: point ``index[i]`` at angle ``(cos[i], sin[i])`` lies in the set."""

    def commit(self, cos: torch.Tensor, sin: torch.Tensor) -> None:
        """Every point moved to its accepted angle (``cos = 1, sin = 0`` for those that stayed)."""


@dataclass(frozen=True)
class SliceMove:
    """One batched move: the accepted angles ``(P,)`` and the tries each point needed ``(P,)``."""

    angle: torch.Tensor
    tries: torch.Tensor


def elliptical_slice(z: dict, ellipse: Ellipse, generator: torch.Generator, normal=None) -> tuple[dict, SliceMove]:
    """Move every point of ``z`` (name -> ``(P, ...)`` tensors, all in the set) once.

    ``normal(shape)`` draws the directions ``nu`` (float32 standard normal tensors on the
    device of ``z``); by default ``torch.randn`` with ``generator``, which also draws the angles.
    Returns the moved points (new tensors) and the :class:`SliceMove`.
    """
    first = next(iter(z.values()))
    P, device = first.shape[0], first.device
    if normal is None:
        normal = lambda shape: torch.randn(shape, generator=generator, dtype=first.dtype).to(device)
    nu = {name: normal(v.shape) for name, v in z.items()}
    ellipse.begin(z, nu)
    t = torch.rand(P, generator=generator, dtype=torch.float64) * (2 * math.pi)
    lo, hi = t - 2 * math.pi, t.clone()
    final = torch.zeros(P, dtype=torch.float64)
    tries = torch.zeros(P, dtype=torch.int64)
    active = torch.arange(P)
    for _ in range(MAX_SHRINKS):
        if active.numel() == 0:
            break
        ta = t[active]
        good = ellipse.ok(active.to(device), torch.cos(ta).to(first.dtype).to(device),
                          torch.sin(ta).to(first.dtype).to(device)).cpu()
        tries[active] += 1
        final[active[good]] = ta[good]
        bad = active[~good]
        tb = t[bad]
        negative = tb < 0
        lo[bad] = torch.where(negative, tb, lo[bad])
        hi[bad] = torch.where(negative, hi[bad], tb)
        t[bad] = lo[bad] + torch.rand(bad.numel(), generator=generator, dtype=torch.float64) * (hi[bad] - lo[bad])
        active = bad
    cos = torch.cos(final).to(first.dtype).to(device)
    sin = torch.sin(final).to(first.dtype).to(device)
    ellipse.commit(cos, sin)
    moved = {}
    for name, v in z.items():
        shape = (P,) + (1,) * (v.ndim - 1)
        moved[name] = torch.addcmul(v * cos.reshape(shape), nu[name], sin.reshape(shape))
    return moved, SliceMove(final, tries)
