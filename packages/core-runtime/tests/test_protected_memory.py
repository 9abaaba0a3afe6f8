"""TORCH_NPU_SIM_PROTECT=1: device memory that host code cannot touch, as on hardware.

A native extension with the classic bug (dereferencing a device pointer on the host)
works on the default simulator but crashes on an Ascend device; with protection on it
crashes here too, with a report naming the device address and its allocation. The whole
test suite also runs with protection on (`nox -s test-<cell>`), so every API path keeps
working.
"""

import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import run_python

# The bug under test: host code reading through a device pointer.
EXTENSION_SOURCE = """
extern "C" float first_element(const float* data) { return data[0]; }
"""

READ_ON_THE_HOST = """
import ctypes, torch
tensor = torch.full((1000,), 3.5, device="npu")
torch.npu.synchronize()
print("device pointer", hex(tensor.data_ptr()), flush=True)
extension = ctypes.CDLL({library!r})
extension.first_element.restype = ctypes.c_float
print("read", extension.first_element(ctypes.c_void_p(tensor.data_ptr())), flush=True)
"""


@pytest.fixture(scope="module")
def extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension, compiled as a shared library."""
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to build the test's extension"
    directory = tmp_path_factory.mktemp("extension")
    source = directory / "peek.cpp"
    source.write_text(EXTENSION_SOURCE)
    library = directory / "libpeek.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", str(source), "-o", str(library)], check=True, timeout=120)
    return library


def test_by_default_host_code_can_read_device_memory(extension: Path) -> None:
    result = run_python(READ_ON_THE_HOST.format(library=str(extension)), env={"TORCH_NPU_SIM_PROTECT": "0"})
    assert result.returncode == 0, result.stderr
    assert "read 3.5" in result.stdout


def test_protected_device_memory_faults_with_a_report(extension: Path) -> None:
    result = run_python(READ_ON_THE_HOST.format(library=str(extension)), env={"TORCH_NPU_SIM_PROTECT": "1"})
    assert result.returncode == -signal.SIGSEGV, (result.returncode, result.stdout, result.stderr)
    assert "read 3.5" not in result.stdout
    pointer = int(re.search(r"device pointer (0x[0-9a-f]+)", result.stdout).group(1), 16)
    report = re.search(
        r"host code accessed device memory at (0x[0-9a-f]+), byte (\d+) of the allocation "
        r"\[(0x[0-9a-f]+), \+(\d+) bytes\) on device 0",
        result.stderr,
    )
    assert report, result.stderr
    address, offset, base, size = int(report[1], 16), int(report[2]), int(report[3], 16), int(report[4])
    assert address == pointer
    assert base + offset == pointer
    assert base <= pointer < base + size
    assert "copy it to the host first" in result.stderr


def test_protected_device_memory_keeps_every_api_path_working() -> None:
    code = """
import torch
x = torch.arange(12, dtype=torch.float32).reshape(3, 4).npu()
y = (x * 2 + 1).t().contiguous()
host = torch.empty(4, 3).pin_memory()
host.copy_(y, non_blocking=True)
torch.npu.synchronize()
z = y.to("npu:1").sum().item()
print(host.tolist(), z, x.abs().max().item())
"""
    result = run_python(code, env={"TORCH_NPU_SIM_PROTECT": "1"})
    assert result.returncode == 0, result.stderr
    expected = torch.arange(12.0).reshape(3, 4) * 2 + 1
    assert result.stdout.strip() == f"{expected.t().tolist()} {expected.sum().item()} 11.0"
