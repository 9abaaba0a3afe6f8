"""torch.profiler itself, with ProfilerActivity.PrivateUse1, shows the NPU's kernels."""

import json

import torch
from torch.profiler import ProfilerActivity, profile


def _profile(activities):
    a = torch.randn(96, 96, device="npu")
    with profile(activities=activities) as prof:
        a.mm(a).relu()
        torch.npu.synchronize()
    return prof


def test_kernels_have_device_time_in_key_averages():
    prof = _profile([ProfilerActivity.CPU, ProfilerActivity.PrivateUse1])
    averages = {row.key: row for row in prof.key_averages()}
    assert {"aclnnMm", "aclnnRelu"} <= set(averages)
    assert averages["aclnnMm"].self_device_time_total > 0
    # The op that launched the kernel carries its device time.
    assert averages["aten::mm"].device_time_total >= averages["aclnnMm"].self_device_time_total
    mm = next(event for event in prof.events() if event.name == "aten::mm")
    assert [kernel.name for kernel in mm.kernels] == ["aclnnMm"]


def test_export_chrome_trace_has_the_kernels(tmp_path):
    prof = _profile([ProfilerActivity.CPU, ProfilerActivity.PrivateUse1])
    prof.export_chrome_trace(str(tmp_path / "trace.json"))
    events = json.loads((tmp_path / "trace.json").read_text())["traceEvents"]
    kernels = [e for e in events if e.get("name") == "aclnnMm" and e.get("ph") == "X"]
    assert len(kernels) == 1 and kernels[0]["dur"] > 0


def test_cpu_only_has_no_device_events():
    prof = _profile([ProfilerActivity.CPU])
    assert not any(event.name.startswith("aclnn") for event in prof.events())
