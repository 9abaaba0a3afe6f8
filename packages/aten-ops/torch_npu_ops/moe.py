"""The mixture-of-experts operators (npu_moe_gating_top_k_softmax, npu_moe_init_routing,
npu_moe_finalize_routing): their shapes for tracing. The reference defines no backward for them."""

from __future__ import annotations

import torch


@torch.library.register_fake("npu::npu_moe_gating_top_k_softmax")
def _moe_gating_top_k_softmax_shapes(x, finished=None, k=1):
    shape = (*x.shape[:-1], k)
    return x.new_empty(shape), x.new_empty(shape, dtype=torch.int32), x.new_empty(shape, dtype=torch.int32)


@torch.library.register_fake("npu::npu_moe_init_routing")
def _moe_init_routing_shapes(x, row_idx, expert_idx, active_num):
    rows, k = expert_idx.shape
    expanded = min(rows, active_num) * k
    return x.new_empty(expanded, x.shape[1]), row_idx.new_empty(rows * k), expert_idx.new_empty(rows * k)


@torch.library.register_fake("npu::npu_moe_finalize_routing")
def _moe_finalize_routing_shapes(
    expanded_permuted_rows, skip1, skip2, bias, scales, expanded_src_to_dst_row, export_for_source_row,
    drop_pad_mode=0, k=1,
):  # fmt: skip
    return expanded_permuted_rows.new_empty(scales.shape[0], expanded_permuted_rows.shape[-1])

