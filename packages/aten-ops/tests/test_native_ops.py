"""The aclnn-backed operators: native (no fallback), equal to the CPU, with ATen's errors."""

import pytest
import torch
import torch.nn.functional as F

from cube_precision import float32_convolutions  # noqa: F401 (autouse fixture)
from fallback_guard import no_fallback


def _both(*tensors):
    return [t.npu() for t in tensors], list(tensors)


@pytest.mark.parametrize("op", [torch.add, torch.sub, torch.mul])
def test_binary_pointwise_with_broadcasting_and_promotion(op):
    a = torch.randn(4, 3)
    b = torch.randn(3)
    c = torch.arange(3)
    with no_fallback():
        result = op(a.npu(), b.npu())
        promoted = op(a.npu(), c.npu())
    assert torch.allclose(result.cpu(), op(a, b))
    assert promoted.dtype == op(a, c).dtype
    assert torch.allclose(promoted.cpu(), op(a, c))


def test_python_scalars_keep_their_weak_type():
    integers = torch.arange(5)
    with no_fallback():
        result = integers.npu() * 2.5
    assert result.dtype == torch.float32
    assert torch.allclose(result.cpu(), integers * 2.5)


def test_in_place_and_out_variants():
    a = torch.randn(5)
    b = torch.randn(5)
    on_npu = a.npu()
    with no_fallback():
        on_npu.add_(b.npu(), alpha=2)
        out = torch.empty(0, device="npu")
        torch.mul(a.npu(), b.npu(), out=out)
    assert torch.allclose(on_npu.cpu(), a + 2 * b)
    assert out.shape == (5,) and torch.allclose(out.cpu(), a * b)


def test_in_place_errors_match_aten():
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.ones(3, device="npu").add_(torch.ones(2, 3, device="npu"))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.ones(3, dtype=torch.long, device="npu").add_(torch.ones(3, device="npu"))


def test_operands_on_two_npus_are_rejected():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.add(torch.ones(2, device="npu:0"), torch.ones(2, device="npu:1"))


def test_matmul_family():
    a, b, bias = torch.randn(8, 5), torch.randn(5, 3), torch.randn(3)
    with no_fallback():
        product = a.npu() @ b.npu()
        affine = torch.addmm(bias.npu(), a.npu(), b.npu())
        linear = F.linear(a.npu(), b.t().npu(), bias.npu())
    assert torch.allclose(product.cpu(), a @ b, atol=1e-5)
    assert torch.allclose(affine.cpu(), torch.addmm(bias, a, b), atol=1e-5)
    assert torch.allclose(linear.cpu(), F.linear(a, b.t(), bias), atol=1e-5)


def test_reductions():
    x = torch.randn(4, 6)
    with no_fallback():
        total = x.npu().sum()
        per_row = x.npu().sum(dim=1, keepdim=True)
        mean = x.npu().mean(dim=0)
        best = x.npu().argmax(dim=1)
    assert torch.allclose(total.cpu(), x.sum(), atol=1e-5)
    assert torch.allclose(per_row.cpu(), x.sum(dim=1, keepdim=True), atol=1e-5)
    assert torch.allclose(mean.cpu(), x.mean(dim=0), atol=1e-6)
    assert torch.equal(best.cpu(), x.argmax(dim=1))
    assert torch.arange(4).npu().sum().dtype == torch.int64


def test_cnn_layers_forward_and_backward_match_cpu():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 10),
    )
    images = torch.randn(6, 1, 8, 8)
    labels = torch.randint(0, 10, (6,))
    reference = F.cross_entropy(model(images), labels)
    reference.backward()
    expected = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model.npu()
    with no_fallback():
        loss = F.cross_entropy(model(images.npu()), labels.npu())
        loss.backward()
    assert torch.allclose(loss.cpu(), reference, atol=1e-5)
    for parameter, grad in zip(model.parameters(), expected):
        assert torch.allclose(parameter.grad.cpu(), grad, atol=1e-5)


def test_dropout_is_native_and_reproducible():
    x = torch.ones(1000, device="npu")
    with no_fallback():
        torch.manual_seed(3)
        first = F.dropout(x, p=0.5)
        torch.manual_seed(3)
        second = F.dropout(x, p=0.5)
    assert torch.equal(first.cpu(), second.cpu())
    kept = (first.cpu() != 0).float().mean().item()
    assert 0.4 < kept < 0.6
    assert set(first.cpu().unique().tolist()) <= {0.0, 2.0}


