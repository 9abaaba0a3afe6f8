"""torch_npu.npu_fusion_attention against attention composed of plain ATen ops on the CPU:
every layout, the sparse modes, pse, grouped-query heads, dropout from the device generator,
gradients through autograd, shapes under FakeTensor, and bad arguments."""

import math

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from attention_layouts import from_bnsd, in_layout, to_bnsd
from fallback_guard import no_fallback

B, N, S1, S2, D = 2, 4, 6, 9, 8


def masked(sparse_mode: int, atten_mask, pre: int, nxt: int, q_len: int, kv_len: int) -> torch.Tensor:
    """Which scores are ignored, by the definitions CANN documents for each sparse mode."""
    ahead = torch.arange(kv_len)[None, :] - torch.arange(q_len)[:, None]
    from_bottom_right = ahead - (kv_len - q_len)
    if sparse_mode == 0:
        band = (ahead > nxt) | (ahead < -pre)
        return band if atten_mask is None else band | atten_mask.bool()
    if sparse_mode == 1:
        return atten_mask.bool()
    if sparse_mode == 2:
        return ahead > 0
    if sparse_mode == 3:
        return from_bottom_right > 0
    return (from_bottom_right > nxt) | (from_bottom_right < -pre)


def heads_of(t: torch.Tensor, layout: str, head_dim: int) -> int:
    return {"BSND": t.shape[2], "BNSD": t.shape[1]}.get(layout) or t.shape[2] // head_dim


def reference(q, k, v, layout, heads, scale, mask, pse=None, kept=None, keep_prob=1.0):
    """Attention composed of plain ATen ops, in float, for tensors in `layout`."""
    head_dim = q.shape[-1] if len(layout) == 4 else q.shape[2] // heads
    q = to_bnsd(q.float(), layout, heads)
    k = to_bnsd(k.float(), layout, heads_of(k, layout, head_dim))
    v = to_bnsd(v.float(), layout, heads_of(v, layout, head_dim))
    group = heads // k.shape[1]
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    scores = q @ k.transpose(-2, -1)
    if pse is not None:
        scores = scores + pse.float()
    scores = (scores * scale).masked_fill(mask, float("-inf"))
    probabilities = torch.softmax(scores, -1).nan_to_num(0.0)
    if kept is not None:
        probabilities = probabilities * kept / keep_prob
    return from_bnsd(probabilities @ v, layout)


