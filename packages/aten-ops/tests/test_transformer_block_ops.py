"""The elementwise operators and softmax of transformer blocks, native, against the CPU:
forward, in-place and out= forms, and the gradients autograd asks of them."""

import pytest
import torch
import torch.nn.functional as F

from fallback_guard import no_fallback

UNARY = [torch.rsqrt, torch.sin, torch.cos, torch.sigmoid, F.silu]


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_unary_forward_and_backward_match_cpu(op, dtype):
    x = (torch.rand(5, 7) + 0.1).to(dtype)
    grad = torch.randn(5, 7).to(dtype)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = op(on_npu)
        result.backward(grad.npu())
    expected = op(cpu)
    expected.backward(grad)
    torch.testing.assert_close(result.cpu(), expected)
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


@pytest.mark.parametrize("name", ["rsqrt", "sin", "cos", "sigmoid"])
def test_in_place_out_and_integer_promotion(name):
    x = torch.rand(6) + 0.5
    with no_fallback():
        in_place = x.npu()
        getattr(in_place, name + "_")()
        out = torch.empty(6).npu()
        getattr(torch, name)(x.npu(), out=out)
        promoted = getattr(torch, name)(torch.arange(1, 4).npu())
    expected = getattr(torch, name)(x)
    torch.testing.assert_close(in_place.cpu(), expected)
    torch.testing.assert_close(out.cpu(), expected)
    torch.testing.assert_close(promoted.cpu(), getattr(torch, name)(torch.arange(1, 4)))


def test_silu_refuses_integers_at_the_call_as_the_cpu_does():
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.silu(torch.arange(3))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.silu(torch.arange(3).npu())


@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_and_its_backward_match_cpu(dim):
    x = torch.randn(4, 9)
    grad = torch.randn(4, 9)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = torch.softmax(on_npu, dim)
        result.backward(grad.npu())
        half_to_float = torch.softmax(x.half().npu(), dim, dtype=torch.float32)
    expected = torch.softmax(cpu, dim)
    expected.backward(grad)
    torch.testing.assert_close(result.cpu(), expected)
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)
    torch.testing.assert_close(half_to_float.cpu(), torch.softmax(x.half(), dim, dtype=torch.float32))


@pytest.mark.parametrize("base,exponent", [(torch.rand(5) + 0.5, 2.0), (torch.arange(5), 2), (torch.arange(5), 0.5)])
def test_pow_with_a_scalar_exponent_takes_atens_result_type(base, exponent):
    with no_fallback():
        result = torch.pow(base.npu(), exponent)
    expected = torch.pow(base, exponent)
    assert result.dtype == expected.dtype
    torch.testing.assert_close(result.cpu(), expected)


def test_bmm_and_its_gradients_match_cpu():
    a, b = torch.randn(3, 4, 5), torch.randn(3, 5, 2)
    leaves = [t.clone().requires_grad_() for t in (a, b)]
    on_npu = [t.npu().requires_grad_() for t in (a, b)]
    with no_fallback():
        result = torch.bmm(*on_npu)
        result.sum().backward()
    torch.bmm(*leaves).sum().backward()
    torch.testing.assert_close(result.cpu(), torch.bmm(a, b))
    for npu_leaf, cpu_leaf in zip(on_npu, leaves):
        torch.testing.assert_close(npu_leaf.grad.cpu(), cpu_leaf.grad)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda d: torch.bmm(torch.randn(2, 3, device=d), torch.randn(2, 3, 4, device=d)), "batch1 must be a 3D tensor"),
        (lambda d: torch.bmm(torch.randn(2, 3, 4, device=d), torch.randn(2, 5, 4, device=d)),
         r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[2, 5\]"),
        (lambda d: torch.where(torch.ones(2, device=d), torch.ones(2, device=d), torch.zeros(2, device=d)),
         "where expected condition to be a boolean tensor"),
        (lambda d: torch.index_select(torch.ones(3, device=d), 0, torch.zeros(2, 2, dtype=torch.long, device=d)),
         "Index is supposed to be a vector"),
        (lambda d: torch.bitwise_and(torch.ones(2, device=d), torch.ones(2, device=d)), "not implemented for 'Float'"),
    ],
)
def test_bad_arguments_raise_as_on_the_cpu(call, message):
    with pytest.raises(Exception, match=message) as on_cpu:
        call("cpu")
    with pytest.raises(type(on_cpu.value), match=message):
        call("npu")


