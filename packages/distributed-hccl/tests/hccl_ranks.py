"""Runs a script as the ranks of a torch.distributed job: one process per rank, as torchrun starts them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

# Each rank's script starts with this: rank, world size, its own device.
PREAMBLE = """
import os, sys
import torch
import torch_npu
import torch.distributed as dist
rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
torch.npu.set_device(rank)
"""


@dataclass
class RankResult:
    rank: int
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        err = self.stderr if len(self.stderr) < 8000 else f"{self.stderr[:5000]}\n[...]\n{self.stderr[-3000:]}"
        return f"--- rank {self.rank} exited {self.returncode}\n{self.stdout[-3000:]}\n{err}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SEGMENT_PREFIX = "npu_sim_hccl_"


def our_segments() -> List[str]:
    """The simulated HCCL's shared-memory segments in /dev/shm whose creator has exited: left behind.

    A segment's name starts with its creator's (the root rank's) pid; segments of processes
    still running (another test run on the machine) are not this test's to judge.
    """
    def creator_exited(name: str) -> bool:
        pid = name[len(SEGMENT_PREFIX):].split("_", 1)[0]
        return not pid.isdigit() or not Path(f"/proc/{pid}").exists()

    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(SEGMENT_PREFIX) and creator_exited(n))


def run_ranks(script: str, world: int, env: Optional[Dict[str, str]] = None, timeout: float = 120) -> List[RankResult]:
    """Runs PREAMBLE + ``script`` as ``world`` ranks; every rank's result, after all exited.

    A rank still running after ``timeout`` seconds is killed and the call fails: no test may hang.
    """
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rank_script.py"
        path.write_text(PREAMBLE + textwrap.dedent(script))
        base = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "WORLD_SIZE": str(world),
                "LOCAL_WORLD_SIZE": str(world), "OMP_NUM_THREADS": "1", **(env or {})}  # fmt: skip
        processes, outputs = [], []
        for rank in range(world):
            rank_env = {**base, "RANK": str(rank), "LOCAL_RANK": str(rank)}
            # Files, not pipes: a rank blocked on a full pipe would look like a hang.
            out, err = (open(Path(directory) / f"rank{rank}.{kind}", "w+") for kind in ("out", "err"))
            outputs.append((out, err))
            processes.append(subprocess.Popen([sys.executable, str(path)], env=rank_env, cwd=directory,
                                              stdout=out, stderr=err, text=True))  # fmt: skip
        deadline = time.monotonic() + timeout
        hung = []
        for rank, process in enumerate(processes):
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 1))
            except subprocess.TimeoutExpired:
                hung.append(rank)
                process.kill()
                process.wait()
        results = []
        for rank, process in enumerate(processes):
            texts = []
            for stream in outputs[rank]:
                stream.seek(0)
                texts.append(stream.read())
                stream.close()
            results.append(RankResult(rank, process.returncode, *texts))
        if hung:
            raise AssertionError(f"rank(s) {hung} still ran after {timeout} s (killed):\n" +
                                 "\n".join(r.describe() for r in results))
        return results


def assert_all_passed(results: List[RankResult]) -> None:
    failed = [r for r in results if r.returncode != 0]
    assert not failed, "\n".join(r.describe() for r in failed)
    assert our_segments() == [], f"left in /dev/shm: {our_segments()}"