def inputs(layout: str, kv_heads: int = N, dtype=torch.float32, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    q = torch.randn(B, N, S1, D, generator=generator, dtype=dtype)
    k = torch.randn(B, kv_heads, S2, D, generator=generator, dtype=dtype)
    v = torch.randn(B, kv_heads, S2, D, generator=generator, dtype=dtype)
    return in_layout(q, layout), in_layout(k, layout), in_layout(v, layout)


CASES = [
    # sparse_mode, with a given mask, pre_tockens, next_tockens
    (0, False, 2147483647, 2147483647),
    (0, True, 2147483647, 2147483647),
    (0, False, 2, 1),
    (1, True, 2147483647, 2147483647),
    (2, True, 2147483647, 2147483647),
    (3, True, 2147483647, 2147483647),
    (4, True, 3, 0),
]


@pytest.mark.parametrize("layout", ["BSH", "SBH", "BSND", "BNSD"])
@pytest.mark.parametrize("sparse_mode,given_mask,pre,nxt", CASES)
def test_forward_and_gradients_match_the_composition(layout, sparse_mode, given_mask, pre, nxt):
    q, k, v = inputs(layout)
    atten_mask = torch.rand(S1, S2, generator=torch.Generator().manual_seed(1)) > 0.7 if given_mask else None
    scale = 1 / math.sqrt(D)
    expected_mask = masked(sparse_mode, atten_mask, pre, nxt, S1, S2)
    leaves = [t.clone().requires_grad_() for t in (q, k, v)]
    expected = reference(*leaves, layout, N, scale, expected_mask)
    grad = torch.randn(expected.shape, generator=torch.Generator().manual_seed(2))
    expected.backward(grad)

    on_npu = [t.npu().requires_grad_() for t in (q, k, v)]
    with no_fallback():
        out, softmax_max, softmax_sum, softmax_out, seed, offset, numels = torch_npu.npu_fusion_attention(
            *on_npu, N, layout, atten_mask=None if atten_mask is None else atten_mask.npu(), scale=scale,
            pre_tockens=pre, next_tockens=nxt, sparse_mode=sparse_mode,
        )  # fmt: skip
        out.backward(grad.npu())
    assert out.shape == q.shape and out.dtype == q.dtype
    assert softmax_max.shape == (B, N, S1, 8) and softmax_sum.dtype == torch.float32 and softmax_out.numel() == 0
    assert (seed, offset, numels) == (0, 0, 0)
    torch.testing.assert_close(out.cpu(), expected.detach(), atol=1e-5, rtol=1e-5)
    for name, npu_leaf, cpu_leaf in zip("qkv", on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-5, msg=f"d{name}")


def test_grouped_query_heads_and_pse_with_its_gradient():
    q, k, v = inputs("BNSD", kv_heads=2)
    pse = torch.randn(B, N, S1, S2)
    leaves = [t.clone().requires_grad_() for t in (q, k, v, pse)]
    mask = masked(3, None, 0, 0, S1, S2)
    expected = reference(*leaves[:3], "BNSD", N, 0.5, mask, pse=leaves[3])
    expected.sum().backward()
    on_npu = [t.npu().requires_grad_() for t in (q, k, v, pse)]
    with no_fallback():
        out = torch_npu.npu_fusion_attention(*on_npu[:3], N, "BNSD", pse=on_npu[3], scale=0.5, sparse_mode=3)[0]
        out.sum().backward()
    torch.testing.assert_close(out.cpu(), expected.detach(), atol=1e-5, rtol=1e-5)
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        assert npu_leaf.grad.shape == cpu_leaf.shape
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-5)


def test_dropout_draws_its_mask_from_the_device_generator():
    q, k, v = inputs("BSND")
    keep_prob = 0.7
    torch.manual_seed(5)
    on_npu = [t.npu().requires_grad_() for t in (q, k, v)]
    out, _, _, _, seed, offset, numels = torch_npu.npu_fusion_attention(*on_npu, N, "BSND", keep_prob=keep_prob)
    out.sum().backward()
    assert numels == B * N * S1 * S2
    # The same (seed, offset) gives ATen's dropout the same mask bits.
    torch.manual_seed(5)
    _, kept = torch.native_dropout(torch.ones(B, N, S1, S2).npu(), 1 - keep_prob, True)
    kept = kept.cpu().float()
    leaves = [t.clone().requires_grad_() for t in (q, k, v)]
    expected = reference(*leaves, "BSND", N, 1.0, masked(0, None, 2**31 - 1, 2**31 - 1, S1, S2), kept=kept,
                         keep_prob=keep_prob)  # fmt: skip
    expected.sum().backward()
    torch.testing.assert_close(out.cpu(), expected.detach(), atol=1e-5, rtol=1e-5)
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-5)
    assert 0.5 < kept.mean().item() < 0.9
    torch.manual_seed(5)
    again = torch_npu.npu_fusion_attention(*(t.detach() for t in on_npu), N, "BSND", keep_prob=keep_prob)
    assert torch.equal(again[0].cpu(), out.detach().cpu()) and again[4:6] == (seed, offset)


