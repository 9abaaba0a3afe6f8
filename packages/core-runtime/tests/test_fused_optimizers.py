"""torch_npu.optim's fused optimizers compute what torch.optim computes, step after step,
through zero_grad, state_dict round trips and parameters without gradients."""

import copy

import pytest
import torch
import torch_npu
from torch_npu.optim import NpuFusedAdam, NpuFusedAdamW, NpuFusedSGD

PAIRS = [
    (NpuFusedAdamW, torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.1}),
    (NpuFusedAdamW, torch.optim.AdamW, {"lr": 1e-2, "amsgrad": True}),
    (NpuFusedAdam, torch.optim.Adam, {"lr": 1e-2, "weight_decay": 0.05}),
    (NpuFusedSGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    (NpuFusedSGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (NpuFusedSGD, torch.optim.SGD, {"lr": 0.1}),
]
IDS = ["adamw", "adamw-amsgrad", "adam", "sgd-momentum", "sgd-nesterov", "sgd"]


def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))


def batches(count: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(8, 6, generator=generator) for _ in range(count)]


def train(module, optimizer, device, inputs, set_to_none=True):
    losses = []
    for x in inputs:
        optimizer.zero_grad(set_to_none=set_to_none)
        loss = module(x.to(device)).square().mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("fused,reference,options", PAIRS, ids=IDS)
@pytest.mark.parametrize("set_to_none", [True, False])
def test_steps_match_torch_optim_on_npu(fused, reference, options, set_to_none, npu):
    expected_model = model().to(npu)
    actual_model = copy.deepcopy(expected_model)
    parameters = list(actual_model.parameters())
    expected = train(expected_model, reference(expected_model.parameters(), **options), npu, batches(5), set_to_none)
    actual = train(actual_model, fused(actual_model.parameters(), **options), npu, batches(5), set_to_none)
    torch.testing.assert_close(actual, expected)
    assert all(p is q for p, q in zip(actual_model.parameters(), parameters))  # the module's own parameters
    for p, q in zip(actual_model.parameters(), expected_model.parameters()):
        torch.testing.assert_close(p, q)


@pytest.mark.parametrize("fused,reference,options", PAIRS[:1] + PAIRS[3:4], ids=["adamw", "sgd-momentum"])
def test_state_dict_round_trip_continues_the_same_trajectory(fused, reference, options, npu):
    inputs = batches(6)
    straight = model().to(npu)
    resumed = copy.deepcopy(straight)
    expected = train(straight, fused(straight.parameters(), **options), npu, inputs)

    first = fused(resumed.parameters(), **options)
    train(resumed, first, npu, inputs[:3])
    second = fused(resumed.parameters(), **options)
    second.load_state_dict(copy.deepcopy(first.state_dict()))
    torch.testing.assert_close(train(resumed, second, npu, inputs[3:]), expected[3:])
    assert set(second.state_dict()["state"]) == {0, 1, 2, 3}


def test_parameters_without_gradients_are_left_alone(npu):
    module = model().to(npu)
    frozen = module[0].weight
    frozen.requires_grad_(False)
    before = frozen.detach().clone()
    optimizer = NpuFusedAdamW(module.parameters(), lr=0.1)
    train(module, optimizer, npu, batches(2))
    assert torch.equal(frozen, before) and frozen not in optimizer.state


def test_groups_of_two_dtypes_update_separately(npu):
    torch.manual_seed(0)
    half = torch.nn.Parameter(torch.randn(4, device=npu, dtype=torch.bfloat16))
    full = torch.nn.Parameter(torch.randn(3, device=npu))
    reference = [p.detach().clone().requires_grad_() for p in (half, full)]
    fused = NpuFusedAdamW([half, full], lr=0.1)
    plain = torch.optim.AdamW(reference, lr=0.1)
    for optimizer, params in ((fused, (half, full)), (plain, reference)):
        (params[0].float().sum() + params[1].square().sum()).backward()
        optimizer.step()
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half, reference[0])
    torch.testing.assert_close(full, reference[1])


def test_bad_hyperparameters_are_refused():
    params = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        NpuFusedAdamW(params, lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        NpuFusedAdam(params, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        NpuFusedSGD(params, lr=0.1, nesterov=True)
