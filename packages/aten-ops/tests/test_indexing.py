"""Advanced indexing (aten::index) native on npu against the CPU: integer and mask indices,
absent and non-adjacent dimensions, broadcasting, CPU indices, out=, gradients, and ATen's
errors at the call."""

import pytest
import torch

from fallback_guard import no_fallback

X = torch.arange(120.0).reshape(4, 5, 6)
LONG = torch.tensor([[0, 3], [2, 2]])


@pytest.mark.parametrize(
    "key",
    [
        (LONG,),
        (slice(None), torch.tensor([4, 0, 1])),
        (torch.tensor([1, 2]), slice(None), torch.tensor([5, 0])),  # not adjacent: the index dims go first
        (slice(1, 3), LONG, torch.tensor([1])),  # broadcast
        (torch.tensor([-1, 0]),),
        (torch.tensor([], dtype=torch.long),),
        (LONG.int(),),
    ],
    ids=["leading", "middle", "apart", "broadcast", "negative", "empty", "int32"],
)
def test_integer_indices_match_cpu(key):
    with no_fallback():
        result = X.npu()[tuple(k.npu() if isinstance(k, torch.Tensor) else k for k in key)]
    torch.testing.assert_close(result.cpu(), X[key])


def test_masks_and_cpu_indices_match_cpu():
    mask = X[:, :, 0] > 40
    torch.testing.assert_close(X.npu()[mask.npu()].cpu(), X[mask])
    with no_fallback():
        from_cpu = X.npu()[LONG]
    torch.testing.assert_close(from_cpu.cpu(), X[LONG])


def test_out_and_the_gradient():
    out = torch.empty(0).npu()
    with no_fallback():
        torch.ops.aten.index.Tensor_out(X.npu(), [None, torch.tensor([1, 3]).npu()], out=out)
    torch.testing.assert_close(out.cpu(), X[:, [1, 3]])
    weight = X.clone().requires_grad_()
    on_npu = X.npu().requires_grad_()
    on_npu[LONG.npu()].sum().backward()
    weight[LONG].sum().backward()
    torch.testing.assert_close(on_npu.grad.cpu(), weight.grad)


@pytest.mark.parametrize(
    "key,error,message",
    [
        ((LONG, LONG, LONG, LONG), IndexError, "too many indices for tensor of dimension 3"),
        ((torch.tensor([0, 1]), torch.tensor([0, 1, 2])), IndexError, "shape mismatch: indexing tensors could not be broadcast together with shapes \\[2\\], \\[3\\]"),
        ((torch.ones(3, dtype=torch.bool),), IndexError, r"The shape of the mask \[3\] at index 0 does not match the shape of the indexed tensor \[4, 5, 6\] at index 0"),
        ((torch.tensor([0.0]),), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    ],
)  # fmt: skip
def test_bad_indices_raise_as_on_the_cpu(key, error, message):
    with pytest.raises(error, match=message):
        X[key]
    with pytest.raises(error, match=message):
        X.npu()[tuple(k.npu() for k in key)]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_writes_and_accumulates_as_on_the_cpu(accumulate):
    rows = torch.tensor([0, 2, 2, 3])
    values = torch.arange(24.0).reshape(4, 6)
    expected = X.clone().index_put_((rows, torch.tensor([1])), values, accumulate=accumulate)
    with no_fallback():
        actual = X.npu().index_put_((rows.npu(), torch.tensor([1]).npu()), values.npu(), accumulate=accumulate)
    torch.testing.assert_close(actual.cpu(), expected)


def test_index_put_with_a_mask_a_scalar_and_the_setitem_form():
    expected, actual = X.clone(), X.npu()
    expected[X > 100] = -1.0
    actual[actual > 100] = -1.0
    expected[LONG, 1] = torch.tensor(7.0)
    actual[LONG.npu(), 1] = torch.tensor(7.0)
    torch.testing.assert_close(actual.cpu(), expected)


@pytest.mark.parametrize(
    "values,message",
    [
        (torch.ones(3), r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[2, 2, 5, 6\]"),
        (torch.ones(6, dtype=torch.long), "Index put requires the source and destination dtypes match, got Float for the destination and Long for the source."),
    ],
)  # fmt: skip
def test_index_put_refuses_what_the_cpu_refuses(values, message):
    with pytest.raises(RuntimeError, match=message):
        X.clone().index_put_((LONG,), values)
    with pytest.raises(RuntimeError, match=message):
        X.npu().index_put_((LONG.npu(),), values.npu())
