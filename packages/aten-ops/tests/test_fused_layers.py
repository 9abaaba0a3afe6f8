"""torch_npu.npu_rms_norm and npu_swiglu against plain ATen compositions on the CPU: outputs,
the rstd statistic, gradients through autograd, reduced precision, FakeTensor shapes, bad input."""

import pytest
import torch
import torch.nn.functional as F
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from fallback_guard import no_fallback


def rms_norm(x, gamma, eps):
    dims = tuple(range(x.dim() - gamma.dim(), x.dim()))
    rstd = x.float().square().mean(dims, keepdim=True).add(eps).rsqrt()
    return (x.float() * rstd * gamma.float()).to(x.dtype), rstd


def swiglu(x, dim):
    a, b = x.float().chunk(2, dim)
    return (F.silu(a) * b).to(x.dtype)


@pytest.mark.parametrize("shape,gamma_shape", [((4, 1, 16), (16,)), ((3, 5, 8), (5, 8)), ((16,), (16,))])
def test_rms_norm_and_its_gradients_match_the_composition(shape, gamma_shape):
    x, gamma = torch.randn(shape), torch.randn(gamma_shape)
    leaves = [t.clone().requires_grad_() for t in (x, gamma)]
    on_npu = [t.npu().requires_grad_() for t in (x, gamma)]
    grad = torch.randn(shape)
    with no_fallback():
        y, rstd = torch_npu.npu_rms_norm(*on_npu, 1e-5)
        y.backward(grad.npu())
    expected, expected_rstd = rms_norm(*leaves, 1e-5)
    expected.backward(grad)
    assert rstd.dtype == torch.float32 and rstd.shape == expected_rstd.shape
    torch.testing.assert_close(y.cpu(), expected.detach())
    torch.testing.assert_close(rstd.cpu(), expected_rstd.detach())
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_swiglu_and_its_gradient_match_the_composition(dim):
    x = torch.randn(4, 6, 8)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        out = torch_npu.npu_swiglu(on_npu, dim)
        out.sum().backward()
    expected = swiglu(cpu, dim)
    expected.sum().backward()
    torch.testing.assert_close(out.cpu(), expected.detach())
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


def test_bfloat16_keeps_its_dtype_and_matches():
    x, gamma = torch.randn(2, 8, dtype=torch.bfloat16), torch.randn(8, dtype=torch.bfloat16)
    y, _ = torch_npu.npu_rms_norm(x.npu(), gamma.npu())
    gated = torch_npu.npu_swiglu(x.npu())
    assert y.dtype == gated.dtype == torch.bfloat16
    torch.testing.assert_close(y.cpu(), rms_norm(x, gamma, 1e-6)[0])
    torch.testing.assert_close(gated.cpu(), swiglu(x, -1))


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        x = torch.empty(4, 1, 16, device="npu")
        y, rstd = torch_npu.npu_rms_norm(x, torch.empty(16, device="npu"))
        assert y.shape == x.shape and rstd.shape == (4, 1, 1)
        assert torch_npu.npu_swiglu(x, -1).shape == (4, 1, 8)


def test_bad_arguments_raise_at_the_call():
    x = torch.randn(3, 5).npu()
    with pytest.raises(RuntimeError, match=r"gamma's shape \[4\] must be the trailing dimensions of self's \[3, 5\]"):
        torch_npu.npu_rms_norm(x, torch.ones(4).npu())
    with pytest.raises(RuntimeError, match="dimension -1 of size 5 cannot be split into two halves"):
        torch_npu.npu_swiglu(x)


def fast_gelu(x):
    return (x.float() / (1 + torch.exp(-1.702 * x.float()))).to(x.dtype)