def test_masks_and_lookups_match_cpu():
    x = torch.tensor([[1.0, float("-inf")], [3.0, 0.5]])
    y = torch.tensor([[2.0, 0.0], [3.0, 1.0]])
    condition = x > 1
    index = torch.tensor([1, 0, 1])
    ints = torch.tensor([6, 3, 5])
    with no_fallback():
        results = {
            "where": torch.where(condition.npu(), x.npu(), y.npu()),
            "where-promoted": torch.where(condition.npu(), x.npu(), y.double().npu()),
            "le": x.npu() <= y.npu(),
            "eq-scalar": x.npu() == 3.0,
            "isneginf": torch.isneginf(x.npu()),
            "index_select": torch.index_select(x.npu(), 1, index.npu()),
            "bitwise_and": ints.npu() & torch.tensor(3).npu(),
            "where-out": torch.where(condition.npu(), x.npu(), y.npu(), out=torch.empty(0).npu()),
        }
    expected = {
        "where": torch.where(condition, x, y),
        "where-promoted": torch.where(condition, x, y.double()),
        "le": x <= y,
        "eq-scalar": x == 3.0,
        "isneginf": torch.isneginf(x),
        "index_select": torch.index_select(x, 1, index),
        "bitwise_and": ints & torch.tensor(3),
        "where-out": torch.where(condition, x, y),
    }
    for name, result in results.items():
        assert result.dtype == expected[name].dtype, name
        torch.testing.assert_close(result.cpu(), expected[name], msg=name)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_gradient_sums_the_rows_of_each_index(padding_idx):
    weight = torch.randn(6, 4)
    ids = torch.tensor([[1, 2, 1], [5, 2, 0]])
    cpu = weight.clone().requires_grad_()
    on_npu = weight.npu().requires_grad_()
    grad = torch.randn(2, 3, 4)
    with no_fallback():
        F.embedding(ids.npu(), on_npu, padding_idx=padding_idx).backward(grad.npu())
    F.embedding(ids, cpu, padding_idx=padding_idx).backward(grad)
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_cpu_with_promotion_and_legacy_empty_tensors(dim):
    parts = [torch.randn(2, 3), torch.arange(6, dtype=torch.int32).view(2, 3), torch.empty(0)]
    with no_fallback():
        joined = torch.cat([p.npu() for p in parts], dim)
        out = torch.empty(0, dtype=torch.float64).npu()
        torch.cat([p.npu() for p in parts[:2]], dim, out=out)
    torch.testing.assert_close(joined.cpu(), torch.cat(parts, dim))
    torch.testing.assert_close(out.cpu(), torch.cat(parts[:2], dim, out=torch.empty(0, dtype=torch.float64)))


@pytest.mark.parametrize(
    "parts,message",
    [
        (lambda d: [], "expected a non-empty list of Tensors"),
        (lambda d: [torch.ones(2, 3, device=d), torch.ones(2, 4, device=d)],
         "Sizes of tensors must match except in dimension 0"),
        (lambda d: [torch.ones(2, 3, device=d), torch.ones(2, 3, 1, device=d)],
         "Tensors must have same number of dimensions"),
    ],
)
def test_cat_refuses_what_the_cpu_refuses(parts, message):
    with pytest.raises(Exception, match=message) as on_cpu:
        torch.cat(parts("cpu"))
    if not parts("npu"):
        return  # an empty list has no device: nothing reaches the npu kernel
    with pytest.raises(type(on_cpu.value), match=message):
        torch.cat(parts("npu"))


@pytest.mark.parametrize(
    "args,dtype", [((0, 10, 3), torch.long), ((1.5, -2.0, -0.25), torch.float32), ((0, 1, 0.1), torch.float64)]
)
def test_arange_counts_elements_as_aten_does(args, dtype):
    with no_fallback():
        result = torch.arange(*args, dtype=dtype, device="npu")
    torch.testing.assert_close(result.cpu(), torch.arange(*args, dtype=dtype))


def test_arange_refuses_inconsistent_bounds():
    for device in ("cpu", "npu"):
        with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
            torch.arange(0, 5, -1, device=device)
        with pytest.raises(RuntimeError, match="step must be nonzero"):
            torch.arange(0, 5, 0, device=device)


