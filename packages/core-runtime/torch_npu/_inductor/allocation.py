"""Allocation of a compiled graph's buffers on npu, from torch_npu's caching allocator."""

from typing import Sequence

import torch


def empty_strided_npu(
    size: Sequence[int], stride: Sequence[int], dtype: torch.dtype, device_index: int
) -> torch.Tensor:
    """An uninitialized npu tensor of `size` and `stride` on device `device_index`."""
    return torch.empty_strided(size, stride, dtype=dtype, device=torch.device("npu", device_index))
