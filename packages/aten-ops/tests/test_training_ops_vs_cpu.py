"""The training operators whose aclnn calls follow CANN's signatures and formats, against the CPU:
dropout (CANN's bit mask inside, ATen's bool mask outside), GradScaler's update, normal_, and
the backward of convolution and batch norm when only some gradients are asked for."""

import pytest
import torch
import torch.nn.functional as F

from cube_precision import float32_convolutions  # noqa: F401 (autouse fixture)
from fallback_guard import no_fallback

P = 0.3
SCALE = 1 / (1 - P)


def test_dropout_forward_and_backward_match_cpu_for_the_same_mask():
    # 37 * 53 = 1961 elements: the bit mask is padded to 1968 bits (align to 128, 246 bytes).
    x = torch.randn(37, 53)
    grad = torch.randn(37, 53)
    with no_fallback():
        torch.manual_seed(7)
        out, mask = torch.native_dropout(x.npu(), P, True)
        grad_input = torch.ops.aten.native_dropout_backward(grad.npu(), mask, SCALE)
        torch.manual_seed(7)
        out_again, mask_again = torch.native_dropout(x.npu(), P, True)
    assert mask.dtype == torch.bool and mask.shape == x.shape
    mask = mask.cpu()
    assert torch.equal(out.cpu(), x * mask * SCALE)
    assert torch.equal(grad_input.cpu(), torch.ops.aten.native_dropout_backward(grad, mask, SCALE))
    assert torch.equal(mask_again.cpu(), mask) and torch.equal(out_again.cpu(), out.cpu())
    assert abs(mask.float().mean().item() - (1 - P)) < 0.05


def test_dropout_through_autograd_matches_cpu():
    x = torch.randn(64, 130)
    grad = torch.randn(64, 130)
    on_npu = x.npu().requires_grad_()
    with no_fallback():
        torch.manual_seed(11)
        y = F.dropout(on_npu, P)
        y.backward(grad.npu())
    kept = y.detach().cpu() != 0  # randn never draws an exact 0
    assert torch.equal(y.detach().cpu(), x * kept * SCALE)
    assert torch.equal(on_npu.grad.cpu(), torch.ops.aten.native_dropout_backward(grad, kept, SCALE))


@pytest.mark.parametrize("p, train", [(0.0, True), (1.0, True), (0.5, False)], ids=["p0", "p1", "eval"])
def test_dropout_edge_cases_match_cpu(p, train):
    x = torch.randn(5, 7)
    with no_fallback():
        out, mask = torch.native_dropout(x.npu(), p, train)
    expected_out, expected_mask = torch.native_dropout(x, p, train)
    assert torch.equal(out.cpu(), expected_out) and torch.equal(mask.cpu(), expected_mask)


def scaler_run(device: str):
    """Six GradScaler steps (the fourth with an inf gradient): the scale after each, the tracker, the parameter."""
    param = torch.nn.Parameter(torch.ones(4, device=device))
    optimizer = torch.optim.SGD([param], lr=0.1, foreach=False)
    scaler = torch.amp.GradScaler(device, init_scale=2.0**10, growth_factor=2.0, backoff_factor=0.5, growth_interval=2)
    scales = []
    for step in range(6):
        optimizer.zero_grad()
        loss = (param * (float("inf") if step == 3 else 1.0)).sum()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, scaler._growth_tracker.item(), param.detach().cpu()


def test_grad_scaler_updates_the_scale_as_on_cpu():
    with no_fallback():
        scales, tracker, param = scaler_run("npu")
    expected_scales, expected_tracker, expected_param = scaler_run("cpu")
    assert scales == expected_scales == [1024.0, 2048.0, 2048.0, 1024.0, 1024.0, 2048.0]
    assert tracker == expected_tracker
    assert torch.equal(param, expected_param)


def test_amp_update_scale_op_matches_cpu_step_by_step():
    found_infs = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    state = {device: (torch.full((1,), 8.0, device=device), torch.zeros(1, dtype=torch.int32, device=device))
             for device in ("npu", "cpu")}  # fmt: skip
    for found in found_infs:
        for device, (scale, tracker) in state.items():
            with no_fallback():
                torch._amp_update_scale_(scale, tracker, torch.full((1,), found, device=device), 2.0, 0.25, 2)
        (npu_scale, npu_tracker), (cpu_scale, cpu_tracker) = state["npu"], state["cpu"]
        assert torch.equal(npu_scale.cpu(), cpu_scale) and torch.equal(npu_tracker.cpu(), cpu_tracker)