def test_a_kernel_failure_surfaces_at_synchronize():
    scores = torch.randn(3, 4, device="npu")
    bad_targets = torch.tensor([0, 1, 9], device="npu")
    with pytest.raises(RuntimeError, match="aclnnNLLLoss"):
        F.nll_loss(scores, bad_targets)
        torch.npu.synchronize()
    assert torch.add(torch.ones(2, device="npu"), 1).cpu().tolist() == [2.0, 2.0]


def test_batch_norm_trains_and_updates_running_statistics():
    torch.manual_seed(1)
    reference = torch.nn.BatchNorm2d(3)
    on_npu = torch.nn.BatchNorm2d(3).npu()
    images = torch.randn(4, 3, 5, 5, requires_grad=True)
    images_npu = images.detach().npu().requires_grad_()
    with no_fallback():
        out = on_npu(images_npu)
        out.sum().backward()
    expected = reference(images)
    expected.sum().backward()
    assert torch.allclose(out.cpu(), expected, atol=1e-5)
    assert torch.allclose(on_npu.running_mean.cpu(), reference.running_mean, atol=1e-6)
    assert torch.allclose(on_npu.running_var.cpu(), reference.running_var, atol=1e-6)
    assert torch.allclose(images_npu.grad.cpu(), images.grad, atol=1e-5)
    assert torch.allclose(on_npu.weight.grad.cpu(), reference.weight.grad, atol=1e-4)
    on_npu.eval()
    reference.eval()
    with no_fallback():
        evaluated = on_npu(images_npu.detach())
    assert torch.allclose(evaluated.cpu(), reference(images.detach()), atol=1e-5)


def test_argmax_over_all_elements_and_conjugated_operands():
    x = torch.randn(3, 4)
    assert x.npu().argmax().item() == x.argmax().item()
    assert x.npu().argmax(keepdim=True).cpu().tolist() == x.argmax(keepdim=True).tolist()
    a = torch.randn(2, 3, dtype=torch.complex64)
    b = torch.randn(3, 2, dtype=torch.complex64)
    assert torch.allclose((a.npu().conj() @ b.npu()).cpu(), a.conj() @ b, atol=1e-5)


def test_exp_a_one_line_table_entry():
    x = torch.randn(7)
    integers = torch.arange(4)
    with no_fallback():
        result = x.npu().exp()
        promoted = integers.npu().exp()
        in_place = x.npu().exp_()
    assert torch.allclose(result.cpu(), x.exp())
    assert promoted.dtype == torch.float32 and torch.allclose(promoted.cpu(), integers.exp())
    assert torch.allclose(in_place.cpu(), x.exp())


def _cpu_error(call, *cpu_args):
    """The error ATen raises for `call` on the CPU: type and message."""
    with pytest.raises(Exception) as raised:
        call(*cpu_args)
    return type(raised.value), str(raised.value)


@pytest.mark.parametrize(
    "call, make",
    [
        (torch.neg, lambda: [torch.ones(3, dtype=torch.bool)]),
        (lambda x: torch.mean(x), lambda: [torch.ones(3, dtype=torch.long)]),
        (lambda x: torch.mean(x, dtype=torch.long), lambda: [torch.ones(3)]),
        (lambda x: F.max_pool2d(x, 2, padding=-1), lambda: [torch.ones(1, 1, 4, 4)]),
        (lambda x: F.max_pool2d(x, 3, padding=2), lambda: [torch.ones(1, 1, 4, 4)]),  # pad > kernel / 2
        (lambda x: F.max_pool1d(x, 2, padding=-1), lambda: [torch.ones(1, 1, 4)]),
    ],
    ids=["neg-bool", "mean-int-input", "mean-int-dtype", "max_pool2d-negative-pad", "max_pool2d-large-pad",
         "max_pool1d-negative-pad"],
)
def test_bad_arguments_fail_at_the_call_with_atens_message(call, make):
    """Checked on the host before the launch: not an asynchronous device error at the next synchronize."""
    cpu_args = make()
    error_type, message = _cpu_error(call, *cpu_args)
    with pytest.raises(error_type) as raised:
        call(*[a.npu() for a in cpu_args])
    assert str(raised.value) == message
    torch.npu.synchronize()  # nothing was launched that fails later
