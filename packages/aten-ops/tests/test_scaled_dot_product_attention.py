"""F.scaled_dot_product_attention on npu through the fused attention kernel (PyTorch's
"overrideable" backend): outputs and every gradient against the CPU's math path, for causal,
additive and boolean masks and grouped query heads; inputs the kernel does not take go to the
math path."""

import pytest
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from fallback_guard import no_fallback

B, N, S, D = 2, 4, 6, 8


def sdpa_on_both(q, k, v, **kwargs):
    """Output and the gradients of q, k, v (and of a float mask) on npu (fused only) and on the CPU."""
    grad = torch.randn(q.shape[:-1] + v.shape[-1:])
    results = []
    for device in ("cpu", "npu"):
        leaves = [t.clone().to(device).requires_grad_() for t in (q, k, v)]
        mask = kwargs.get("attn_mask")
        extra = dict(kwargs)
        if mask is not None:
            extra["attn_mask"] = mask.clone().to(device).requires_grad_(mask.is_floating_point())
        if device == "npu":
            with sdpa_kernel(SDPBackend.OVERRIDEABLE), no_fallback():
                out = F.scaled_dot_product_attention(*leaves, **extra)
                out.backward(grad.npu())
        else:
            out = F.scaled_dot_product_attention(*leaves, **extra)
            out.backward(grad)
        grads = [t.grad.cpu() for t in leaves]
        if mask is not None and mask.is_floating_point():
            grads.append(extra["attn_mask"].grad.cpu())
        results.append((out.detach().cpu(), grads))
    return results


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"is_causal": True},
        {"attn_mask": torch.randn(B, 1, S, S)},
        {"attn_mask": torch.rand(S, S) > 0.3},
        {"scale": 0.3, "is_causal": True},
    ],
    ids=["plain", "causal", "float-mask", "bool-mask", "scale"],
)
def test_fused_path_matches_the_math_path_on_the_cpu(kwargs):
    q, k, v = torch.randn(B, N, S, D), torch.randn(B, N, S, D), torch.randn(B, N, S, D)
    (expected, expected_grads), (actual, actual_grads) = sdpa_on_both(q, k, v, **kwargs)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-4)
    for got, want in zip(actual_grads, expected_grads):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_grouped_query_heads():
    q, k, v = torch.randn(B, N, S, D), torch.randn(B, 2, S, D), torch.randn(B, 2, S, D)
    (expected, expected_grads), (actual, actual_grads) = sdpa_on_both(q, k, v, is_causal=True, enable_gqa=True)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-4)
    for got, want in zip(actual_grads, expected_grads):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_dropout_draws_from_the_device_generator():
    q = torch.randn(B, N, S, D).npu()
    with sdpa_kernel(SDPBackend.OVERRIDEABLE):
        torch.npu.manual_seed(7)
        first = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
        torch.npu.manual_seed(7)
        again = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
        other = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    plain = F.scaled_dot_product_attention(q, q, q)
    torch.testing.assert_close(first.cpu(), again.cpu())
    assert not torch.equal(first.cpu(), other.cpu()) and not torch.equal(first.cpu(), plain.cpu())


def test_inputs_the_fused_kernel_does_not_take_go_to_the_math_path():
    q = torch.randn(N, S, D)  # 3-D
    torch.testing.assert_close(F.scaled_dot_product_attention(q.npu(), q.npu(), q.npu()).cpu(),
                               F.scaled_dot_product_attention(q, q, q), atol=1e-5, rtol=1e-4)  # fmt: skip
    with sdpa_kernel(SDPBackend.OVERRIDEABLE), pytest.raises(RuntimeError, match="No available kernel"):
        F.scaled_dot_product_attention(q.npu(), q.npu(), q.npu())
