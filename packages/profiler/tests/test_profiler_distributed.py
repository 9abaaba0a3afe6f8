"""Two ranks under torch.distributed (hccl): each writes its profile, collectives count as communication."""

import sys
from pathlib import Path

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
