"""npu_fusion_attention: shapes for tracing (FakeTensor, torch.compile) and its autograd formula;
npu_prompt_flash_attention's and npu_incre_flash_attention's shapes (inference only: the
reference gives them no gradient).

The kernels are native (csrc/adapters/FusionAttention.cpp); the backward is the
reference's: npu_fusion_attention_grad from the forward's softmax statistics and
the (seed, offset) its dropout mask was drawn at.
"""

from __future__ import annotations

from typing import Any

import torch

_SOFTMAX_STATISTICS_WIDTH = 8  # CANN repeats each row's max and sum 8 times


def _batch_heads_query_length(query: torch.Tensor, head_num: int, input_layout: str) -> tuple[int, int, int]:
    if input_layout == "BSH" or input_layout == "BSND":
        return query.shape[0], head_num, query.shape[1]
    if input_layout == "SBH":
        return query.shape[1], head_num, query.shape[0]
    if input_layout == "BNSD":
        return query.shape[0], head_num, query.shape[2]
    raise ValueError(f"npu_fusion_attention: input_layout {input_layout} is not supported here")


def _lengths(ends) -> list[int]:
    """Sequence lengths from TND's cumulative ends."""
    return [end - begin for begin, end in zip((0, *ends[:-1]), ends)]


@torch.library.register_fake("npu::npu_fusion_attention")
def _fusion_attention_shapes(query, key, value, head_num, input_layout, pse=None, padding_mask=None,
                             atten_mask=None, scale=1.0, keep_prob=1.0, pre_tockens=2147483647,
                             next_tockens=2147483647, inner_precise=0, prefix=None, actual_seq_qlen=None,
                             actual_seq_kvlen=None, sparse_mode=0, gen_mask_parallel=True, sync=False):  # fmt: skip
    if input_layout == "TND":
        statistics = (query.shape[0], head_num, _SOFTMAX_STATISTICS_WIDTH)
        lengths = zip(_lengths(actual_seq_qlen or ()), _lengths(actual_seq_kvlen or ()))
        scores = sum(head_num * q_len * kv_len for q_len, kv_len in lengths)
    else:
        batch, heads, q_len = _batch_heads_query_length(query, head_num, input_layout)
        statistics = (batch, heads, q_len, _SOFTMAX_STATISTICS_WIDTH)
        scores = batch * heads * q_len * key.shape[{"BSH": 1, "BSND": 1, "SBH": 0, "BNSD": 2}[input_layout]]
    numels = 0 if keep_prob == 1.0 else scores
    return (
        query.new_empty(query.shape),
        query.new_empty(statistics, dtype=torch.float32),
        query.new_empty(statistics, dtype=torch.float32),
        query.new_empty((0,)),
        0,
        0,
        numels,
    )


@torch.library.register_fake("npu::npu_fusion_attention_grad")
def _fusion_attention_grad_shapes(query, key, value, dy, head_num, input_layout, **options):
    pse = options.get("pse")
    return (
        query.new_empty(query.shape),
        key.new_empty(key.shape),
        value.new_empty(value.shape),
        query.new_empty(pse.shape if pse is not None else (0,)),
    )


_FORWARD_OPTIONS = (
    "pse", "padding_mask", "atten_mask", "scale", "keep_prob", "pre_tockens", "next_tockens", "inner_precise",
    "prefix", "actual_seq_qlen", "actual_seq_kvlen", "sparse_mode", "gen_mask_parallel", "sync",
)  # fmt: skip


def _save_for_backward(ctx: Any, inputs: tuple, output: tuple) -> None:
    query, key, value, head_num, input_layout = inputs[:5]
    options = dict(zip(_FORWARD_OPTIONS, inputs[5:]))
    attention_out, softmax_max, softmax_sum, softmax_out, seed, offset, numels = output
    ctx.save_for_backward(query, key, value, options["pse"], options["padding_mask"], options["atten_mask"],
                          softmax_max, softmax_sum, softmax_out, attention_out)  # fmt: skip
    ctx.head_num, ctx.input_layout = head_num, input_layout
    ctx.options = {name: options[name] for name in _FORWARD_OPTIONS[3:]}
    ctx.seed, ctx.offset, ctx.numels = seed, offset, numels


def _backward(ctx: Any, grad_out: torch.Tensor, *unused_grads: Any) -> tuple:
    query, key, value, pse, padding_mask, atten_mask, softmax_max, softmax_sum, softmax_out, attention_out = (
        ctx.saved_tensors
    )
    options = dict(ctx.options)
    dq, dk, dv, dpse = torch.ops.npu.npu_fusion_attention_grad(
        query, key, value, grad_out.contiguous(), ctx.head_num, ctx.input_layout,
        pse=pse, padding_mask=padding_mask, atten_mask=atten_mask, softmax_max=softmax_max,
        softmax_sum=softmax_sum, softmax_in=softmax_out, attention_in=attention_out,
        scale_value=options.pop("scale"), seed=ctx.seed, offset=ctx.offset, numels=ctx.numels, **options,
    )  # fmt: skip
    no_grads = (None,) * (len(_FORWARD_OPTIONS) - 1)
    return (dq, dk, dv, None, None, dpse if pse is not None else None, *no_grads)


torch.library.register_autograd("npu::npu_fusion_attention", _backward, setup_context=_save_for_backward)


@torch.library.register_fake("npu::npu_prompt_flash_attention")
def _prompt_flash_attention_shapes(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                                   **options: Any) -> torch.Tensor:  # fmt: skip
    """The attention output: query's shape and dtype (the layouts supported keep it)."""
    return query.new_empty(query.shape)


@torch.library.register_fake("npu::npu_incre_flash_attention")
def _incre_flash_attention_shapes(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                                  **options: Any) -> torch.Tensor:  # fmt: skip
    """The attention output of the decoding step: query's shape and dtype."""
    return query.new_empty(query.shape)
