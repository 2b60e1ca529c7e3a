"""Optional data augmentation (off by default): random crops and horizontal flips."""

from __future__ import annotations

import torch


def crop_flip(x: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Randomly shifted crops (zero padding ``padding``) and horizontal flips of ``(B, C, H, W)``.

    The random draws come from the CPU ``generator``, so augmentation is reproducible and
    device-independent.
    """
    b, _, h, w = x.shape
    shifts = torch.randint(-padding, padding + 1, (b, 2), generator=generator)
    flips = torch.rand(b, generator=generator) < 0.5
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    rows = (torch.arange(h)[None, :] + padding + shifts[:, :1]).to(x.device)
    cols = (torch.arange(w)[None, :] + padding + shifts[:, 1:]).to(x.device)
    cols = torch.where(flips[:, None].to(x.device), cols.flip(1), cols)
    index = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()
