"""Device management, runtime selection and the errors of bad device input."""


import pytest
import torch
import torch_npu

from conftest import fake_toolkit, run_python


def test_default_simulator_has_eight_devices():
    # As an Atlas 800T A2 server: `torchrun --nproc-per-node 8` finds a device per rank.
    assert torch.npu.device_count() == 8
    assert torch.accelerator.device_count() == 8
    assert torch.accelerator.current_accelerator().type == "npu"


def test_set_device_and_context_manager():
    torch.npu.set_device(1)
    assert torch.npu.current_device() == 1
    assert torch.empty(1, device="npu").device.index == 1
    with torch.npu.device(0):
        assert torch.npu.current_device() == 0
    assert torch.npu.current_device() == 1
    torch.npu.set_device("npu:0")
    assert torch.npu.current_device() == 0


def test_device_of_tensor():
    tensor = torch.empty(1, device="npu:1")
    with torch.npu.device_of(tensor):
        assert torch.npu.current_device() == 1
    assert torch.npu.current_device() == 0


def test_invalid_device_index_is_a_clear_error():
    with pytest.raises((RuntimeError, IndexError), match="Invalid device index: npu:8.*TORCH_NPU_SIM_DEVICE_COUNT"):
        torch.npu.set_device(8)
    with pytest.raises((RuntimeError, IndexError), match="Invalid device index"):
        torch.empty(1, device="npu:9")
    assert torch.npu.current_device() == 0


def test_device_name_and_properties_name_the_simulator():
    name = torch.npu.get_device_name(0)
    assert "simulated" in name and name.startswith("Ascend")
    properties = torch.npu.get_device_properties(0)
    assert properties.total_memory == 8192 * 1024 * 1024
    assert properties.is_simulator
    assert properties.cann_version == "8.5.0"
    assert torch.npu.get_device_capability(0) == (properties.major, properties.minor)
    assert torch.npu.get_cann_version() == "8.5.0"


def test_mem_get_info_reports_capacity():
    free, total = torch.npu.mem_get_info(0)
    assert total == 8192 * 1024 * 1024
    assert 0 < free <= total


def test_peer_access_and_utilization():
    assert torch.npu.can_device_access_peer(0, 1)
    assert 0 <= torch.npu.utilization(0) <= 100


def test_cross_device_operands_are_rejected():
    a = torch.ones(2, device="npu:0")
    b = torch.ones(2, device="npu:1")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.mul(a, b)


def test_device_count_is_configurable_and_visible_devices_filter():
    result = run_python(
        "import torch; print(torch.npu.device_count())", env={"TORCH_NPU_SIM_DEVICE_COUNT": "4"}
    )
    assert result.stdout.strip() == "4", result.stderr
    result = run_python(
        "import torch; print(torch.npu.device_count())",
        env={"TORCH_NPU_SIM_DEVICE_COUNT": "4", "ASCEND_RT_VISIBLE_DEVICES": "1,3"},
    )
    assert result.stdout.strip() == "2", result.stderr


def test_asking_for_real_cann_without_a_toolkit_names_what_was_searched(tmp_path):
    result = run_python(
        "import torch; torch.npu.init()",
        env={"TORCH_NPU_RUNTIME": "cann", "ASCEND_HOME_PATH": str(tmp_path / "nowhere"), "HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "none was found" in result.stderr
    assert str(tmp_path / "nowhere" / "lib64" / "libascendcl.so") in result.stderr
    assert "/usr/local/Ascend/ascend-toolkit/latest/lib64/libascendcl.so" in result.stderr


def test_a_toolkit_found_through_ascend_home_path_is_used(tmp_path):
    home = fake_toolkit(tmp_path / "toolkit", "8.5.0")
    result = run_python(
        "import torch, torch_npu\n"
        "info = torch_npu.npu._get_runtime_info()\n"
        "print(info['is_simulator'], info['toolkit_home'], torch.npu.get_device_name(0))",
        env={"ASCEND_HOME_PATH": str(home)},
    )
    assert result.returncode == 0, result.stderr
    is_simulator, toolkit_home, name = result.stdout.split(maxsplit=2)
    assert is_simulator == "False"
    assert toolkit_home == str(home)
    assert "simulated" not in name


def test_mismatched_cann_version_is_refused_with_what_to_install(tmp_path):
    home = fake_toolkit(tmp_path / "toolkit", "8.3.RC1")
    result = run_python(
        "import torch; torch.ones(1, device='npu')",
        env={"ASCEND_HOME_PATH": str(home), "TORCH_NPU_SIM_CANN_VERSION": "8.3.RC1"},
    )
    assert result.returncode != 0
    assert "built for CANN 8.5.0" in result.stderr
    assert "8.3.RC1" in result.stderr


def test_copies_between_devices_enable_peer_access_on_first_use_and_train_a_split_model():
    result = run_python(
        """
import copy, ctypes, pathlib, torch, torch_npu
simulator = ctypes.CDLL(str(pathlib.Path(torch_npu.__file__).parent / "lib" / "libascendcl_sim.so"))
x = torch.arange(6.0, device="npu:0")
assert torch.equal(x.to("npu:1").cpu(), torch.arange(6.0))
assert torch.equal(torch.arange(4.0, device="npu:1").to("npu:0").cpu(), torch.arange(4.0))
torch.npu.set_device(0)
print("0->1 enabled by the copy:", simulator.aclrtDeviceEnablePeerAccess(1, 0) != 0)
print("0->2 left alone:", simulator.aclrtDeviceEnablePeerAccess(2, 0) == 0)

# A model split across two devices (activations and gradients cross between them) trains as on the CPU.
torch.manual_seed(0)
first, second = torch.nn.Linear(16, 32), torch.nn.Linear(32, 4)
inputs, targets = torch.randn(8, 16), torch.randn(8, 4)
npu_first, npu_second = copy.deepcopy(first).to("npu:0"), copy.deepcopy(second).to("npu:1")
for module, parameters in (((first, second), list(first.parameters()) + list(second.parameters())),
                           ((npu_first, npu_second), list(npu_first.parameters()) + list(npu_second.parameters()))):
    a, b = module
    device = next(a.parameters()).device
    hidden = torch.relu(a(inputs.to(device)))
    out = b(hidden.to(next(b.parameters()).device))
    loss = torch.nn.functional.mse_loss(out, targets.to(out.device))
    loss.backward()
for cpu_p, npu_p in zip(list(first.parameters()) + list(second.parameters()),
                        list(npu_first.parameters()) + list(npu_second.parameters())):
    torch.testing.assert_close(npu_p.grad.cpu(), cpu_p.grad)
print("split model gradients equal")
""",
        env={"TORCH_NPU_SIM_DEVICE_COUNT": "3"},
    )
    assert result.returncode == 0, result.stderr
    assert "0->1 enabled by the copy: True" in result.stdout
    assert "0->2 left alone: True" in result.stdout
    assert "split model gradients equal" in result.stdout