@pytest.mark.parametrize("shape,gamma_shape", [((2, 3, 16), (16,)), ((3, 5, 8), (5, 8))])
def test_add_rms_norm_returns_the_norm_its_rstd_and_the_sum_with_gradients(shape, gamma_shape):
    x1, x2, gamma = torch.randn(shape), torch.randn(shape), torch.randn(gamma_shape)
    leaves = [t.clone().requires_grad_() for t in (x1, x2, gamma)]
    on_npu = [t.npu().requires_grad_() for t in (x1, x2, gamma)]
    grad_y, grad_x = torch.randn(shape), torch.randn(shape)
    with no_fallback():
        y, rstd, x = torch_npu.npu_add_rms_norm(*on_npu, 1e-5)
        torch.autograd.backward([y, x], [grad_y.npu(), grad_x.npu()])
    total = leaves[0] + leaves[1]
    expected, expected_rstd = rms_norm(total, leaves[2], 1e-5)
    torch.autograd.backward([expected, total], [grad_y, grad_x])
    torch.testing.assert_close(y.cpu(), expected.detach())
    torch.testing.assert_close(rstd.cpu(), expected_rstd.detach())
    torch.testing.assert_close(x.cpu(), total.detach())
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("op", ["npu_fast_gelu", "fast_gelu"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_fast_gelu_and_its_gradient_match_the_formula(op, dtype):
    x = torch.randn(5, 6).to(dtype)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        out = getattr(torch_npu, op)(on_npu)
        out.sum().backward()
    expected = fast_gelu(cpu)
    expected.sum().backward()
    assert out.dtype == dtype
    torch.testing.assert_close(out.cpu(), expected.detach())
    # bfloat16 gradients round once where the composition's round twice.
    tolerance = {"atol": 2e-3, "rtol": 1.6e-2} if dtype == torch.bfloat16 else {}
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad, **tolerance)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_mul_gates_the_second_half_with_the_gelu_of_the_first(approximate):
    x = torch.randn(3, 4, 10)
    with no_fallback():
        out = torch_npu.npu_gelu_mul(x.npu(), approximate=approximate)
    a, b = x.chunk(2, -1)
    torch.testing.assert_close(out.cpu(), F.gelu(a, approximate=approximate) * b)


@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_and_its_gradients_match_f_linear(with_bias):
    input, weight, bias = torch.randn(6, 5), torch.randn(3, 5), torch.randn(3)
    leaves = [t.clone().requires_grad_() for t in (input, weight, bias)]
    on_npu = [t.npu().requires_grad_() for t in (input, weight, bias)]
    with no_fallback():
        out = torch_npu.npu_linear(on_npu[0], on_npu[1], on_npu[2] if with_bias else None)
        out.square().sum().backward()
    expected = F.linear(leaves[0], leaves[1], leaves[2] if with_bias else None)
    expected.square().sum().backward()
    torch.testing.assert_close(out.cpu(), expected.detach())
    for npu_leaf, cpu_leaf in zip(on_npu[: 3 if with_bias else 2], leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad)


def test_shapes_of_the_other_fused_layers_under_fake_tensors():
    with FakeTensorMode():
        x = torch.empty(4, 1, 16, device="npu")
        y, rstd, total = torch_npu.npu_add_rms_norm(x, x, torch.empty(16, device="npu"))
        assert y.shape == total.shape == x.shape and rstd.shape == (4, 1, 1)
        assert torch_npu.npu_fast_gelu(x).shape == x.shape
        assert torch_npu.npu_gelu_mul(x).shape == (4, 1, 8)
        linear = torch_npu.npu_linear(torch.empty(6, 5, device="npu"), torch.empty(3, 5, device="npu"))
        assert linear.shape == (6, 3)


def test_bad_arguments_of_the_other_fused_layers_raise_at_the_call():
    x = torch.randn(3, 5).npu()
    with pytest.raises(RuntimeError, match=r"npu_add_rms_norm: x1 and x2 must have one shape"):
        torch_npu.npu_add_rms_norm(x, x[:, :4], torch.ones(5).npu())
    with pytest.raises(RuntimeError, match="npu_fast_gelu: expected a floating-point tensor"):
        torch_npu.npu_fast_gelu(torch.arange(3).npu())
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        torch_npu.npu_gelu_mul(torch.randn(2, 4).npu(), approximate="fast")
    with pytest.raises(RuntimeError, match="dimension -1 of size 5 cannot be split into two halves"):
        torch_npu.npu_gelu_mul(x)
    with pytest.raises(RuntimeError, match="npu_linear: input's 5 features do not match weight's 4"):
        torch_npu.npu_linear(x, torch.randn(2, 4).npu())
