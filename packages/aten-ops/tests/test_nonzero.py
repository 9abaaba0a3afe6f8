"""aten::nonzero native on npu (aclnnNonzero, whose result size the operator sets and the
caller reads after synchronizing) against the CPU: dtypes, 0-d, empty, n-d, non-contiguous
input, out=, as_tuple, argwhere, masks as indices, and ATen's errors."""

import pytest
import torch

from fallback_guard import no_fallback

torch.manual_seed(0)
VALUES = torch.randint(-2, 3, (3, 4, 5))


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32, torch.float16, torch.bfloat16, torch.int64,
                                   torch.int32, torch.int8, torch.uint8, torch.float64])
def test_dtypes_match_cpu(dtype):
    x = VALUES.to(dtype)
    with no_fallback():
        result = torch.nonzero(x.npu())
    assert result.device.type == "npu" and result.dtype == torch.int64
    torch.testing.assert_close(result.cpu(), torch.nonzero(x))


@pytest.mark.parametrize(
    "x",
    [
        torch.tensor(3.0),
        torch.tensor(0.0),
        torch.zeros(0),
        torch.zeros(2, 0, 3),
        torch.zeros(4, 5),
        torch.ones(4, 5),
        torch.tensor([0.0, -0.0, float("nan"), 1e-30]),
        torch.randint(0, 2, (2, 3, 1, 4, 2)),
    ],
    ids=["0d", "0d-zero", "empty", "empty-nd", "none-nonzero", "all-nonzero", "nan-and-negative-zero", "5d"],
)
def test_shapes_match_cpu(x):
    with no_fallback():
        result = torch.nonzero(x.npu())
    assert result.shape == torch.nonzero(x).shape
    torch.testing.assert_close(result.cpu(), torch.nonzero(x))


def test_non_contiguous_input_and_a_second_stream():
    x = VALUES.float().transpose(0, 2)[1:]
    stream = torch.npu.Stream()
    with no_fallback(), torch.npu.stream(stream):
        result = torch.nonzero(x.npu())
    torch.testing.assert_close(result.cpu(), torch.nonzero(x))


def test_out_is_resized_and_dtype_checked():
    out = torch.empty(0, dtype=torch.int64).npu()
    with no_fallback():
        returned = torch.nonzero(VALUES.npu(), out=out)
    assert returned is out
    torch.testing.assert_close(out.cpu(), torch.nonzero(VALUES))
    with pytest.raises(RuntimeError, match="nonzero: Expected out tensor to have scalar type Long"):
        torch.nonzero(VALUES.npu(), out=torch.empty(0, dtype=torch.int32).npu())


def test_as_tuple_argwhere_and_masks_match_cpu():
    x = VALUES.float()
    positive = (x > 0).npu()
    with no_fallback():
        as_tuple = torch.nonzero(x.npu(), as_tuple=True)
        where = torch.argwhere(x.npu())
        masked = x.npu()[positive]
        zero_d = torch.nonzero(torch.tensor(2).npu(), as_tuple=True)
    expected = torch.nonzero(x, as_tuple=True)
    assert len(as_tuple) == len(expected)
    for a, e in zip(as_tuple, expected):
        torch.testing.assert_close(a.cpu(), e)
    torch.testing.assert_close(where.cpu(), torch.argwhere(x))
    torch.testing.assert_close(masked.cpu(), x[x > 0])
    torch.testing.assert_close(zero_d[0].cpu(), torch.nonzero(torch.tensor(2), as_tuple=True)[0])


def test_result_is_usable_after_more_work():
    x = (torch.arange(1000) % 7 == 0)
    later = (torch.arange(1000) > 500).npu()
    with no_fallback():
        on_npu = x.npu()
        result = torch.nonzero(on_npu)
        doubled = result * 2
        again = torch.nonzero(on_npu & later)
    torch.testing.assert_close(doubled.cpu(), torch.nonzero(x) * 2)
    torch.testing.assert_close(again.cpu(), torch.nonzero(x & (torch.arange(1000) > 500)))
