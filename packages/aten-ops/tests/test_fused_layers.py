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
