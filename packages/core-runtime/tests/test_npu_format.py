"""torch_npu.Format, npu_format_cast(_) and get_npu_format: the format each npu storage
records, as the reference reports it, with results unchanged by any cast."""

import io
import warnings

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode


def test_format_values_are_canns():
    assert torch_npu.Format.NCHW == 0 and torch_npu.Format.ND == 2 and torch_npu.Format.NC1HWC0 == 3
    assert torch_npu.Format.FRACTAL_Z == 4 and torch_npu.Format.FRACTAL_NZ == 29
    assert torch_npu.Format.NCDHW == 30 and torch_npu.Format.FRACTAL_Z_3D == 33 and torch_npu.Format.NCL == 47


@pytest.mark.parametrize("shape,expected", [((5,), "ND"), ((2, 3), "ND"), ((2, 3, 4, 5), "NCHW"),
                                            ((1, 2, 3, 4, 5), "NCDHW"), ((), "ND")])  # fmt: skip
def test_new_tensors_take_the_base_format_of_their_rank(shape, expected):
    for tensor in (torch.empty(shape, device="npu"), torch.randn(shape).npu(), torch.zeros(shape).npu() + 1):
        assert torch_npu.get_npu_format(tensor) == torch_npu.Format[expected]


def test_a_cast_records_the_format_and_keeps_the_values():
    weight = torch.randn(16, 32)
    nz = torch_npu.npu_format_cast(weight.npu(), torch_npu.Format.FRACTAL_NZ)
    assert torch_npu.get_npu_format(nz) == torch_npu.Format.FRACTAL_NZ
    torch.testing.assert_close(nz.cpu(), weight)
    x = torch.randn(4, 32)
    torch.testing.assert_close((x.npu() @ nz.t()).cpu(), x @ weight.t())
    # Views share their storage's format; results of operators are new ND tensors.
    assert torch_npu.get_npu_format(nz[2:]) == torch_npu.Format.FRACTAL_NZ
    assert torch_npu.get_npu_format(nz * 2) == torch_npu.Format.ND


def test_casting_to_the_current_format_returns_the_tensor_itself():
    x = torch.randn(2, 3).npu()
    assert torch_npu.npu_format_cast(x, 2) is x
    assert x.npu_format_cast(torch_npu.Format.ND) is x


def test_in_place_casts_take_a_format_or_another_tensors():
    x, y = torch.randn(8, 8).npu(), torch.randn(8, 8).npu()
    assert x.npu_format_cast_(29) is x and torch_npu.get_npu_format(x) == torch_npu.Format.FRACTAL_NZ
    torch_npu.npu_format_cast_(y, x)
    assert torch_npu.get_npu_format(y) == torch_npu.Format.FRACTAL_NZ


def test_a_nz_cast_of_fewer_than_two_dimensions_keeps_nd_with_the_references_warning(capfd):
    # The warning reaches Python's warnings or, through the autograd wrapper, stderr.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cast = torch_npu.npu_format_cast(torch.randn(7).npu(), torch_npu.Format.FRACTAL_NZ)
    assert torch_npu.get_npu_format(cast) == torch_npu.Format.ND
    reported = " ".join(str(w.message) for w in caught) + capfd.readouterr().err
    assert "Cannot create tensor with NZ format while dim < 2" in reported


def test_the_gradient_passes_through_a_cast():
    x = torch.randn(4, 6).npu().requires_grad_()
    torch_npu.npu_format_cast(x, torch_npu.Format.FRACTAL_NZ).mul(3).sum().backward()
    torch.testing.assert_close(x.grad.cpu(), torch.full((4, 6), 3.0))


def test_serialized_tensors_load_as_nd():
    buffer = io.BytesIO()
    torch.save(torch_npu.npu_format_cast(torch.randn(4, 4).npu(), 29), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert loaded.device.type == "npu" and torch_npu.get_npu_format(loaded) == torch_npu.Format.ND


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        assert torch_npu.npu_format_cast(torch.empty(4, 4, device="npu"), 29).shape == (4, 4)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: torch_npu.npu_format_cast(torch.randn(2, 2).npu(), 99), r"unknown format 99"),
        (lambda: torch_npu.npu_format_cast(torch.randn(2, 2).npu(), 3), "format NC1HWC0 lays out 4-dimensional"),
        (lambda: torch_npu.get_npu_format(torch.randn(2)), "get_npu_format: expected an npu tensor, got one on cpu"),
        (lambda: torch_npu.npu_format_cast(torch.randn(2, 2).npu(), 29, 1), "customize_dtype is not supported"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
