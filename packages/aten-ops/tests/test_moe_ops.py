"""torch_npu.npu_moe_gating_top_k_softmax, npu_moe_init_routing and npu_moe_finalize_routing
against the reference's documented formulas written out on the CPU (per row and per choice),
in float32, float16 and bfloat16; a whole routing round trip; FakeTensor shapes; bad input."""

import pytest
import torch
import torch_npu
from torch._subclasses.fake_tensor import FakeTensorMode

from fallback_guard import no_fallback


@pytest.fixture(autouse=True)
def _seeded():
    """The same random inputs on every run."""
    torch.manual_seed(0)


def gating_top_k_softmax(x, finished, k):
    """y, expert_idx = topk(softmax(x)); finished rows choose expert E; row_idx[i, j] = j * rows + i."""
    experts = x.shape[-1]
    flat = x.reshape(-1, experts).float()
    rows = flat.shape[0]
    y = torch.empty(rows, k)
    expert_idx = torch.empty(rows, k, dtype=torch.int32)
    row_idx = torch.empty(rows, k, dtype=torch.int32)
    done = finished.reshape(-1) if finished is not None else torch.zeros(rows, dtype=torch.bool)
    for i in range(rows):
        # Of equal probabilities (frequent in float16 and bfloat16) the lower expert comes first.
        values, indices = torch.sort(torch.softmax(flat[i], 0), descending=True, stable=True)
        y[i] = values[:k]
        expert_idx[i] = experts if done[i] else indices[:k]
        for j in range(k):
            row_idx[i, j] = j * rows + i
    shape = (*x.shape[:-1], k)
    return y.to(x.dtype).reshape(shape), expert_idx.reshape(shape), row_idx.reshape(shape)


def init_routing(x, row_idx, expert_idx, active_num):
    """The pairs sorted stably by expert; expanded_row_idx inverts the order; x's rows in it."""
    rows, k = expert_idx.shape
    experts, sources = expert_idx.reshape(-1).tolist(), row_idx.reshape(-1).tolist()
    order = sorted(range(rows * k), key=lambda p: experts[p])
    expanded_row_idx = torch.empty(rows * k, dtype=torch.int32)
    for position, p in enumerate(order):
        expanded_row_idx[sources[p]] = position
    kept = [sources[p] % rows for p in order[: min(rows, active_num) * k]]
    return x[kept], expanded_row_idx, torch.tensor([experts[p] for p in order], dtype=torch.int32)


def finalize_routing(expanded, skip1, skip2, bias, scales, src_to_dst, experts):
    """out[i] = skip1[i] + skip2[i] + sum_k scales[i, k] * (expanded[src_to_dst[k * rows + i]] + bias[expert])."""
    rows, k = scales.shape
    out = skip1.float().clone()
    if skip2 is not None:
        out += skip2.float()
    for i in range(rows):
        for j in range(k):
            routed = expanded[src_to_dst[j * rows + i]].float() + bias[experts[i, j]].float()
            out[i] += scales[i, j].float() * routed
    return out.to(expanded.dtype)


def routing_inputs(rows, k, experts, generator):
    expert_idx = torch.stack([torch.randperm(experts, generator=generator)[:k] for _ in range(rows)]).int()
    row_idx = torch.arange(rows * k, dtype=torch.int32).view(k, rows).t().contiguous()
    return row_idx, expert_idx


TOLERANCES = {torch.float32: {}, torch.float16: {"atol": 1e-3, "rtol": 1e-3}, torch.bfloat16: {"atol": 1e-2, "rtol": 1e-2}}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("shape,k", [((6, 8), 2), ((2, 3, 16), 4), ((5, 4), 4)])
@pytest.mark.parametrize("with_finished", [False, True])
def test_gating_top_k_softmax_matches_the_formula(dtype, shape, k, with_finished):
    x = torch.randn(shape).to(dtype)
    finished = torch.rand(shape[:-1]) < 0.4 if with_finished else None
    with no_fallback():
        y, expert_idx, row_idx = torch_npu.npu_moe_gating_top_k_softmax(
            x.npu(), finished.npu() if with_finished else None, k=k
        )
    expected_y, expected_experts, expected_rows = gating_top_k_softmax(x, finished, k)
    assert y.dtype == dtype and expert_idx.dtype == row_idx.dtype == torch.int32
    torch.testing.assert_close(y.cpu(), expected_y, **TOLERANCES[dtype])
    torch.testing.assert_close(expert_idx.cpu(), expected_experts)
    torch.testing.assert_close(row_idx.cpu(), expected_rows)


