"""torch.profiler itself, with ProfilerActivity.PrivateUse1, shows the NPU's device time.

Where PyTorch lists PrivateUse1 among its kineto activities (2.13), the kineto child
profiler shows each kernel, linked to its op; where it does not (2.9's CUDA builds), torch
takes its PrivateUse1 stubs path and each op carries the device time between NPU events at
its start and end (compat/README.md).
"""

import json

import pytest
import torch
from torch.profiler import ProfilerActivity, profile

import torch_npu  # noqa: F401  (renames PrivateUse1 to npu first)

KINETO_PATH = ProfilerActivity.PrivateUse1 in torch._C._autograd._supported_activities()


def _profile(activities):
    a = torch.randn(96, 96, device="npu")
    with profile(activities=activities) as prof:
        a.mm(a).relu()
        torch.npu.synchronize()
    return prof


@pytest.mark.skipif(not KINETO_PATH, reason="this PyTorch reports per-op device time through the stubs")
def test_kernels_have_device_time_in_key_averages():
    prof = _profile([ProfilerActivity.CPU, ProfilerActivity.PrivateUse1])
    averages = {row.key: row for row in prof.key_averages()}
    assert {"aclnnMm", "aclnnRelu"} <= set(averages)
    assert averages["aclnnMm"].self_device_time_total > 0
    # The op that launched the kernel carries its device time.
    assert averages["aten::mm"].device_time_total >= averages["aclnnMm"].self_device_time_total
    mm = next(event for event in prof.events() if event.name == "aten::mm")
    assert [kernel.name for kernel in mm.kernels] == ["aclnnMm"]


@pytest.mark.skipif(not KINETO_PATH, reason="this PyTorch reports per-op device time through the stubs")
def test_export_chrome_trace_has_the_kernels(tmp_path):
    prof = _profile([ProfilerActivity.CPU, ProfilerActivity.PrivateUse1])
    prof.export_chrome_trace(str(tmp_path / "trace.json"))
    events = json.loads((tmp_path / "trace.json").read_text())["traceEvents"]
    kernels = [e for e in events if e.get("name") == "aclnnMm" and e.get("ph") == "X"]
    assert len(kernels) == 1 and kernels[0]["dur"] > 0


@pytest.mark.skipif(KINETO_PATH, reason="this PyTorch shows the kernels themselves")
def test_without_the_kineto_path_each_op_has_its_device_time():
    prof = _profile([ProfilerActivity.CPU, ProfilerActivity.PrivateUse1])
    averages = {row.key: row for row in prof.key_averages()}
    assert averages["aten::mm"].self_device_time_total > 0
    assert averages["aten::relu"].device_time_total > 0


def test_cpu_only_has_no_device_events():
    prof = _profile([ProfilerActivity.CPU])
    assert not any(event.name.startswith("aclnn") for event in prof.events())
    assert all(row.self_device_time_total == 0 for row in prof.key_averages())
