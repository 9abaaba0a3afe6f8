"""The attention layouts of CANN's fused attention operators (BNSD, BSND, BSH, SBH), to and from
(batch, heads, sequence, head_dim): shared by the attention tests' CPU references."""

import torch


def to_bnsd(t: torch.Tensor, layout: str, heads: int) -> torch.Tensor:
    if layout == "BNSD":
        return t
    if layout == "BSND":
        return t.permute(0, 2, 1, 3)
    if layout == "BSH":
        return t.unflatten(2, (heads, -1)).permute(0, 2, 1, 3)
    return t.unflatten(2, (heads, -1)).permute(1, 2, 0, 3)  # SBH


def from_bnsd(t: torch.Tensor, layout: str) -> torch.Tensor:
    if layout == "BNSD":
        return t
    if layout == "BSND":
        return t.permute(0, 2, 1, 3)
    if layout == "BSH":
        return t.permute(0, 2, 1, 3).flatten(2)
    return t.permute(2, 0, 1, 3).flatten(2)  # SBH


def in_layout(bnsd: torch.Tensor, layout: str) -> torch.Tensor:
    return from_bnsd(bnsd, layout).contiguous()
