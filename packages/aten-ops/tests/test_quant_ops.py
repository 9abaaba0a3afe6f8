"""torch_npu.npu_dynamic_quant and npu_quant_matmul against the reference's documented formulas on
the CPU: per-token quantization (scale = row_max(|x * smooth_scales|) / 127, y = round(x *
smooth_scales / scale)) in float16 and bfloat16, and the dequantized int8 product ((x1 @ x2 [+ int32
bias]) * scale [* pertoken_scale] [+ float bias]) to bfloat16/float16; the two chained (W8A8);
FakeTensor shapes; the modes not supported yet and bad input raise at the call."""

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from fallback_guard import no_fallback


@pytest.fixture(autouse=True)
def _seeded():
    """The same random inputs on every run."""
    torch.manual_seed(0)


def dynamic_quant(x, smooth_scales):
    scaled = x.float() * smooth_scales.float() if smooth_scales is not None else x.float()
    scale = scaled.abs().amax(-1, keepdim=True) / 127
    return (scaled / scale).round().to(torch.int8), scale.squeeze(-1)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("shape", [(5, 16), (2, 3, 32)])
@pytest.mark.parametrize("with_smooth", [False, True])
def test_dynamic_quant_matches_the_formula(dtype, shape, with_smooth):
    x = torch.randn(shape).to(dtype)
    smooth = torch.rand(shape[-1]).add(0.5).to(dtype) if with_smooth else None
    with no_fallback():
        y, scale = torch_npu.npu_dynamic_quant(x.npu(), smooth_scales=smooth.npu() if with_smooth else None)
    expected_y, expected_scale = dynamic_quant(x, smooth)
    assert y.dtype == torch.int8 and scale.dtype == torch.float32 and scale.shape == shape[:-1]
    torch.testing.assert_close(scale.cpu(), expected_scale)
    torch.testing.assert_close(y.cpu(), expected_y, rtol=0, atol=0)
    # Dequantizing gives x back to within half a step per token.
    restored = y.cpu().float() * expected_scale.unsqueeze(-1)
    scaled = x.float() * (smooth.float() if with_smooth else 1)
    assert (restored - scaled).abs().le(expected_scale.unsqueeze(-1) * 0.5 + 1e-6).all()


def test_each_row_reaches_the_int8_extremes_and_zero_rows_stay_zero():
    x = torch.tensor([[1.0, -4.0, 3.0], [0.0, 0.0, 0.0]], dtype=torch.float16)
    y, scale = torch_npu.npu_dynamic_quant(x.npu(), dst_type=torch.int8)
    assert y.cpu().tolist() == [[32, -127, 95], [0, 0, 0]]
    torch.testing.assert_close(scale.cpu(), torch.tensor([4 / 127, 0.0]))


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        y, scale = torch_npu.npu_dynamic_quant(torch.empty(2, 3, 8, dtype=torch.float16, device="npu"))
        assert y.shape == (2, 3, 8) and y.dtype == torch.int8
        assert scale.shape == (2, 3) and scale.dtype == torch.float32


def test_unsupported_modes_and_bad_arguments_raise_at_the_call():
    x = torch.randn(4, 8, dtype=torch.float16).npu()
    with pytest.raises(RuntimeError, match="group_index is not supported yet"):
        torch_npu.npu_dynamic_quant(x, group_index=torch.tensor([4], dtype=torch.int32).npu())
    with pytest.raises(RuntimeError, match='quant_mode "perchannel" is not supported yet'):
        torch_npu.npu_dynamic_quant(x, quant_mode="perchannel")
    with pytest.raises(RuntimeError, match=r"dst_type .* is not supported yet \(only torch.int8\)"):
        torch_npu.npu_dynamic_quant(x, dst_type=torch.quint4x2)
    with pytest.raises(RuntimeError, match="dst_type_max is not supported yet"):
        torch_npu.npu_dynamic_quant(x, dst_type_max=127.0)
    with pytest.raises(RuntimeError, match="input must be float16 or bfloat16, got Float"):
        torch_npu.npu_dynamic_quant(x.float())
    with pytest.raises(RuntimeError, match="input must have 2 to 8 dimensions, got 1"):
        torch_npu.npu_dynamic_quant(x[0])
    with pytest.raises(RuntimeError, match=r"smooth_scales must be 1-D of input's last dimension \(8\), got \[4\]"):
        torch_npu.npu_dynamic_quant(x, smooth_scales=torch.ones(4, dtype=torch.float16).npu())
    with pytest.raises(RuntimeError, match="smooth_scales must have input's dtype"):
        torch_npu.npu_dynamic_quant(x, smooth_scales=torch.ones(8).npu())


def quant_matmul(x1, x2, scale, pertoken_scale=None, bias=None):
    """(x1 @ x2 [+ int32 bias]) * scale [* pertoken_scale per row] [+ float bias], from the int products."""
    product = x1.long() @ x2.long()
    if bias is not None and bias.dtype == torch.int32:
        product = product + bias
    y = product.float() * scale.float()
    if pertoken_scale is not None:
        y = y * pertoken_scale.unsqueeze(-1)
    if bias is not None and bias.dtype != torch.int32:
        y = y + bias.float()
    return y


