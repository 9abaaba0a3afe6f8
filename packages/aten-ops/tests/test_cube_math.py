"""Matmuls and convolutions compute as the cube unit does under torch.npu.matmul / conv switches.

CANN computes a float32 matmul in float32 unless HF32 is allowed, and a float32 convolution in
HFLOAT32 (float32's range, 11 mantissa bits, round to nearest even) unless it is disallowed. The
results here are compared with CPU products of the operands rounded the same way.
"""

import pytest
import torch
import torch.nn.functional as F
import torch_npu._C as _C

NPU = torch.device("npu:0")


@pytest.fixture(autouse=True)
def _restore_switches():
    yield
    torch.npu.matmul.allow_hf32 = False
    torch.npu.conv.allow_hf32 = True
    _C._npu_setOption({"CUBE_MATH_TYPE": ""})  # unset, as before any test


def to_hf32(t: torch.Tensor) -> torch.Tensor:
    """float32 -> HFLOAT32 -> float32, to nearest even, on the CPU."""
    bits = t.contiguous().view(torch.int32)
    magnitude = bits & 0x7FFFFFFF
    odd = (magnitude >> 12) & 1
    rounded = ((magnitude + 0x7FF + odd) >> 12) << 12
    result = (bits & -0x80000000) | rounded
    return torch.where(magnitude >= 0x7F800000, bits, result).view(torch.float32)


def one_by_one_product(value: float) -> float:
    """value * 1.0 through an npu matmul: the operand as the cube unit read it."""
    a = torch.tensor([[value]], device=NPU)
    return torch.mm(a, torch.ones(1, 1, device=NPU)).item()


def test_hf32_keeps_eleven_mantissa_bits_rounding_ties_to_even():
    torch.npu.matmul.allow_hf32 = True
    assert one_by_one_product(1 + 2**-11) == 1 + 2**-11  # representable
    assert one_by_one_product(1 + 2**-12) == 1.0  # a tie: to the even neighbour, 1
    assert one_by_one_product(1 + 3 * 2**-12) == 1 + 2**-10  # a tie: to the even neighbour, up
    assert one_by_one_product(1 + 2**-12 + 2**-20) == 1 + 2**-11  # above the tie: up
    assert one_by_one_product(-(1 + 2**-12 + 2**-20)) == -(1 + 2**-11)
    assert one_by_one_product(float("inf")) == float("inf")
    torch.npu.matmul.allow_hf32 = False
    assert one_by_one_product(1 + 2**-12) == 1 + 2**-12  # KEEP_DTYPE: float32


def test_matmul_default_keeps_float32():
    a, b = torch.randn(64, 48), torch.randn(48, 32)
    torch.testing.assert_close(torch.mm(a.to(NPU), b.to(NPU)).cpu(), a @ b)


@pytest.mark.parametrize("op", ["mm", "addmm", "bmm", "linear"])
def test_matmul_allow_hf32_rounds_the_operands(op):
    torch.manual_seed(0)
    a, b, bias = torch.randn(4, 64, 48), torch.randn(4, 48, 32), torch.randn(32)
    if op != "bmm":
        a, b = a[0], b[0]
    products = {
        "mm": lambda x, y, c: torch.mm(x, y),
        "addmm": lambda x, y, c: torch.addmm(c, x, y),
        "bmm": lambda x, y, c: torch.bmm(x, y),
        "linear": lambda x, y, c: F.linear(x, y.t(), c),
    }[op]
    torch.npu.matmul.allow_hf32 = True
    got = products(a.to(NPU), b.to(NPU), bias.to(NPU)).cpu()
    torch.testing.assert_close(got, products(to_hf32(a), to_hf32(b), bias), rtol=1e-6, atol=1e-5)
    assert (got - products(a, b, bias)).abs().max() > 1e-4  # it did round


def test_cube_math_type_use_fp16():
    a, b = torch.randn(32, 16), torch.randn(16, 8)
    torch.npu.matmul.cube_math_type = torch.npu.CubeMathType.USE_FP16
    assert torch.npu.matmul.cube_math_type is torch.npu.CubeMathType.USE_FP16
    got = torch.mm(a.to(NPU), b.to(NPU)).cpu()
    torch.testing.assert_close(got, a.half().float() @ b.half().float(), rtol=1e-6, atol=1e-5)


def test_cube_math_type_use_hf32_refuses_bfloat16():
    torch.npu.matmul.cube_math_type = torch.npu.CubeMathType.USE_HF32
    a = torch.randn(4, 4, dtype=torch.bfloat16, device=NPU)
    with pytest.raises(RuntimeError, match="USE_HF32 supports FLOAT32 inputs only"):
        torch.mm(a, a).cpu()


def test_half_and_bfloat16_matmuls_ignore_hf32():
    torch.npu.matmul.allow_hf32 = True
    for dtype in (torch.float16, torch.bfloat16):
        a, b = torch.randn(16, 8, dtype=dtype), torch.randn(8, 4, dtype=dtype)
        torch.testing.assert_close(torch.mm(a.to(NPU), b.to(NPU)).cpu().float(), (a.float() @ b.float()),
                                   rtol=1e-2, atol=1e-2)


def test_convolution_defaults_to_hf32_and_can_keep_float32():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 10, 10, requires_grad=True)
    w = torch.randn(5, 3, 3, 3, requires_grad=True)
    b = torch.randn(5, requires_grad=True)
    grad = torch.randn(2, 5, 8, 8)

    def npu_conv():
        xs, ws, bs = (t.detach().to(NPU).requires_grad_() for t in (x, w, b))
        out = F.conv2d(xs, ws, bs)
        out.backward(grad.to(NPU))
        return out.cpu(), xs.grad.cpu(), ws.grad.cpu(), bs.grad.cpu()

    out, gx, gw, gb = npu_conv()  # default: HFLOAT32 operands
    torch.testing.assert_close(out, F.conv2d(to_hf32(x.detach()), to_hf32(w.detach()), b.detach()),
                               rtol=1e-6, atol=1e-5)
    assert (out - F.conv2d(x, w, b).detach()).abs().max() > 1e-4
    hx, hw = (to_hf32(t.detach()).requires_grad_() for t in (x, w))
    F.conv2d(hx, hw, b.detach()).backward(to_hf32(grad))
    torch.testing.assert_close(gx, hx.grad, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(gw, hw.grad, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(gb, grad.sum((0, 2, 3)))  # a sum, off the cube unit: not rounded

    torch.npu.conv.allow_hf32 = False
    out, gx, gw, gb = npu_conv()
    expected = F.conv2d(x, w, b)
    expected.backward(grad)
    torch.testing.assert_close(out, expected.detach())
    torch.testing.assert_close(gx, x.grad)
    torch.testing.assert_close(gw, w.grad)
    torch.testing.assert_close(gb, b.grad)
