"""torch.save / torch.load of npu tensors and modules."""

import torch


def test_tensor_round_trip_keeps_device(tmp_path):
    tensor = torch.randn(3, 4).npu()
    path = tmp_path / "tensor.pt"
    torch.save(tensor, path)
    loaded = torch.load(path)
    assert loaded.device == tensor.device
    assert torch.equal(loaded.cpu(), tensor.cpu())


def test_map_location(tmp_path):
    tensor = torch.randn(5).to("npu:1")
    path = tmp_path / "tensor.pt"
    torch.save(tensor, path)
    on_cpu = torch.load(path, map_location="cpu")
    assert on_cpu.device.type == "cpu" and torch.equal(on_cpu, tensor.cpu())
    moved = torch.load(path, map_location="npu:0")
    assert moved.device == torch.device("npu:0") and torch.equal(moved.cpu(), tensor.cpu())
    cpu_path = tmp_path / "cpu.pt"
    torch.save(torch.arange(3), cpu_path)
    assert torch.load(cpu_path, map_location="npu").device.type == "npu"


def test_module_state_dict_round_trip(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).npu()
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).npu()
    fresh.load_state_dict(torch.load(path))
    for expected, actual in zip(model.parameters(), fresh.parameters()):
        assert actual.device.type == "npu"
        assert torch.equal(expected.cpu(), actual.cpu())
    whole = tmp_path / "whole.pt"
    torch.save(model, whole)
    assert next(torch.load(whole, weights_only=False).parameters()).device.type == "npu"
