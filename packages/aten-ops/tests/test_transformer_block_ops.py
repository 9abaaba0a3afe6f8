"""The elementwise operators and softmax of transformer blocks, native, against the CPU:
forward, in-place and out= forms, and the gradients autograd asks of them."""

import pytest
import torch
import torch.nn.functional as F

from fallback_guard import no_fallback

UNARY = [torch.rsqrt, torch.sin, torch.cos, torch.sigmoid, F.silu]


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_unary_forward_and_backward_match_cpu(op, dtype):
    x = (torch.rand(5, 7) + 0.1).to(dtype)
    grad = torch.randn(5, 7).to(dtype)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = op(on_npu)
        result.backward(grad.npu())
    expected = op(cpu)
    expected.backward(grad)
    torch.testing.assert_close(result.cpu(), expected)
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


@pytest.mark.parametrize("name", ["rsqrt", "sin", "cos", "sigmoid"])
def test_in_place_out_and_integer_promotion(name):
    x = torch.rand(6) + 0.5
    with no_fallback():
        in_place = x.npu()
        getattr(in_place, name + "_")()
        out = torch.empty(6).npu()
        getattr(torch, name)(x.npu(), out=out)
        promoted = getattr(torch, name)(torch.arange(1, 4).npu())
    expected = getattr(torch, name)(x)
    torch.testing.assert_close(in_place.cpu(), expected)
    torch.testing.assert_close(out.cpu(), expected)
    torch.testing.assert_close(promoted.cpu(), getattr(torch, name)(torch.arange(1, 4)))


def test_silu_refuses_integers_at_the_call_as_the_cpu_does():
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.silu(torch.arange(3))
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.silu(torch.arange(3).npu())


@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_and_its_backward_match_cpu(dim):
    x = torch.randn(4, 9)
    grad = torch.randn(4, 9)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = torch.softmax(on_npu, dim)
        result.backward(grad.npu())
        half_to_float = torch.softmax(x.half().npu(), dim, dtype=torch.float32)
    expected = torch.softmax(cpu, dim)
    expected.backward(grad)
    torch.testing.assert_close(result.cpu(), expected)
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)
    torch.testing.assert_close(half_to_float.cpu(), torch.softmax(x.half(), dim, dtype=torch.float32))


@pytest.mark.parametrize("base,exponent", [(torch.rand(5) + 0.5, 2.0), (torch.arange(5), 2), (torch.arange(5), 0.5)])
def test_pow_with_a_scalar_exponent_takes_atens_result_type(base, exponent):
    with no_fallback():
        result = torch.pow(base.npu(), exponent)
    expected = torch.pow(base, exponent)
    assert result.dtype == expected.dtype
    torch.testing.assert_close(result.cpu(), expected)
