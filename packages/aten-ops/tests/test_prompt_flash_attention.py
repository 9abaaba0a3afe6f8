"""torch_npu.npu_prompt_flash_attention (aclnnPromptFlashAttentionV3) against a CPU composition,
softmax(Q K^T * scale + mask) V: layouts BSH/BSND/BNSD, grouped-query heads, atten_mask, the
sparse modes, actual_seq_lengths(_kv), FakeTensor shapes, and the errors of what is not supported."""

from __future__ import annotations

import math

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from attention_layouts import in_layout, to_bnsd
from fallback_guard import no_fallback

B, N, S, D = 2, 4, 6, 8


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float,
              masked: torch.Tensor | None = None) -> torch.Tensor:  # fmt: skip
    """(B, N, S1, D) attention in float64; `masked` (True: ignored) broadcasts to the scores."""
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, 1).double(), v.repeat_interleave(group, 1).double()
    scores = q.double() @ k.transpose(-2, -1) * scale
    if masked is not None:
        scores = scores.masked_fill(masked, float("-inf"))
    return torch.softmax(scores, -1).nan_to_num(0.0) @ v


def operands(kv_heads: int = N, kv_len: int = S, dtype: torch.dtype = torch.float32):
    torch.manual_seed(0)
    q = torch.randn(B, N, S, D).to(dtype)
    k = torch.randn(B, kv_heads, kv_len, D).to(dtype)
    v = torch.randn(B, kv_heads, kv_len, D).to(dtype)
    return q, k, v


@pytest.mark.parametrize("layout", ["BSH", "BSND", "BNSD"])
@pytest.mark.parametrize("kv_heads", [N, 2, 1], ids=["mha", "gqa", "mqa"])
def test_layouts_and_grouped_heads_match_cpu(layout, kv_heads):
    q, k, v = operands(kv_heads, kv_len=S + 3)
    scale = 1 / math.sqrt(D)
    with no_fallback():
        out = torch_npu.npu_prompt_flash_attention(
            in_layout(q, layout).npu(), in_layout(k, layout).npu(), in_layout(v, layout).npu(),
            num_heads=N, num_key_value_heads=kv_heads if kv_heads != N else 0, scale_value=scale,
            input_layout=layout,
        )  # fmt: skip
    assert out.shape == in_layout(q, layout).shape and out.dtype == q.dtype
    torch.testing.assert_close(to_bnsd(out.cpu(), layout, N).double(), reference(q, k, v, scale),
                               atol=1e-5, rtol=1e-5)  # fmt: skip


@pytest.mark.parametrize("mask_shape", [(S, S), (B, 1, S, S), (B, S, S)])
def test_causal_atten_mask_matches_cpu(mask_shape):
    q, k, v = operands()
    causal = torch.ones(S, S, dtype=torch.bool).triu(1)
    mask = causal.expand(mask_shape) if len(mask_shape) == 2 else causal.expand(B, S, S).reshape(mask_shape)
    with no_fallback():
        out = torch_npu.npu_prompt_flash_attention(q.npu(), k.npu(), v.npu(), atten_mask=mask.contiguous().npu(),
                                                   num_heads=N, scale_value=0.5, input_layout="BNSD")  # fmt: skip
    torch.testing.assert_close(out.cpu().double(), reference(q, k, v, 0.5, causal), atol=1e-5, rtol=1e-5)


def test_padding_mask_per_batch_and_half_precision():
    q, k, v = operands(dtype=torch.float16)
    masked = torch.zeros(B, 1, S, S, dtype=torch.bool)
    masked[1, ..., 4:] = True  # batch 1: its last two keys are padding
    with no_fallback():
        out = torch_npu.npu_prompt_flash_attention(q.npu(), k.npu(), v.npu(), atten_mask=masked.to(torch.uint8).npu(),
                                                   num_heads=N, scale_value=0.25, input_layout="BNSD",
                                                   sparse_mode=1)  # fmt: skip
    assert out.dtype == torch.float16
    torch.testing.assert_close(out.cpu().double(), reference(q, k, v, 0.25, masked), atol=2e-3, rtol=2e-3)


