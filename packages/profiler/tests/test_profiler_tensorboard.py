"""TensorBoard's profiler plugin (torch-tb-profiler) loads torch.profiler's trace and ours."""

import logging

import torch
from torch.profiler import ProfilerActivity, profile, schedule
from torch_tb_profiler.profiler.data import RunProfileData

import torch_npu.profiler as npu_profiler
from profiler_helpers import train_step  # noqa: F401

KINETO_PATH = ProfilerActivity.PrivateUse1 in torch._C._autograd._supported_activities()


def _steps(prof, step):
    for _ in range(3):
        step()
        prof.step()


def test_the_plugin_loads_torch_profilers_trace(tmp_path, train_step):  # noqa: F811
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.PrivateUse1],
                 schedule=schedule(wait=0, warmup=1, active=2, repeat=1)) as prof:  # fmt: skip
        _steps(prof, train_step)
    path = tmp_path / "worker0.pt.trace.json"
    prof.export_chrome_trace(str(path))
    run = RunProfileData.parse("worker0", "1", str(path), str(tmp_path))
    assert run.steps_names == ["1", "2"]
    assert run.has_kernel == KINETO_PATH  # PyTorch 2.9's stubs path has no kernels (compat/README.md)
    assert "aten::addmm" in {op.name for op in run.op_list_groupby_name}


def test_the_plugin_loads_our_trace_with_its_kernels(tmp_path, train_step, caplog):  # noqa: F811
    with npu_profiler.profile(schedule=npu_profiler.schedule(wait=0, warmup=1, active=2, repeat=1)) as prof:
        _steps(prof, train_step)
    path = tmp_path / "worker0.pt.trace.json"
    prof.export_chrome_trace(str(path))
    with caplog.at_level(logging.WARNING):
        run = RunProfileData.parse("worker0", "1", str(path), str(tmp_path))
    assert run.has_kernel and run.used_devices == [0]
    assert run.steps_names == ["1", "2"]
    assert not [r for r in caplog.records if "not equal to args.device" in r.getMessage()]