def test_gating_takes_the_lower_expert_of_equal_probabilities():
    x = torch.tensor([[1.0, 3.0, 3.0, 1.0]])
    _, expert_idx, _ = torch_npu.npu_moe_gating_top_k_softmax(x.npu(), k=3)
    assert expert_idx.cpu().tolist() == [[1, 2, 0]]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("rows,k,active_num", [(7, 2, 7), (10, 3, 4), (5, 1, 100)])
def test_init_routing_matches_the_formula(dtype, rows, k, active_num):
    generator = torch.Generator().manual_seed(rows * 10 + k)
    x = torch.randn(rows, 12, generator=generator).to(dtype)
    row_idx, expert_idx = routing_inputs(rows, k, 6, generator)
    with no_fallback():
        results = torch_npu.npu_moe_init_routing(x.npu(), row_idx.npu(), expert_idx.npu(), active_num)
    for result, expected in zip(results, init_routing(x, row_idx, expert_idx, active_num)):
        assert result.dtype == expected.dtype
        torch.testing.assert_close(result.cpu(), expected, rtol=0, atol=0)


def test_init_routing_keeps_the_row_major_order_of_one_expert():
    x = torch.arange(6.0).view(3, 2)
    row_idx = torch.arange(6, dtype=torch.int32).view(2, 3).t().contiguous()
    expert_idx = torch.zeros(3, 2, dtype=torch.int32)
    expanded_x, expanded_row_idx, _ = torch_npu.npu_moe_init_routing(x.npu(), row_idx.npu(), expert_idx.npu(), 3)
    # Pairs in row-major order carry row_idx 0, 3, 1, 4, 2, 5: token 0's choices, then token 1's, ...
    assert expanded_row_idx.cpu().tolist() == [0, 2, 4, 1, 3, 5]
    torch.testing.assert_close(expanded_x.cpu(), x[[0, 0, 1, 1, 2, 2]])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("with_skip2", [False, True])
def test_finalize_routing_matches_the_formula(dtype, with_skip2):
    rows, k, experts, hidden = 6, 2, 4, 8
    generator = torch.Generator().manual_seed(3)
    _, expert_idx = routing_inputs(rows, k, experts, generator)
    expanded = torch.randn(rows * k, hidden, generator=generator).to(dtype)
    skip1, skip2 = (torch.randn(rows, hidden, generator=generator).to(dtype) for _ in range(2))
    bias = torch.randn(experts, hidden, generator=generator).to(dtype)
    scales = torch.rand(rows, k, generator=generator).to(dtype)
    src_to_dst = torch.randperm(rows * k, generator=generator).int()
    inputs = (expanded, skip1, skip2 if with_skip2 else None, bias, scales, src_to_dst, expert_idx)
    with no_fallback():
        out = torch_npu.npu_moe_finalize_routing(*(t.npu() if t is not None else None for t in inputs))
    assert out.dtype == dtype and out.shape == (rows, hidden)
    torch.testing.assert_close(out.cpu(), finalize_routing(*inputs), **TOLERANCES[dtype])


def test_routing_round_trip_combines_each_tokens_experts():
    """gating -> init routing -> one linear map per expert -> finalize: sum_k y[i, k] * W[e_ik] x[i]."""
    rows, experts, k, hidden = 9, 4, 2, 6
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(rows, hidden, generator=generator)
    logits = torch.randn(rows, experts, generator=generator)
    weights = torch.randn(experts, hidden, hidden, generator=generator)
    with no_fallback():
        y, expert_idx, row_idx = torch_npu.npu_moe_gating_top_k_softmax(logits.npu(), k=k)
        expanded_x, expanded_row_idx, expanded_experts = torch_npu.npu_moe_init_routing(
            x.npu(), row_idx, expert_idx, rows
        )
    sorted_experts = expanded_experts.cpu().long()
    processed = torch.einsum("nh,nho->no", expanded_x.cpu(), weights[sorted_experts])
    with no_fallback():
        out = torch_npu.npu_moe_finalize_routing(
            processed.npu(), torch.zeros(rows, hidden).npu(), None, torch.zeros(experts, hidden).npu(), y,
            expanded_row_idx, expert_idx,
        )
    chosen = expert_idx.cpu().long()
    expected = torch.einsum("nk,nh,nkho->no", y.cpu(), x, weights[chosen])
    torch.testing.assert_close(out.cpu(), expected, atol=1e-4, rtol=1e-4)


