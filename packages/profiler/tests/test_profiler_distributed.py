"""Two ranks under torch.distributed (hccl): each writes its profile, collectives count as communication."""

import json
import sys
from pathlib import Path

import pytest

from profiler_helpers import read_csv

# distributed-hccl's launcher of rank processes (its tests' own helper).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "distributed-hccl" / "tests"))
from hccl_ranks import assert_all_passed, run_ranks  # noqa: E402

SCRIPT = """
import torch_npu.profiler as profiler
dist.init_process_group("hccl")
x = torch.ones(256, 256, device="npu")
with profiler.profile(schedule=profiler.schedule(wait=0, warmup=1, active=2, repeat=1),
                      on_trace_ready=profiler.tensorboard_trace_handler(os.environ["OUT"],
                                                                         worker_name=f"rank{rank}")) as prof:
    for _ in range(3):
        y = x.mm(x)
        dist.all_reduce(y)
        prof.step()
torch.npu.synchronize()
dist.destroy_process_group()
"""


def test_each_rank_writes_its_profile_with_its_collectives(tmp_path):
    results = run_ranks(SCRIPT, 2, env={"OUT": str(tmp_path)}, timeout=240)
    assert_all_passed(results)
    for rank in range(2):
        [directory] = tmp_path.glob(f"rank{rank}_*_ascend_pt")
        assert (directory / f"profiler_info_{rank}.json").is_file()
        kernels = read_csv(directory / "ASCEND_PROFILER_OUTPUT" / "kernel_details.csv")
        collectives = [row for row in kernels if row["Name"] == "HcclAllReduce"]
        assert len(collectives) == 2 and all(row["Accelerator Core"] == "HCCL" for row in collectives)
        for step in read_csv(directory / "ASCEND_PROFILER_OUTPUT" / "step_trace_time.csv"):
            assert float(step["Communication"]) > 0
            assert float(step["Communication(Not Overlapped)"]) <= float(step["Communication"])


COMMUNICATION_TIME_KEYS = {"Start Timestamp(us)", "Elapse Time(ms)", "Transit Time(ms)", "Wait Time(ms)",
                           "Synchronization Time(ms)", "Idle Time(ms)", "Wait Time Ratio",
                           "Synchronization Time Ratio"}  # fmt: skip
BANDWIDTH_KEYS = {"Transit Size(MB)", "Transit Time(ms)", "Bandwidth(GB/s)", "Large Packet Ratio", "Size Distribution"}
MATRIX_KEYS = {"Transport Type", "Transit Size(MB)", "Transit Time(ms)", "Bandwidth(GB/s)"}
# The all_reduce of a 256x256 float32 tensor in SCRIPT.
ALL_REDUCE_MB = 256 * 256 * 4 / (1024 * 1024)


def test_each_rank_writes_the_communication_files_of_its_collectives(tmp_path):
    results = run_ranks(SCRIPT, 2, env={"OUT": str(tmp_path)}, timeout=240)
    assert_all_passed(results)
    for rank in range(2):
        [directory] = tmp_path.glob(f"rank{rank}_*_ascend_pt")
        output = directory / "ASCEND_PROFILER_OUTPUT"
        communication = json.loads((output / "communication.json").read_text())
        assert sorted(communication) == ["step1", "step2"]  # the active steps
        for step in communication.values():
            assert set(step) == {"collective", "p2p"} and step["p2p"] == {}
            ops = {name: op for name, op in step["collective"].items() if name != "Total Op Info"}
            [(name, op)] = ops.items()
            assert name.startswith("hcom_allReduce__")
            assert set(op) == {"Communication Time Info", "Communication Bandwidth Info"}
            times = op["Communication Time Info"]
            assert set(times) == COMMUNICATION_TIME_KEYS
            assert times["Elapse Time(ms)"] > 0 and times["Transit Time(ms)"] == times["Elapse Time(ms)"]
            assert all(set(info) == BANDWIDTH_KEYS for info in op["Communication Bandwidth Info"].values())
            hccs = op["Communication Bandwidth Info"]["HCCS"]
            assert hccs["Transit Size(MB)"] == pytest.approx(ALL_REDUCE_MB)
            assert hccs["Size Distribution"] == {str(ALL_REDUCE_MB): [1, times["Elapse Time(ms)"]]}
            total = step["collective"]["Total Op Info"]
            assert total["Communication Bandwidth Info"]["HCCS"]["Transit Size(MB)"] == pytest.approx(ALL_REDUCE_MB)
        matrix = json.loads((output / "communication_matrix.json").read_text())
        assert sorted(matrix) == ["step1", "step2"]
        for step in matrix.values():
            links = step["collective"]["allreduce-total"]
            assert list(links) == [f"{rank}-{1 - rank}"]
            assert set(links[f"{rank}-{1 - rank}"]) == MATRIX_KEYS
            assert links[f"{rank}-{1 - rank}"]["Transit Size(MB)"] == pytest.approx(ALL_REDUCE_MB)
            assert {"allreduce-top1", "allreduce-middle", "allreduce-bottom1"} <= set(step["collective"])


def test_a_single_process_profile_has_no_communication_files(tmp_path):
    import torch
    import torch_npu.profiler as profiler

    x = torch.ones(4, device="npu")
    with profiler.profile(on_trace_ready=profiler.tensorboard_trace_handler(str(tmp_path))):
        x.add_(1)
    [directory] = tmp_path.glob("*_ascend_pt")
    assert not (directory / "ASCEND_PROFILER_OUTPUT" / "communication.json").exists()
