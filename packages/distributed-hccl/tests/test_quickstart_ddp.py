"""examples/quickstart.py --ddp trains the digits CNN data-parallel under torchrun (2 ranks, hccl)."""

import re
import subprocess
import sys
from pathlib import Path

from hccl_ranks import free_port, our_segments

QUICKSTART = Path(__file__).resolve().parents[3] / "examples" / "quickstart.py"


def test_quickstart_ddp_under_torchrun():
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port",
               str(free_port()), str(QUICKSTART), "--ddp", "--epochs", "4"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env={"OMP_NUM_THREADS": "1",
                            **{k: v for k, v in __import__("os").environ.items() if k != "OMP_NUM_THREADS"}})  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr[-5000:]
    assert "(and 1 more ranks, hccl)" in result.stdout
    accuracy = float(re.findall(r"test accuracy ([0-9.]+)%", result.stdout)[-1]) / 100
    assert accuracy >= 0.85, result.stdout
    assert len(re.findall(r"^epoch", result.stdout, re.M)) == 4  # printed by rank 0 only
    assert our_segments() == []
