"""torch_npu.npu_rotary_mul against the reference's formula on the CPU: both modes, the
gradients of x, cos and sin (broadcast shapes too), reduced precision, FakeTensor shapes and
bad input."""

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from fallback_guard import no_fallback


def rotated(x, mode):
    if mode == "half":
        x1, x2 = x.chunk(2, -1)
        return torch.cat((-x2, x1), -1)
    pairs = x.unflatten(-1, (-1, 2))
    return torch.stack((-pairs[..., 1], pairs[..., 0]), -1).flatten(-2)


def rotary_mul(x, cos, sin, mode):
    return (x.float() * cos.float() + rotated(x.float(), mode) * sin.float()).to(x.dtype)


@pytest.mark.parametrize("mode", ["half", "interleave"])
@pytest.mark.parametrize("table_shape", [(1, 6, 1, 8), (2, 6, 3, 8)], ids=["broadcast", "full"])
def test_rotary_mul_and_its_gradients_match_the_formula(mode, table_shape):
    x, cos, sin = torch.randn(2, 6, 3, 8), torch.randn(table_shape), torch.randn(table_shape)
    grad = torch.randn(2, 6, 3, 8)
    leaves = [t.clone().requires_grad_() for t in (x, cos, sin)]
    on_npu = [t.npu().requires_grad_() for t in (x, cos, sin)]
    with no_fallback():
        out = torch_npu.npu_rotary_mul(*on_npu, rotary_mode=mode)
        out.backward(grad.npu())
    expected = rotary_mul(*leaves, mode)
    expected.backward(grad)
    torch.testing.assert_close(out.cpu(), expected.detach())
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad, atol=1e-5, rtol=1e-4)


def test_bfloat16_input_with_float_tables_keeps_the_input_dtype():
    x, cos, sin = torch.randn(1, 4, 2, 16, dtype=torch.bfloat16), torch.randn(1, 4, 1, 16), torch.randn(1, 4, 1, 16)
    out = torch_npu.npu_rotary_mul(x.npu(), cos.npu(), sin.npu())
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.cpu(), rotary_mul(x, cos.bfloat16(), sin.bfloat16(), "half"))


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        x, table = torch.empty(2, 4, 3, 8, device="npu"), torch.empty(1, 4, 1, 8, device="npu")
        assert torch_npu.npu_rotary_mul(x, table, table).shape == x.shape
        dx, dcos, dsin = torch_npu.npu_rotary_mul_backward(x, x, table, table)
        assert dx.shape == x.shape and dcos.shape == dsin.shape == table.shape


@pytest.mark.parametrize(
    "shapes,kwargs,message",
    [
        (((2, 4, 3, 7), (1, 4, 1, 7)), {}, r"the rotary dimension \(the last, 7\) must be even"),
        (((4, 3, 8), (4, 1, 8)), {}, "self, r1 and r2 must be 4-D"),
        (((2, 4, 3, 8), (1, 5, 1, 8)), {}, "does not broadcast to self's"),
        (((2, 4, 3, 8), (1, 4, 1, 8)), {"rotary_mode": "quarter"}, "rotary_mode must be 'half' or 'interleave'"),
    ],
)
def test_bad_arguments_raise_at_the_call(shapes, kwargs, message):
    x_shape, table_shape = shapes
    table = torch.randn(table_shape).npu()
    with pytest.raises(RuntimeError, match=message):
        torch_npu.npu_rotary_mul(torch.randn(x_shape).npu(), table, table, **kwargs)
