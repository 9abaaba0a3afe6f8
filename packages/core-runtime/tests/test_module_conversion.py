"""Moving modules and parameters between CPU and NPU keeps them what they are, as with CUDA.

Module.npu()/.to()/.cpu() move each Parameter's data in place (`param.data = ...`), so
parameters two modules share stay one parameter, and references taken before the move
(an optimizer's, a tied weight's) stay the model's.
"""

import copy

import pytest
import torch
import torch.nn.functional as F
import torch_npu  # noqa: F401


class TiedLanguageModel(torch.nn.Module):
    """An embedding whose weight is also the output projection's, as GPT-2 ties them."""

    def __init__(self, vocab: int = 50, hidden: int = 16) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, hidden)
        self.norm = torch.nn.LayerNorm(hidden)
        self.head = torch.nn.Linear(hidden, vocab, bias=False)
        self.head.weight = self.embedding.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.embedding(ids)))


def test_cpu_and_npu_dense_tensors_are_shallow_copy_compatible(npu):
    cpu = torch.zeros(3)
    assert torch._has_compatible_shallow_copy_type(cpu, cpu.to(npu))
    assert torch._has_compatible_shallow_copy_type(cpu.to(npu), cpu)
    assert not torch._has_compatible_shallow_copy_type(cpu.to(npu), cpu.to_sparse())
    assert not torch._has_compatible_shallow_copy_type(cpu.to(npu), torch.zeros(3, device="meta"))


@pytest.mark.parametrize("move", ["npu", "to"])
def test_moving_a_module_keeps_its_parameters_and_their_ties(move, npu):
    model = TiedLanguageModel()
    weight = model.embedding.weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.npu() if move == "npu" else model.to(npu)

    assert model.head.weight is model.embedding.weight is weight
    assert weight.device == npu
    assert len(list(model.parameters())) == 3
    assert all(p is q for p, q in zip(optimizer.param_groups[0]["params"], model.parameters()))

    model.cpu()
    assert model.head.weight is model.embedding.weight is weight
    assert weight.device.type == "cpu"


def test_a_tied_weight_gets_the_gradient_of_both_its_uses(npu):
    torch.manual_seed(0)
    model = TiedLanguageModel()
    on_npu = copy.deepcopy(model).npu()
    ids = torch.randint(0, 50, (4, 7))

    for module, device in ((model, "cpu"), (on_npu, npu)):
        logits = module(ids.to(device))
        F.cross_entropy(logits.flatten(0, 1), ids.to(device).flatten()).backward()

    for (name, expected), (_, actual) in zip(model.named_parameters(), on_npu.named_parameters(), strict=True):
        torch.testing.assert_close(actual.grad.cpu(), expected.grad, msg=f"gradient of {name}")


def test_gradients_move_with_their_parameters(npu):
    model = torch.nn.Linear(3, 2)
    model(torch.randn(4, 3)).sum().backward()
    grad = model.weight.grad
    model.npu()
    assert model.weight.grad is grad and grad.device == npu


def test_assigning_data_of_the_other_device_moves_the_tensor_in_place(npu):
    parameter = torch.nn.Parameter(torch.arange(4.0))
    parameter.data = parameter.data.to(npu)
    assert parameter.device == npu and parameter.requires_grad
    (parameter * 2).sum().backward()
    assert parameter.grad.device == npu
    torch.testing.assert_close(parameter.grad.cpu(), torch.full((4,), 2.0))


def test_inference_tensors_are_compatible_too(npu):
    with torch.inference_mode():
        cpu = torch.ones(2)
        assert torch._has_compatible_shallow_copy_type(cpu, cpu.to(npu))