def test_tnd_attends_within_each_sequence_with_gradients():
    lengths_q, lengths_kv = [3, 5, 1], [4, 5, 2]
    generator = torch.Generator().manual_seed(4)
    q = torch.randn(sum(lengths_q), N, D, generator=generator)
    k = torch.randn(sum(lengths_kv), 2, D, generator=generator)
    v = torch.randn(sum(lengths_kv), 2, D, generator=generator)
    ends_q = torch.tensor(lengths_q).cumsum(0).tolist()
    ends_kv = torch.tensor(lengths_kv).cumsum(0).tolist()
    leaves = [t.clone().requires_grad_() for t in (q, k, v)]
    parts = []
    for tensors in zip(leaves[0].split(lengths_q), leaves[1].split(lengths_kv), leaves[2].split(lengths_kv)):
        sequence = [t.unsqueeze(0) for t in tensors]  # BSND with a batch of one
        mask = masked(3, None, 0, 0, tensors[0].shape[0], tensors[1].shape[0])
        parts.append(reference(*sequence, "BSND", N, 0.25, mask).squeeze(0))
    expected = torch.cat(parts)
    expected.sum().backward()
    on_npu = [t.npu().requires_grad_() for t in (q, k, v)]
    with no_fallback():
        out, softmax_max, *_ = torch_npu.npu_fusion_attention(
            *on_npu, N, "TND", scale=0.25, sparse_mode=3, actual_seq_qlen=ends_q, actual_seq_kvlen=ends_kv
        )
        out.sum().backward()
    assert softmax_max.shape == (sum(lengths_q), N, 8)
    torch.testing.assert_close(out.cpu(), expected.detach(), atol=1e-5, rtol=1e-5)
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-5)


def test_bfloat16_matches_the_float_composition():
    q, k, v = inputs("BSH", dtype=torch.bfloat16)
    out = torch_npu.npu_fusion_attention(q.npu(), k.npu(), v.npu(), N, "BSH", scale=0.3)[0]
    expected = reference(q, k, v, "BSH", N, 0.3, masked(0, None, 2**31 - 1, 2**31 - 1, S1, S2))
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.cpu().float(), expected.bfloat16().float(), atol=2e-2, rtol=2e-2)


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        q = torch.empty(B, S1, N * D, device="npu")
        k = torch.empty(B, S2, N * D, device="npu")
        out, softmax_max, softmax_sum, softmax_out, *_ = torch_npu.npu_fusion_attention(q, k, k, N, "BSH")
        assert out.shape == q.shape and softmax_max.shape == (B, N, S1, 8) and softmax_out.shape == (0,)
        grads = torch.ops.npu.npu_fusion_attention_grad(q, k, k, out, N, "BSH", softmax_max=softmax_max,
                                                        softmax_sum=softmax_sum)  # fmt: skip
        assert [g.shape for g in grads[:3]] == [q.shape, k.shape, k.shape]


@pytest.mark.parametrize(
    "layout,head_num,options,message",
    [
        ("BHS", N, {}, "input_layout must be one of"),
        ("BSH", 3, {}, "head_num 3 does not divide the hidden size 32"),
        ("BSH", N, {"sparse_mode": 7}, "sparse_mode 7 is not implemented yet"),
        ("BSH", N, {"keep_prob": 0.0}, "keep_prob must be in (0, 1]"),
    ],
)
def test_bad_arguments_raise_at_the_call(layout, head_num, options, message):
    q, k, v = (t.npu() for t in inputs("BSH"))
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        torch_npu.npu_fusion_attention(q, k, v, head_num, layout, **options)


def test_tnd_needs_the_sequence_lengths():
    tokens = torch.randn(7, N, D).npu()
    with pytest.raises(RuntimeError, match="layout TND needs actual_seq_qlen and actual_seq_kvlen"):
        torch_npu.npu_fusion_attention(tokens, tokens, tokens, N, "TND")
    with pytest.raises(RuntimeError, match="must be cumulative sequence lengths ending at the 7 tokens"):
        torch_npu.npu_fusion_attention(tokens, tokens, tokens, N, "TND", actual_seq_qlen=[3, 6],
                                       actual_seq_kvlen=[3, 7])  # fmt: skip
