"""torch_npu.npu_incre_flash_attention (aclnnIncreFlashAttentionV4), one decoding step, against a
CPU composition softmax(q K^T * scale + mask) V: dense caches in BSH/BSND/BNSD, grouped-query
heads, actual_seq_lengths, atten_mask, a paged cache (block_table) gathered back into contiguous
K/V on the CPU, FakeTensor shapes, and the errors of what is not supported."""

from __future__ import annotations

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from attention_layouts import in_layout, to_bnsd
from fallback_guard import no_fallback

B, N, S, D = 3, 4, 10, 8


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float,
              masked: torch.Tensor | None = None) -> torch.Tensor:  # fmt: skip
    """(1, N, 1, D) attention of one batch in float64 over its (1, N_kv, L, D) keys."""
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, 1).double(), v.repeat_interleave(group, 1).double()
    scores = q.double() @ k.transpose(-2, -1) * scale
    if masked is not None:
        scores = scores.masked_fill(masked, float("-inf"))
    return torch.softmax(scores, -1) @ v


def operands(kv_heads: int):
    torch.manual_seed(0)
    return torch.randn(B, N, 1, D), torch.randn(B, kv_heads, S, D), torch.randn(B, kv_heads, S, D)


@pytest.mark.parametrize("layout", ["BSH", "BSND", "BNSD"])
@pytest.mark.parametrize("kv_heads", [N, 2], ids=["mha", "gqa"])
def test_dense_cache_with_lengths_matches_cpu(layout, kv_heads):
    q, k, v = operands(kv_heads)
    lengths = [S, 7, 1]
    with no_fallback():
        out = torch_npu.npu_incre_flash_attention(
            in_layout(q, layout).npu(), in_layout(k, layout).npu(), in_layout(v, layout).npu(), num_heads=N,
            num_key_value_heads=kv_heads, scale_value=0.35, input_layout=layout, actual_seq_lengths=lengths,
        )  # fmt: skip
    assert out.shape == in_layout(q, layout).shape
    out = to_bnsd(out.cpu(), layout, N).double()
    for b, length in enumerate(lengths):
        expected = reference(q[b:b + 1], k[b:b + 1, :, :length], v[b:b + 1, :, :length], 0.35)
        torch.testing.assert_close(out[b:b + 1], expected, atol=1e-5, rtol=1e-5)


def test_atten_mask_matches_cpu():
    q, k, v = operands(N)
    masked = torch.rand(B, S) > 0.6
    masked[:, 0] = False  # every row keeps a key
    with no_fallback():
        out = torch_npu.npu_incre_flash_attention(q.npu(), k.npu(), v.npu(), atten_mask=masked.view(B, 1, 1, S).npu(),
                                                  num_heads=N, scale_value=0.5, input_layout="BNSD")  # fmt: skip
    for b in range(B):
        expected = reference(q[b:b + 1], k[b:b + 1], v[b:b + 1], 0.5, masked[b].view(1, 1, 1, S))
        torch.testing.assert_close(out.cpu()[b:b + 1].double(), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layout", ["BSH", "BNSD"])
def test_paged_cache_matches_the_gathered_contiguous_one(layout):
    torch.manual_seed(1)
    kv_heads, block_size, blocks = 2, 4, 9
    lengths = [10, 3, 7]
    max_blocks = 3
    q = torch.randn(B, N, 1, D, dtype=torch.float16)
    # The cache: `blocks` blocks of block_size keys, handed out to the batches in shuffled order.
    cache_k = torch.randn(blocks, kv_heads, block_size, D, dtype=torch.float16)  # BNSD's block form
    cache_v = torch.randn(blocks, kv_heads, block_size, D, dtype=torch.float16)
    table = torch.randperm(blocks)[: B * max_blocks].view(B, max_blocks).int()
    if layout == "BSH":  # (blocks, block_size, N_kv * D)
        paged_k, paged_v = (c.transpose(1, 2).flatten(2).contiguous() for c in (cache_k, cache_v))
    else:
        paged_k, paged_v = cache_k, cache_v
    with no_fallback():
        out = torch_npu.npu_incre_flash_attention(
            in_layout(q, layout).npu(), paged_k.npu(), paged_v.npu(), num_heads=N, num_key_value_heads=kv_heads,
            scale_value=0.3, input_layout=layout, block_table=table.npu(), block_size=block_size,
            actual_seq_lengths=lengths,
        )  # fmt: skip
    out = to_bnsd(out.cpu(), layout, N).double()
    for b, length in enumerate(lengths):
        # Gather batch b's blocks in table order into contiguous (1, N_kv, L, D) keys and values.
        k = torch.cat([cache_k[i] for i in table[b].tolist()], dim=1)[:, :length].unsqueeze(0)
        v = torch.cat([cache_v[i] for i in table[b].tolist()], dim=1)[:, :length].unsqueeze(0)
        torch.testing.assert_close(out[b:b + 1], reference(q[b:b + 1], k, v, 0.3), atol=2e-3, rtol=2e-3)


def test_fake_tensor_shape():
    with FakeTensorMode():
        q = torch.empty(B, 1, N * D, dtype=torch.bfloat16)
        kv = torch.empty(B, S, 2 * D, dtype=torch.bfloat16)
        out = torch.ops.npu.npu_incre_flash_attention(q, kv, kv, num_heads=N, num_key_value_heads=2)
    assert out.shape == (B, 1, N * D) and out.dtype == torch.bfloat16


def test_what_is_not_supported_yet_raises():
    q, k, v = (t.npu() for t in operands(N))
    with pytest.raises(RuntimeError, match="antiquant_scale .* is not supported yet"):
        torch_npu.npu_incre_flash_attention(q, k, v, num_heads=N, input_layout="BNSD",
                                            antiquant_scale=torch.ones(1).npu())  # fmt: skip
    with pytest.raises(RuntimeError, match="kv_padding_size is not supported yet"):
        torch_npu.npu_incre_flash_attention(q, k, v, num_heads=N, input_layout="BNSD",
                                            kv_padding_size=torch.zeros(1, dtype=torch.int64).npu())  # fmt: skip
    with pytest.raises(RuntimeError, match="block_table must be int32"):
        torch_npu.npu_incre_flash_attention(q, k, v, num_heads=N, input_layout="BNSD", block_size=4,
                                            block_table=torch.zeros(B, 1, dtype=torch.int64).npu(),
                                            actual_seq_lengths=[1] * B)  # fmt: skip