def test_sparse_modes_without_a_mask():
    q, k, v = operands(kv_len=S + 2)
    ahead = torch.arange(S + 2).view(1, -1) - torch.arange(S).view(-1, 1)
    with no_fallback():
        plain = torch_npu.npu_prompt_flash_attention(q.npu(), k.npu(), v.npu(), num_heads=N, input_layout="BNSD")
        top_left = torch_npu.npu_prompt_flash_attention(q.npu(), k.npu(), v.npu(), num_heads=N, input_layout="BNSD",
                                                        sparse_mode=2)  # fmt: skip
        bottom_right = torch_npu.npu_prompt_flash_attention(q.npu(), k.npu(), v.npu(), num_heads=N,
                                                            input_layout="BNSD", sparse_mode=13)  # fmt: skip
    # Sparse mode 0 without a mask masks nothing, whatever pre_tokens/next_tokens say.
    torch.testing.assert_close(plain.cpu().double(), reference(q, k, v, 1.0), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(top_left.cpu().double(), reference(q, k, v, 1.0, ahead > 0), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(bottom_right.cpu().double(), reference(q, k, v, 1.0, ahead > 2),
                               atol=1e-5, rtol=1e-5)  # fmt: skip


def test_actual_seq_lengths_per_batch():
    q, k, v = operands(kv_heads=2)
    q_lengths, kv_lengths = [S, 3], [4, S]
    with no_fallback():
        out = torch_npu.npu_prompt_flash_attention(
            in_layout(q, "BSH").npu(), in_layout(k, "BSH").npu(), in_layout(v, "BSH").npu(), num_heads=N,
            num_key_value_heads=2, scale_value=0.3, actual_seq_lengths=q_lengths, actual_seq_lengths_kv=kv_lengths,
        )  # fmt: skip
    out = to_bnsd(out.cpu(), "BSH", N).double()
    for b in range(B):
        q_len, kv_len = q_lengths[b], kv_lengths[b]
        expected = reference(q[b:b + 1, :, :q_len], k[b:b + 1, :, :kv_len], v[b:b + 1, :, :kv_len], 0.3)
        torch.testing.assert_close(out[b:b + 1, :, :q_len], expected, atol=1e-5, rtol=1e-5)


def test_fake_tensor_shape():
    with FakeTensorMode():
        q = torch.empty(B, S, N * D, dtype=torch.float16)
        kv = torch.empty(B, S + 1, 2 * D, dtype=torch.float16)
        out = torch.ops.npu.npu_prompt_flash_attention(q, kv, kv, num_heads=N, num_key_value_heads=2)
    assert out.shape == (B, S, N * D) and out.dtype == torch.float16


def test_what_is_not_supported_yet_raises():
    q, k, v = (t.npu() for t in operands())
    with pytest.raises(RuntimeError, match="quant_scale2 .* is not supported yet"):
        torch_npu.npu_prompt_flash_attention(q, k, v, num_heads=N, input_layout="BNSD",
                                             quant_scale2=torch.ones(1).npu())  # fmt: skip
    with pytest.raises(RuntimeError, match="input_layout TND is not supported yet"):
        torch_npu.npu_prompt_flash_attention(q[0], k[0], v[0], num_heads=N, input_layout="TND")
    with pytest.raises(RuntimeError, match="pse_shift is not supported yet"):
        torch_npu.npu_prompt_flash_attention(q, k, v, num_heads=N, input_layout="BNSD",
                                             pse_shift=torch.zeros(B, N, S, S).npu())  # fmt: skip
    with pytest.raises(RuntimeError, match="num_key_value_heads 3 must divide num_heads 4"):
        torch_npu.npu_prompt_flash_attention(q, k, v, num_heads=N, input_layout="BNSD", num_key_value_heads=3)
