"""Memory a fragmenting workload reserves, with ordinary segments and with expandable segments.

The workload is a sequence of training-like steps whose sequence length varies at random (seeded):
each step allocates the activations of ``--layers`` layers (batch x length x hidden float32), fills
them, and frees them all. With ordinary segments every request of a new, larger size needs a segment
of its own while the cached ones, too small, stay reserved; an expandable segment maps pages at its
end and reuses the merged free range. Each allocator configuration runs in a process of its own (the
allocator reads PYTORCH_NPU_ALLOC_CONF once). Printed per configuration: peak reserved, peak
allocated, reserved/allocated, and the time per step as a ratio against the same steps in CPU eager
PyTorch measured in the same process. Target: expandable segments reserve at most half of what
ordinary segments reserve.

Usage: python bench/expandable_segments.py [--steps N] [--layers N] [--batch N] [--hidden N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _timing import verdict, warn_if_busy

TARGET = 0.5
MiB = 1 << 20

CHILD = """
import json, random, statistics, time, torch
steps, layers, batch, hidden = {steps}, {layers}, {batch}, {hidden}

def run(device):
    rng = random.Random(0)
    times = []
    for _ in range(steps):
        length = rng.randrange(64, 1025, 64)
        start = time.perf_counter()
        activations = [torch.empty(batch, length, hidden, device=device).fill_(1.0) for _ in range(layers)]
        total = sum(float(a[0, 0, 0]) for a in activations)  # waits for the fills
        assert total == layers
        del activations
        times.append(time.perf_counter() - start)
    return statistics.median(times)

cpu = run(torch.device("cpu"))
torch.npu.reset_peak_memory_stats()
npu = run(torch.device("npu"))
stats = torch.npu.memory_stats()
print(json.dumps({{"reserved": stats["reserved_bytes.all.peak"], "allocated": stats["allocated_bytes.all.peak"],
                  "npu": npu, "cpu": cpu}}))
"""


def measure(args: argparse.Namespace, alloc_conf: str) -> dict:
    """Runs the workload in a fresh interpreter with PYTORCH_NPU_ALLOC_CONF=``alloc_conf``."""
    env = {**os.environ, "PYTORCH_NPU_ALLOC_CONF": alloc_conf}
    code = CHILD.format(steps=args.steps, layers=args.layers, batch=args.batch, hidden=args.hidden)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=1024)
    args = parser.parse_args()
    warn_if_busy()
    print(f"{args.steps} steps of {args.layers} activations of {args.batch} x [64..1024] x {args.hidden} float32")
    results = {}
    for name, conf in (("ordinary", "expandable_segments:False"), ("expandable", "expandable_segments:True")):
        figures = results[name] = measure(args, conf)
        print(f"  {name:>10}: peak reserved {figures['reserved'] / MiB:8.1f} MiB, peak allocated "
              f"{figures['allocated'] / MiB:7.1f} MiB, reserved/allocated {figures['reserved'] / figures['allocated']:.2f}; "
              f"step {figures['npu'] * 1e3:.2f} ms, npu/CPU eager {figures['npu'] / figures['cpu']:.2f}")
    ratio = results["expandable"]["reserved"] / results["ordinary"]["reserved"]
    print(f"reserved, expandable/ordinary: {verdict(ratio, TARGET)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
