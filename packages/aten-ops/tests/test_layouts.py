"""torch_npu.npu_confusion_transpose (and its gradient) and npu_one_hot against plain ATen
compositions on the CPU, with the reference's argument meanings."""

import pytest
import torch
import torch.nn.functional as F
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from fallback_guard import no_fallback


@pytest.mark.parametrize("transpose_first", [True, False])
def test_confusion_transpose_and_its_gradient_match_views(transpose_first):
    if transpose_first:  # (B, N, S, D) -> (B, S, N*D): attention heads merged back
        x, perm, shape = torch.randn(2, 3, 4, 5), [0, 2, 1, 3], [2, 4, 15]
        composed = lambda t: t.permute(perm).reshape(shape)  # noqa: E731
    else:  # (B, S, H) -> (B, N, S, D): heads split out
        x, perm, shape = torch.randn(2, 4, 15), [0, 2, 1, 3], [2, 4, 3, 5]
        composed = lambda t: t.reshape(shape).permute(perm)  # noqa: E731
    cpu, on_npu = x.clone().requires_grad_(), x.npu().requires_grad_()
    with no_fallback():
        out = torch_npu.npu_confusion_transpose(on_npu, perm, shape, transpose_first)
        out.backward(torch.arange(out.numel(), dtype=torch.float).reshape(out.shape).npu())
    expected = composed(cpu)
    expected.backward(torch.arange(expected.numel(), dtype=torch.float).reshape(expected.shape))
    assert out.is_contiguous() and out.data_ptr() != on_npu.data_ptr()
    torch.testing.assert_close(out.cpu(), expected.detach())
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


def test_confusion_transpose_shapes_under_fake_tensors():
    with FakeTensorMode():
        x = torch.empty(2, 4, 15, device="npu")
        assert torch_npu.npu_confusion_transpose(x, [0, 2, 1, 3], [2, 4, 3, 5], False).shape == (2, 3, 4, 5)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8])
def test_one_hot_appends_the_classes_by_default(dtype):
    labels = torch.tensor([[0, 3, 1], [2, 2, 5]], dtype=dtype)
    with no_fallback():
        encoded = torch_npu.npu_one_hot(labels.npu(), depth=4)
    # Class 5 is beyond the depth: all off.
    expected = F.one_hot(labels.long().clamp(max=4), 5)[..., :4]
    assert encoded.dtype == torch.int64
    torch.testing.assert_close(encoded.cpu(), expected)


def test_one_hot_at_an_axis_with_float_values():
    labels = torch.tensor([1, 0, 2])
    with no_fallback():
        encoded = torch_npu.npu_one_hot(labels.npu(), num_classes=0, depth=3, on_value=0.9, off_value=0.05)
    expected = torch.where(F.one_hot(labels, 3).bool(), 0.9, 0.05).t().float()
    assert encoded.dtype == torch.float32 and encoded.shape == (3, 3)
    torch.testing.assert_close(encoded.cpu(), expected)


def test_one_hot_depth_minus_one_counts_the_largest_label():
    labels = torch.tensor([0, 4, 2])
    torch.testing.assert_close(torch_npu.npu_one_hot(labels.npu(), depth=-1).cpu(), F.one_hot(labels))


def test_one_hot_refuses_bad_arguments():
    with pytest.raises(RuntimeError, match="npu_one_hot: self must be uint8, int32 or int64"):
        torch_npu.npu_one_hot(torch.ones(3).npu(), depth=2)
    with pytest.raises(RuntimeError, match=r"num_classes \(the class axis\) must be -1 or in \[0, 1\]"):
        torch_npu.npu_one_hot(torch.ones(3, dtype=torch.long).npu(), num_classes=3, depth=2)
