"""npu_dynamic_quant: its shapes for tracing (an int8 tensor like the input and a float
scale per token). The reference defines no backward for it."""

from __future__ import annotations

import torch


@torch.library.register_fake("npu::npu_dynamic_quant")
def _dynamic_quant_shapes(input, *, smooth_scales=None, group_index=None, dst_type=None, quant_mode="pertoken",
                          dst_type_max=0.0):  # fmt: skip
    return input.new_empty(input.shape, dtype=torch.int8), input.new_empty(input.shape[:-1], dtype=torch.float32)