def test_normal_with_mean_and_std_has_their_statistics_and_repeats_under_a_seed():
    generator = torch.Generator(device="npu")
    with no_fallback():
        generator.manual_seed(3)
        first = torch.empty(50000, device="npu").normal_(-3.5, 2.25, generator=generator).cpu()
        generator.manual_seed(3)
        again = torch.empty(50000, device="npu").normal_(-3.5, 2.25, generator=generator).cpu()
        half = torch.empty(50000, dtype=torch.float16, device="npu").normal_(10.0, 0.5, generator=generator).cpu()
    assert torch.equal(first, again)
    assert abs(first.mean().item() + 3.5) < 0.05 and abs(first.std().item() - 2.25) < 0.05
    assert abs(half.float().mean().item() - 10.0) < 0.02 and abs(half.float().std().item() - 0.5) < 0.02


CONV_MASKS = [(True, False, False), (False, True, False), (False, False, True), (False, True, True), (True, True, True)]


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("mask", CONV_MASKS, ids=lambda m: "".join("x" if b else "-" for b in m))
def test_convolution_backward_gives_only_the_requested_grads_as_cpu(mask, groups):
    x = torch.randn(2, 4, 7, 7)
    weight = torch.randn(6, 4 // groups, 3, 3)
    grad = torch.randn(2, 6, 4, 4)  # stride 2, padding 1
    conv = ([6], [2, 2], [1, 1], [1, 1], False, [0, 0], groups, list(mask))
    expected = torch.ops.aten.convolution_backward(grad, x, weight, *conv)
    with no_fallback():
        got = torch.ops.aten.convolution_backward(grad.npu(), x.npu(), weight.npu(), *conv)
    for wanted, result, reference in zip(mask, got, expected):
        if wanted:
            assert torch.allclose(result.cpu(), reference, atol=1e-4)
        else:
            assert result is None


def test_convolution_grads_for_weight_and_bias_only_through_autograd():
    conv = torch.nn.Conv2d(3, 5, 3, padding=1)
    x, target = torch.randn(2, 3, 6, 6), torch.randn(2, 5, 6, 6)
    (conv(x) * target).sum().backward()
    expected = [conv.weight.grad.clone(), conv.bias.grad.clone()]
    conv.zero_grad()
    conv.npu()
    with no_fallback():
        (conv(x.npu()) * target.npu()).sum().backward()
    for parameter, reference in zip((conv.weight, conv.bias), expected):
        assert torch.allclose(parameter.grad.cpu(), reference, atol=1e-4)


BN_MASKS = [(True, False, False), (False, True, False), (False, False, True), (False, True, True)]


@pytest.mark.parametrize("mask", BN_MASKS, ids=lambda m: "".join("x" if b else "-" for b in m))
def test_batch_norm_backward_gives_only_the_requested_grads_as_cpu(mask):
    x = torch.randn(4, 3, 5, 5)
    weight, bias = torch.rand(3) + 0.5, torch.randn(3)
    grad = torch.randn(4, 3, 5, 5)

    def run(device):
        on = [t.to(device) for t in (x, weight, bias, torch.zeros(3), torch.ones(3), grad)]
        x_, weight_, bias_, running_mean, running_var, grad_ = on
        _, save_mean, save_invstd = torch.native_batch_norm(x_, weight_, bias_, running_mean, running_var, True, 0.1,
                                                            1e-5)
        return torch.ops.aten.native_batch_norm_backward(grad_, x_, weight_, running_mean, running_var, save_mean,
                                                         save_invstd, True, 1e-5, list(mask))

    expected = run("cpu")
    with no_fallback():
        got = run("npu")
    for wanted, result, reference in zip(mask, got, expected):
        if wanted:
            assert torch.allclose(result.cpu(), reference, atol=1e-4)
        else:
            assert result is None


def test_batch_norm_grads_for_its_parameters_only_through_autograd():
    norm = torch.nn.BatchNorm2d(3)
    x, target = torch.randn(4, 3, 5, 5), torch.randn(4, 3, 5, 5)
    (norm(x) * target).sum().backward()
    expected = [norm.weight.grad.clone(), norm.bias.grad.clone()]
    norm.zero_grad()
    norm.npu()
    with no_fallback():
        (norm(x.npu()) * target.npu()).sum().backward()
    for parameter, reference in zip((norm.weight, norm.bias), expected):
        assert torch.allclose(parameter.grad.cpu(), reference, atol=1e-4)