def test_shapes_under_fake_tensors():
    with FakeTensorMode():
        x = torch.empty(2, 3, 16, device="npu")
        y, expert_idx, row_idx = torch_npu.npu_moe_gating_top_k_softmax(x, None, 4)
        assert y.shape == expert_idx.shape == row_idx.shape == (2, 3, 4) and expert_idx.dtype == torch.int32
        tokens = torch.empty(10, 8, device="npu")
        index = torch.empty(10, 3, dtype=torch.int32, device="npu")
        expanded_x, expanded_row_idx, expanded_experts = torch_npu.npu_moe_init_routing(tokens, index, index, 4)
        assert expanded_x.shape == (12, 8) and expanded_row_idx.shape == expanded_experts.shape == (30,)
        out = torch_npu.npu_moe_finalize_routing(
            torch.empty(30, 8, device="npu"), tokens, None, torch.empty(5, 8, device="npu"),
            torch.empty(10, 3, device="npu"), expanded_row_idx, index,
        )
        assert out.shape == (10, 8)


def test_bad_arguments_raise_at_the_call():
    x = torch.randn(4, 6).npu()
    index = torch.zeros(4, 2, dtype=torch.int32).npu()
    with pytest.raises(RuntimeError, match="x must be 2-D or 3-D, got 1-D"):
        torch_npu.npu_moe_gating_top_k_softmax(torch.randn(6).npu())
    with pytest.raises(RuntimeError, match=r"k must be in \[0, 6\] \(the experts\), got 7"):
        torch_npu.npu_moe_gating_top_k_softmax(x, k=7)
    with pytest.raises(RuntimeError, match="finished must be bool, got Int"):
        torch_npu.npu_moe_gating_top_k_softmax(x, torch.zeros(4, dtype=torch.int32).npu())
    with pytest.raises(RuntimeError, match="expected NPU tensors, got one on cpu"):
        torch_npu.npu_moe_gating_top_k_softmax(x, torch.zeros(4, dtype=torch.bool))
    with pytest.raises(RuntimeError, match="expert_idx must be a 2-D int32 tensor, got a 2-D Long tensor"):
        torch_npu.npu_moe_init_routing(x, index, index.long(), 4)
    with pytest.raises(RuntimeError, match="row_idx and expert_idx must have one shape"):
        torch_npu.npu_moe_init_routing(x, index[:, :1], index, 4)
    with pytest.raises(RuntimeError, match="active_num must not be negative"):
        torch_npu.npu_moe_init_routing(x, index, index, -1)
    expanded, src_to_dst = torch.randn(8, 6).npu(), torch.arange(8, dtype=torch.int32).npu()
    scales, bias = torch.ones(4, 2).npu(), torch.zeros(3, 6).npu()
    with pytest.raises(RuntimeError, match=r"skip1=None is not supported yet"):
        torch_npu.npu_moe_finalize_routing(expanded, None, None, bias, scales, src_to_dst, index)
    with pytest.raises(RuntimeError, match="drop_pad_mode=1 is not supported yet"):
        torch_npu.npu_moe_finalize_routing(expanded, x, None, bias, scales, src_to_dst, index, drop_pad_mode=1)
    with pytest.raises(RuntimeError, match=r"skip1 must be \(NUM_ROWS, H\) = \[4, 6\], got \[4, 5\]"):
        torch_npu.npu_moe_finalize_routing(expanded, x[:, :5], None, bias, scales, src_to_dst, index)
    with pytest.raises(RuntimeError, match="k=3 contradicts scales, which routes each row to 2 experts"):
        torch_npu.npu_moe_finalize_routing(expanded, x, None, bias, scales, src_to_dst, index, k=3)
