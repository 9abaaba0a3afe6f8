"""torch_npu.contrib.transfer_to_npu runs an unmodified CUDA training script on npu."""

import pathlib
import re
import sys

from conftest import run_python

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "cuda_training.py"
RUN_WITH_TRANSFER = (
    "import sys, runpy, torch_npu.contrib.transfer_to_npu; sys.argv = [{script!r}, {checkpoint!r}]; "
    "runpy.run_path({script!r}, run_name='__main__')"
)


def test_a_cuda_script_trains_on_npu_unmodified(tmp_path):
    result = run_python(RUN_WITH_TRANSFER.format(script=str(SCRIPT), checkpoint=str(tmp_path / "model.pt")))
    assert result.returncode == 0, result.stderr
    found = re.search(r"device=(\S+) first=([\d.]+) last=([\d.]+) peak=(\d+)", result.stdout)
    assert found, result.stdout
    device, first, last, peak = found.groups()
    assert device == "npu:0" and float(last) < float(first) and int(peak) > 0
    assert result.stderr.count("transfer_to_npu is active") == 1


def test_without_it_the_script_finds_no_cuda():
    result = run_python(f"import sys, runpy; sys.argv = ['x', 'unused']; runpy.run_path({str(SCRIPT)!r})")
    assert result.returncode != 0 and "AssertionError" in result.stderr


def test_paths_and_other_strings_are_not_devices():
    code = (
        "import torch, torch_npu.contrib.transfer_to_npu as t; "
        "assert t._to_npu('cuda_weights.pt') == 'cuda_weights.pt'; "
        "assert t._to_npu('cuda:1') == 'npu:1' and t._to_npu(torch.device('cuda', 2)) == torch.device('npu', 2); "
        "import torch.distributed as dist; print(dist.init_process_group.__wrapped__.__name__)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "init_process_group"


def test_the_cuda_profiler_activity_profiles_the_npu():
    code = (
        "import torch, torch_npu.contrib.transfer_to_npu; from torch.profiler import ProfilerActivity as A; "
        "p = torch.profiler.profile(activities=[A.CPU, A.CUDA]); "
        "assert A.PrivateUse1 in p.activities and A.CUDA not in p.activities, p.activities; "
        "x = torch.randn(8, 8, device='cuda')\n"
        "with p:\n    (x @ x).sum().item()\n"
        "print(len(p.events()) > 0)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")
