"""torch_npu.profiler's API: the reference's names, keyword-only options, honest refusals."""

import inspect
import subprocess
import sys
import warnings

import pytest
import torch

import torch_npu.profiler as npu_profiler
from torch_npu.profiler import ProfilerActivity, _ExperimentalConfig
from profiler_helpers import train_step  # noqa: F401  (fixture)


def test_the_reference_names_are_exported():
    for name in ["profile", "ProfilerActivity", "supported_activities", "schedule", "ProfilerAction",
                 "tensorboard_trace_handler", "_ExperimentalConfig", "ProfilerLevel", "AiCMetrics", "ExportType",
                 "HostSystem", "supported_profiler_level", "supported_ai_core_metrics", "supported_export_type",
                 "dynamic_profile", "analyse"]:  # fmt: skip
        assert hasattr(npu_profiler, name), name
    from torch_npu.profiler.profiler import analyse, profile

    assert analyse is npu_profiler.analyse and profile is npu_profiler.profile


def test_profile_takes_keyword_arguments_only():
    parameters = inspect.signature(npu_profiler.profile.__init__).parameters
    options = [p for name, p in parameters.items() if name != "self"]
    assert {p.name for p in options} == {"activities", "schedule", "on_trace_ready", "record_shapes", "profile_memory",
                                         "with_stack", "with_flops", "with_modules", "experimental_config"}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in options)
    with pytest.raises(TypeError):
        npu_profiler.profile([ProfilerActivity.CPU])


def test_supported_values():
    assert npu_profiler.supported_activities() == [ProfilerActivity.CPU, ProfilerActivity.NPU]
    assert npu_profiler.supported_profiler_level() == ["Level_none", "Level0", "Level1", "Level2"]
    assert "AiCoreNone" in npu_profiler.supported_ai_core_metrics()
    assert npu_profiler.supported_export_type() == ["text", "db"]


@pytest.mark.parametrize("options, what", [
    ({"aic_metrics": npu_profiler.AiCMetrics.PipeUtilization}, "AI Core counters are not simulated"),
    ({"l2_cache": True}, "L2 cache is not simulated"),
])  # fmt: skip
def test_hardware_counter_options_warn_that_they_are_not_simulated(options, what, train_step):  # noqa: F811
    with pytest.warns(UserWarning, match=what):
        config = _ExperimentalConfig(**options)
    with npu_profiler.profile(experimental_config=config) as prof:
        train_step()
    assert any(task.kind == "kernel" for task in prof.data().device_tasks), "the rest of the data is collected"


def test_default_options_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ExperimentalConfig()


def test_record_op_args_needs_ai_core_kernels():
    with pytest.raises(NotImplementedError, match="not supported on the simulator.*aclopStartDumpArgs"):
        _ExperimentalConfig(record_op_args=True)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="profiler_level"):
        _ExperimentalConfig(profiler_level="Level9")
    with pytest.raises(TypeError, match="ProfilerActivity"):
        npu_profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])


def test_without_the_wheel_the_error_names_the_extra():
    code = "import sys; sys.modules['torch_npu_profiler'] = None\nimport torch_npu.profiler"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'pip install "torch-npu[profiler]"' in result.stderr
    assert "ImportError" in result.stderr


def test_the_profiler_extra_pins_this_wheel():
    from importlib import metadata

    version = metadata.version("torch-npu")
    requirements = metadata.requires("torch-npu") or []
    assert any(r.replace(" ", "").startswith(f"torch-npu-profiler=={version};") and 'extra=="profiler"' in
               r.replace(" ", "").replace("'", '"') for r in requirements), requirements  # fmt: skip
    assert metadata.version("torch-npu-profiler") == version


def test_a_profile_may_start_before_the_process_touched_the_npu(tmp_path):
    # A fresh process: the runtime is not initialized until the profile starts.
    code = (
        "import sys, torch, torch_npu, torch_npu.profiler as p\n"
        "with p.profile(activities=[p.ProfilerActivity.CPU, p.ProfilerActivity.NPU],\n"
        "               on_trace_ready=p.tensorboard_trace_handler(sys.argv[1])):\n"
        "    torch.ones(4, device='npu').add(1).cpu()\n"
        "print('profiled')\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and "profiled" in result.stdout, result.stderr[-3000:]
