"""torch_npu.npu_grouped_matmul (unquantized, no activation) against the reference's documented
formula y_i = x_i @ weight_i + bias_i on the CPU: lists of groups (group_type -1), x grouped along M
by group_list as ends or sizes (group_type 0), one output per group (split_item 0/1) or all joined
(2/3), a single 3-D weight, float16/bfloat16; FakeTensor shapes; unsupported forms and bad input."""

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import ShapeEnv

from fallback_guard import no_fallback


@pytest.fixture(autouse=True)
def _seeded():
    """The same random inputs on every run."""
    torch.manual_seed(0)

TOLERANCES = {torch.float32: {"atol": 1e-5, "rtol": 1e-5}, torch.float16: {"atol": 2e-3, "rtol": 2e-3},
              torch.bfloat16: {"atol": 2e-2, "rtol": 2e-2}}  # fmt: skip


def grouped(xs, weights, biases):
    """The per-group matmuls, in float, each cast back to x's dtype."""
    out = []
    for i, (x, w) in enumerate(zip(xs, weights)):
        y = x.float() @ w.float()
        if biases is not None:
            y = y + biases[i].float()
        out.append(y.to(x.dtype))
    return out


def npu(tensors):
    return [t.npu() for t in tensors]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("with_bias", [False, True])
