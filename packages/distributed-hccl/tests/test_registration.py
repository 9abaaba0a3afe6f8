"""`import torch_npu` registers the hccl backend; torch_npu.distributed without the wheel names the extra."""

import subprocess
import sys

import torch
import torch.distributed as dist

import torch_npu  # noqa: F401


def test_import_torch_npu_registers_hccl_for_npu():
    import torch_npu.distributed as npu_dist

    assert npu_dist.is_hccl_available()
    assert "hccl" in dist.Backend.backend_list
    assert dist.Backend.default_device_backend_map.get("npu") == "hccl"
    import torch_npu_hccl

    assert torch_npu_hccl._C.hccl_library().endswith("libhccl_sim.so")


def test_options_carry_the_timeout_priority_and_hccl_config():
    from datetime import timedelta

    from torch_npu_hccl import ProcessGroupHCCL

    options = ProcessGroupHCCL.Options(is_high_priority_stream=True)
    options.hccl_config = {"hccl_buffer_size": 64, "group_name": "tp"}
    options.op_timeout = timedelta(seconds=3)
    assert options.is_high_priority_stream
    assert options.hccl_config == {"hccl_buffer_size": 64, "group_name": "tp"}
    assert options._timeout == timedelta(seconds=3)
    try:
        options.hccl_config = {"hccl_buffsize": 1}
        raise AssertionError("an unknown key was accepted")
    except RuntimeError as error:
        assert "hccl_buffsize" in str(error)


def test_reinit_process_group_needs_an_initialized_group():
    import torch_npu.distributed as npu_dist

    try:
        npu_dist.reinit_process_group()
        raise AssertionError("no error")
    except (RuntimeError, ValueError) as error:
        assert "not been initialized" in str(error)


def test_torch_npu_distributed_without_the_wheel_names_the_extra():
    code = (
        "import sys; sys.modules['torch_npu_hccl'] = None\n"
        "import torch, torch_npu\n"
        "try:\n"
        "    import torch_npu.distributed\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'pip install "torch-npu[distributed]"' in result.stdout, result.stdout + result.stderr


def test_torch_npu_run_defaults_to_one_rank_per_npu():
    from torch_npu_hccl.run import _with_npu_defaults

    count = str(torch.npu.device_count())
    assert _with_npu_defaults(["train.py"]) == [f"--nproc-per-node={count}", "train.py"]
    assert _with_npu_defaults(["--nproc-per-node", "npu", "train.py"]) == ["--nproc-per-node", count, "train.py"]
    assert _with_npu_defaults(["--nproc_per_node=auto", "x.py"]) == [f"--nproc_per_node={count}", "x.py"]
    assert _with_npu_defaults(["--nproc-per-node", "2", "x.py"]) == ["--nproc-per-node", "2", "x.py"]