def test_all_over_everything_and_one_dim():
    x = torch.tensor([[1, 0, 2], [3, 4, 5]])
    with no_fallback():
        results = [torch.all(x.npu()), torch.all(x.npu(), 1), torch.all(x.npu(), 0, keepdim=True),
                   torch.all(x.to(torch.uint8).npu())]  # fmt: skip
    expected = [torch.all(x), torch.all(x, 1), torch.all(x, 0, keepdim=True), torch.all(x.to(torch.uint8))]
    for result, wanted in zip(results, expected):
        assert result.dtype == wanted.dtype and result.shape == wanted.shape
        assert torch.equal(result.cpu(), wanted)


@pytest.mark.parametrize("diagonal", [0, 1, -1])
def test_tril_in_every_form(diagonal):
    x = torch.randn(2, 4, 5)
    with no_fallback():
        results = [torch.tril(x.npu(), diagonal), x.npu().tril_(diagonal),
                   torch.tril(x.npu(), diagonal, out=torch.empty(0).npu())]  # fmt: skip
    for result in results:
        torch.testing.assert_close(result.cpu(), torch.tril(x, diagonal))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        torch.tril(torch.ones(3).npu())


def test_tanh_ge_and_gather_match_cpu():
    x = torch.randn(3, 4)
    index = torch.tensor([[0, 2], [1, 1], [3, 0]])
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = torch.tanh(on_npu)
        result.backward(torch.ones(3, 4).npu())
        compared = x.npu() >= 0.1
        gathered = torch.gather(x.npu(), 1, index.npu())
    torch.tanh(cpu).backward(torch.ones(3, 4))
    torch.testing.assert_close(result.cpu(), torch.tanh(x))
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)
    assert torch.equal(compared.cpu(), x >= 0.1)
    torch.testing.assert_close(gathered.cpu(), torch.gather(x, 1, index))
    for device in ("cpu", "npu"):
        with pytest.raises(RuntimeError, match="gather\\(\\): Expected dtype int32/int64 for index"):
            torch.gather(torch.ones(3, device=device), 0, torch.zeros(2, device=device))


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gradients_match_cpu(affine):
    torch.manual_seed(0)
    module = torch.nn.LayerNorm((4, 6), elementwise_affine=affine)
    if affine:
        torch.nn.init.normal_(module.weight)
        torch.nn.init.normal_(module.bias)
    on_npu = torch.nn.LayerNorm((4, 6), elementwise_affine=affine).npu()
    on_npu.load_state_dict(module.state_dict())
    x = torch.randn(3, 4, 6)
    cpu_x, npu_x = x.clone().requires_grad_(), x.npu().requires_grad_()
    grad = torch.randn(3, 4, 6)
    with no_fallback():
        on_npu(npu_x).backward(grad.npu())
    module(cpu_x).backward(grad)
    torch.testing.assert_close(npu_x.grad.cpu(), cpu_x.grad, atol=1e-5, rtol=1e-4)
    for npu_parameter, cpu_parameter in zip(on_npu.parameters(), module.parameters()):
        torch.testing.assert_close(npu_parameter.grad.cpu(), cpu_parameter.grad, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_gelu_in_both_forms_and_its_gradient_match_cpu(approximate, dtype):
    x = torch.randn(4, 9).to(dtype)
    grad = torch.randn(4, 9).to(dtype)
    cpu = x.clone().requires_grad_()
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        result = F.gelu(on_npu, approximate=approximate)
        result.backward(grad.npu())
        in_place = x.npu()
        F.gelu(in_place, approximate=approximate).sum()  # the functional form leaves its input alone
        torch.ops.aten.gelu_(in_place, approximate=approximate)
    expected = F.gelu(cpu, approximate=approximate)
    expected.backward(grad)
    torch.testing.assert_close(result.cpu(), expected)
    torch.testing.assert_close(in_place.cpu(), expected.detach())
    torch.testing.assert_close(on_npu.grad.cpu(), cpu.grad)


def test_gelu_refuses_what_the_cpu_refuses():
    for device in ("cpu", "npu"):
        with pytest.raises(NotImplementedError, match="\"GeluKernelImpl\" not implemented for 'Long'"):
            F.gelu(torch.arange(3, device=device))
        with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
            F.gelu(torch.ones(3, device=device), approximate="erf")
