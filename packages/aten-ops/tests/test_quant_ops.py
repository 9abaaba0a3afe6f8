"""torch_npu.npu_dynamic_quant against the reference's documented per-token formula on the CPU
(scale = row_max(|x * smooth_scales|) / 127, y = round(x * smooth_scales / scale)), in float16 and
bfloat16; FakeTensor shapes; the modes not supported yet and bad input raise at the call."""

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