def int8(*shape):
    return torch.randint(-128, 128, shape, dtype=torch.int8)


@pytest.mark.parametrize("scale_shape", [(1,), (6,)])
@pytest.mark.parametrize("bias_dtype", [None, torch.int32, torch.bfloat16, torch.float32])
def test_quant_matmul_to_bfloat16_matches_the_formula(scale_shape, bias_dtype):
    x1, x2 = int8(5, 16), int8(16, 6)
    scale = torch.rand(scale_shape) / 100
    bias = None
    if bias_dtype == torch.int32:
        bias = torch.randint(-50, 50, (6,), dtype=torch.int32)
    elif bias_dtype is not None:
        bias = torch.randn(6).to(bias_dtype)
    with no_fallback():
        out = torch_npu.npu_quant_matmul(
            x1.npu(), x2.npu(), scale.npu(), bias=bias.npu() if bias is not None else None, output_dtype=torch.bfloat16
        )
    assert out.dtype == torch.bfloat16 and out.shape == (5, 6)
    torch.testing.assert_close(out.cpu(), quant_matmul(x1, x2, scale, bias=bias).bfloat16())


@pytest.mark.parametrize("output_dtype", [torch.float16, torch.bfloat16])
def test_quant_matmul_with_a_per_token_scale(output_dtype):
    x1, x2 = int8(2, 4, 8), int8(8, 3)
    scale, pertoken = torch.rand(3) / 100, torch.rand(4)
    with no_fallback():
        out = torch_npu.npu_quant_matmul(x1.npu(), x2.npu(), scale.npu(), pertoken_scale=pertoken.npu(),
                                         output_dtype=output_dtype)
    assert out.dtype == output_dtype and out.shape == (2, 4, 3)
    torch.testing.assert_close(out.cpu(), quant_matmul(x1, x2, scale, pertoken).to(output_dtype))


def test_quant_matmul_reads_a_transposed_weight_view():
    x1, weight = int8(3, 8), int8(5, 8)
    scale = torch.rand(5)
    out = torch_npu.npu_quant_matmul(x1.npu(), weight.npu().t(), scale.npu(), output_dtype=torch.bfloat16)
    torch.testing.assert_close(out.cpu(), quant_matmul(x1, weight.t(), scale).bfloat16())


def test_dynamic_quant_then_quant_matmul_approximates_the_float_matmul():
    """W8A8: tokens quantized per row by npu_dynamic_quant, weights per column; the product dequantized."""
    x = torch.randn(16, 64, dtype=torch.bfloat16)
    w = torch.randn(64, 32)
    w_scale = w.abs().amax(0) / 127
    w_int8 = (w / w_scale).round().to(torch.int8)
    with no_fallback():
        x_int8, x_scale = torch_npu.npu_dynamic_quant(x.npu())
        out = torch_npu.npu_quant_matmul(x_int8, w_int8.npu(), w_scale.npu(), pertoken_scale=x_scale,
                                         output_dtype=torch.bfloat16)
    expected = x.float() @ w
    assert (out.cpu().float() - expected).abs().max() < 0.05 * expected.abs().max()


def test_quant_matmul_shapes_under_fake_tensors():
    with FakeTensorMode():
        x1 = torch.empty(2, 5, 16, dtype=torch.int8, device="npu")
        x2 = torch.empty(16, 6, dtype=torch.int8, device="npu")
        out = torch_npu.npu_quant_matmul(x1, x2, torch.empty(6, device="npu"), output_dtype=torch.bfloat16)
        assert out.shape == (2, 5, 6) and out.dtype == torch.bfloat16


def test_quant_matmul_unsupported_modes_and_bad_arguments_raise_at_the_call():
    x1, x2, scale = int8(4, 8).npu(), int8(8, 3).npu(), torch.ones(3).npu()
    with pytest.raises(RuntimeError, match="output_dtype Char without pertoken_scale is not supported yet"):
        torch_npu.npu_quant_matmul(x1, x2, scale)
    with pytest.raises(RuntimeError, match="output_dtype Half without pertoken_scale is not supported yet"):
        torch_npu.npu_quant_matmul(x1, x2, scale, output_dtype=torch.float16)
    with pytest.raises(RuntimeError, match="a Long scale is not supported yet"):
        torch_npu.npu_quant_matmul(x1, x2, scale.long(), output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match="offset is not supported yet"):
        torch_npu.npu_quant_matmul(x1, x2, scale, offset=scale, output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match="group_sizes is not supported yet"):
        torch_npu.npu_quant_matmul(x1, x2, scale, group_sizes=[1, 1, 8], output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match="x1 and x2 must be int8"):
        torch_npu.npu_quant_matmul(x1.float(), x2, scale, output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match=r"x1's k \(8\) must equal x2's \(7\)"):
        torch_npu.npu_quant_matmul(x1, int8(7, 3).npu(), scale, output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match="scale must be 1-D of 1 or n = 3 elements"):
        torch_npu.npu_quant_matmul(x1, x2, torch.ones(2).npu(), output_dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match="pertoken_scale must be 1-D float32 of m = 4 elements"):
        torch_npu.npu_quant_matmul(x1, x2, scale, pertoken_scale=torch.ones(3).npu(), output_dtype=torch.float16)
