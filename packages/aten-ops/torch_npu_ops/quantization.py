"""npu_dynamic_quant and npu_quant_matmul: their shapes for tracing (an int8 tensor like the
input and a float scale per token; the broadcast batched product). The reference defines no
backward for them."""

from __future__ import annotations

import torch


@torch.library.register_fake("npu::npu_dynamic_quant")
def _dynamic_quant_shapes(input, *, smooth_scales=None, group_index=None, dst_type=None, quant_mode="pertoken",
                          dst_type_max=0.0):  # fmt: skip
    return input.new_empty(input.shape, dtype=torch.int8), input.new_empty(input.shape[:-1], dtype=torch.float32)


# c10's ScalarType numbers of the dtypes npu_quant_matmul's output_dtype may name (Python passes a torch.dtype
# to the schema's int, which arrives here as that number).
_OUTPUT_DTYPES = {1: torch.int8, 3: torch.int32, 5: torch.float16, 15: torch.bfloat16}


@torch.library.register_fake("npu::npu_quant_matmul")
def _quant_matmul_shapes(x1, x2, scale, *, offset=None, pertoken_scale=None, bias=None, output_dtype=None,
                         x1_dtype=None, x2_dtype=None, pertoken_scale_dtype=None, scale_dtype=None, group_sizes=None,
                         y_scale=None):  # fmt: skip
    batch = torch.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    dtype = _OUTPUT_DTYPES.get(output_dtype, torch.int8) if output_dtype is not None else torch.int8
    return x1.new_empty((*batch, x1.shape[-2], x2.shape[-1]), dtype=dtype)