def test_lists_of_groups_give_one_output_each(dtype, with_bias):
    xs = [torch.randn(3, 8).to(dtype), torch.randn(2, 5, 4).to(dtype)]
    weights = [torch.randn(8, 6).to(dtype), torch.randn(4, 7).to(dtype)]
    biases = [torch.randn(6).to(dtype), torch.randn(7).to(dtype)] if with_bias else None
    with no_fallback():
        ys = torch_npu.npu_grouped_matmul(
            npu(xs), npu(weights), bias=npu(biases) if with_bias else None, group_type=-1
        )
    assert [y.shape for y in ys] == [(3, 6), (2, 5, 7)]
    for y, expected in zip(ys, grouped(xs, weights, biases)):
        assert y.dtype == dtype
        torch.testing.assert_close(y.cpu(), expected, **TOLERANCES[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("split_item", [0, 1, 2, 3])
@pytest.mark.parametrize("group_list_type", [0, 1])
def test_x_grouped_along_m_by_group_list(dtype, split_item, group_list_type):
    sizes = [3, 0, 4, 2]
    x = torch.randn(sum(sizes), 8).to(dtype)
    weights = [torch.randn(8, 5).to(dtype) for _ in sizes]
    biases = [torch.randn(5).to(dtype) for _ in sizes]
    group_list = torch.tensor(sizes).cumsum(0) if group_list_type == 0 else torch.tensor(sizes)
    with no_fallback():
        ys = torch_npu.npu_grouped_matmul(
            [x.npu()], npu(weights), bias=npu(biases), group_list=group_list.npu(), split_item=split_item,
            group_type=0, group_list_type=group_list_type,
        )
    expected = grouped(x.split(sizes), weights, biases)
    if split_item in (2, 3):
        assert len(ys) == 1 and ys[0].shape == (sum(sizes), 5)
        torch.testing.assert_close(ys[0].cpu(), torch.cat(expected), **TOLERANCES[dtype])
    else:
        assert [y.shape for y in ys] == [(n, 5) for n in sizes]
        for y, e in zip(ys, expected):
            torch.testing.assert_close(y.cpu(), e, **TOLERANCES[dtype])


def test_a_single_3d_weight_holds_every_expert():
    """The MoE layout: tokens sorted by expert, one (E, K, N) weight and one (E, N) bias."""
    sizes = [2, 5, 1]
    x = torch.randn(sum(sizes), 6, dtype=torch.float16)
    weight = torch.randn(3, 6, 4, dtype=torch.float16)
    bias = torch.randn(3, 4, dtype=torch.float16)
    with no_fallback():
        (y,) = torch_npu.npu_grouped_matmul(
            [x.npu()], [weight.npu()], bias=[bias.npu()], group_list=torch.tensor(sizes).npu(), split_item=3,
            group_type=0, group_list_type=1,
        )
    expected = torch.cat(grouped(x.split(sizes), weight.unbind(0), bias.unbind(0)))
    torch.testing.assert_close(y.cpu(), expected, **TOLERANCES[torch.float16])


def test_rows_past_the_last_group_are_zero():
    x = torch.randn(6, 4)
    weights = [torch.randn(4, 3), torch.randn(4, 3)]
    (y,) = torch_npu.npu_grouped_matmul(
        [x.npu()], npu(weights), group_list=torch.tensor([1, 4]).npu(), split_item=2, group_type=0
    )
    expected = torch.cat([*grouped([x[:1], x[1:4]], weights, None), torch.zeros(2, 3)])
    torch.testing.assert_close(y.cpu(), expected, **TOLERANCES[torch.float32])


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        x = torch.empty(10, 8, device="npu")
        weights = [torch.empty(8, 4, device="npu"), torch.empty(8, 4, device="npu")]
        (joined,) = torch_npu.npu_grouped_matmul(
            [x], weights, group_list=torch.empty(2, dtype=torch.int64, device="npu"), split_item=3, group_type=0
        )
        assert joined.shape == (10, 4)
        ys = torch_npu.npu_grouped_matmul([x, torch.empty(3, 8, device="npu")], weights, group_type=-1)
        assert [y.shape for y in ys] == [(10, 4), (3, 4)]
    with FakeTensorMode(shape_env=ShapeEnv()):
        ys = torch_npu.npu_grouped_matmul(
            [torch.empty(10, 8, device="npu")], [torch.empty(2, 8, 4, device="npu")],
            group_list=torch.empty(2, dtype=torch.int64, device="npu"), split_item=0, group_type=0,
        )
        # Each group's rows are data: symbolic.
        assert len(ys) == 2 and all(isinstance(y.shape[0], torch.SymInt) and y.shape[1] == 4 for y in ys)


def test_unsupported_forms_and_bad_arguments_raise_at_the_call():
    x, w = torch.randn(4, 8).npu(), torch.randn(8, 3).npu()
    with pytest.raises(RuntimeError, match="scale is not supported yet"):
        torch_npu.npu_grouped_matmul([x], [w], scale=[torch.ones(3).npu()], group_type=-1)
    with pytest.raises(RuntimeError, match="act_type 1 is not supported yet"):
        torch_npu.npu_grouped_matmul([x], [w], act_type=1, group_type=-1)
    with pytest.raises(RuntimeError, match=r"group_type 2 \(grouping along K\) is not supported yet"):
        torch_npu.npu_grouped_matmul([x], [w], group_type=2)
    with pytest.raises(RuntimeError, match="group_type must be given"):
        torch_npu.npu_grouped_matmul([x], [w])
    with pytest.raises(RuntimeError, match="split_item must be 0, 1, 2 or 3, got 4"):
        torch_npu.npu_grouped_matmul([x], [w], split_item=4, group_type=-1)
    with pytest.raises(RuntimeError, match="weight must have x's dtype"):
        torch_npu.npu_grouped_matmul([x], [w.half()], group_type=-1)
    with pytest.raises(RuntimeError, match="does not match weight 0's K"):
        torch_npu.npu_grouped_matmul([x], [torch.randn(5, 3).npu()], group_type=-1)
    with pytest.raises(RuntimeError, match="2 tensors in x for 1 weights"):
        torch_npu.npu_grouped_matmul([x, x], [w], group_type=-1)
    with pytest.raises(RuntimeError, match="group_list needs group_type 0"):
        torch_npu.npu_grouped_matmul([x], [w], group_list=torch.tensor([4]).npu(), group_type=-1)
    with pytest.raises(RuntimeError, match="group_list must be a 1-D int64 tensor"):
        torch_npu.npu_grouped_matmul([x], [w], group_list=torch.tensor([4], dtype=torch.int32).npu(), group_type=0)
    with pytest.raises(RuntimeError, match="group 1 of group_list has -2 rows"):
        torch_npu.npu_grouped_matmul([x], [w, w], group_list=torch.tensor([3, 1]).npu(), group_type=0)
    with pytest.raises(RuntimeError, match="group_list covers more than x's 4 rows"):
        torch_npu.npu_grouped_matmul([x], [w, w], group_list=torch.tensor([3, 2]).npu(), group_type=0,
                                     group_list_type=1)
    with pytest.raises(RuntimeError, match=r"bias 0 must be \(N,\) = \(3,\)"):
        torch_npu.npu_grouped_matmul([x], [w], bias=[torch.ones(4).npu()], group_type=-1)
    with pytest.raises(RuntimeError, match="expected NPU tensors, got one on cpu"):
        torch_npu.npu_grouped_matmul([x], [w.cpu()], group_type=-1)
