"""python -m torch_npu.utils.collect_env: the environment report."""

import os
import platform
import subprocess
import sys
from typing import Dict, Optional

import torch

import torch_npu
from torch_npu import _build_info
from torch_npu.utils import collect_env

from conftest import fake_toolkit


def run_collect_env(env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "torch_npu.utils.collect_env"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_names_versions_simulator_cann_and_devices():
    result = run_collect_env({"TORCH_NPU_SIM_HBM_MB": "1024", "ASCEND_LAUNCH_BLOCKING": "1"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"PyTorch version: {torch.__version__}" in out
    assert "torch-npu version: " in out and "torch-npu-ops version: " in out
    assert "NPU runtime: simulator" in out
    assert "libascendcl_sim.so" in out
    assert f"CANN version: {_build_info.CANN_VERSION}" in out
    assert "NPU device count: 8" in out  # the simulator's default, an Atlas 800T A2
    assert "npu:0: Ascend" in out and "(simulated)" in out
    assert "npu:1: " in out
    assert "total memory 1.00 GiB (1073741824 bytes)" in out
    assert f"Python version: {platform.python_version()}" in out
    assert "OS: " in out
    assert "TORCH_NPU_SIM_HBM_MB=1024" in out
    assert "ASCEND_LAUNCH_BLOCKING=1" in out
    assert "NPU runtime error" not in out


def test_report_names_a_cann_toolkit_and_its_home(tmp_path):
    home = fake_toolkit(tmp_path / "toolkit", _build_info.CANN_VERSION)
    result = run_collect_env({"ASCEND_HOME_PATH": str(home)})
    assert result.returncode == 0, result.stderr
    assert "NPU runtime: CANN toolkit" in result.stdout
    assert f"CANN toolkit home: {home}" in result.stdout
    assert f"ASCEND_HOME_PATH={home}" in result.stdout


def test_report_explains_a_runtime_that_cannot_load(tmp_path):
    result = run_collect_env(
        {"TORCH_NPU_RUNTIME": "cann", "ASCEND_HOME_PATH": str(tmp_path / "nowhere"), "HOME": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert "NPU runtime: N/A" in result.stdout
    assert "NPU runtime error: the NPU runtime could not be loaded" in result.stdout
    assert "none was found" in result.stdout
    searched = str(tmp_path / "nowhere" / "lib64" / "libascendcl.so")
    assert any(line.strip() == searched for line in result.stdout.splitlines())
    assert "NPU device count: 0" in result.stdout
    assert f"PyTorch version: {torch.__version__}" in result.stdout


def test_get_env_info_fields():
    info = collect_env.get_env_info()
    assert info.torch_version == torch.__version__
    assert info.runtime == "simulator"
    assert info.cann_version == torch.npu.get_cann_version()
    assert info.runtime_error is None
    assert info.device_count == torch.npu.device_count() == len(info.devices)
    assert [d.index for d in info.devices] == list(range(info.device_count))
    assert info.devices[0].name == torch.npu.get_device_name(0)
    assert info.devices[0].total_memory == torch.npu.get_device_properties(0).total_memory
    assert set(info.torch_npu_versions) == {"torch-npu", "torch-npu-ops", "torch-npu-hccl"}
    assert info.torch_npu_path == os.path.dirname(os.path.abspath(torch_npu.__file__))
    assert all(
        name.startswith(("ASCEND_", "TORCH_NPU_", "PYTORCH_NPU_", "HCCL_")) or name == "TORCH_DEVICE_BACKEND_AUTOLOAD"
        for name in info.env_vars
    )
    assert "Environment variables:" in collect_env.get_pretty_env_info(info)
