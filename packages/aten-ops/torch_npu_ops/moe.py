"""The mixture-of-experts operators (npu_moe_gating_top_k_softmax, npu_moe_init_routing,
npu_moe_finalize_routing, npu_grouped_matmul): their shapes for tracing. The reference defines no
backward for them."""

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


@torch.library.register_fake("npu::npu_grouped_matmul")
def _grouped_matmul_shapes(x, weight, *, bias=None, scale=None, offset=None, antiquant_scale=None,
                           antiquant_offset=None, per_token_scale=None, group_list=None, activation_input=None,
                           activation_quant_scale=None, activation_quant_offset=None, split_item=0, group_type=None,
                           group_list_type=0, act_type=0, tuning_config=None, output_dtype=None, x_dtype=None,
                           weight_dtype=None, scale_dtype=None, per_token_scale_dtype=None):  # fmt: skip
    stacked = len(weight) == 1 and weight[0].dim() == 3
    columns = [weight[0].shape[2]] * weight[0].shape[0] if stacked else [w.shape[1] for w in weight]
    if split_item in (2, 3):
        return [x[0].new_empty(sum(t.shape[0] for t in x), columns[0])]
    if group_list is not None:
        # Each group's rows are group_list's values: sizes known only when it runs.
        ctx = torch.library.get_ctx()
        return [x[0].new_empty(ctx.new_dynamic_size(), n) for n in columns]
    return [t.new_empty(*t.shape[:-1], n) for t, n in zip(x, columns)]
