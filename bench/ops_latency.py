"""Small-op latency: torch.add on 1,000 floats on the NPU, as a ratio against CPU eager PyTorch.

Each repeat launches ``--iterations`` adds back to back and synchronizes once at
the end, so the figure is the per-op cost a tight loop of small ops sees
(dispatch + launch, or the CPU fallback's round trip until the operator layer
has a native add). Target: npu/CPU <= 1.5.

Usage: python bench/ops_latency.py [--iterations N] [--repeats N] [--numel N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch
from _timing import describe_device, fmt_time, quiet_fallback_warnings, seconds_per_call, verdict, warn_if_busy

TARGET = 1.5


def add_case(device: torch.device, numel: int) -> tuple[Callable[[], object], torch.device]:
    """``torch.add(a, b)`` on ``numel`` floats on ``device``, as a timing case."""
    a = torch.randn(numel).to(device)
    b = torch.randn(numel).to(device)
    return (lambda: torch.add(a, b)), device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--numel", type=int, default=1000)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    npu = torch.device("npu")
    print(f"device: {describe_device(npu)}")
    cpu_time = seconds_per_call(add_case(torch.device("cpu"), args.numel), args.iterations, args.repeats)
    npu_time = seconds_per_call(add_case(npu, args.numel), args.iterations, args.repeats)
    print(f"torch.add on {args.numel} floats, per op (median of {args.repeats} x {args.iterations}):")
    print(f"  CPU eager: {fmt_time(cpu_time)}")
    print(f"  npu:       {fmt_time(npu_time)}")
    print(f"  npu/CPU {verdict(npu_time / cpu_time, TARGET)}")


if __name__ == "__main__":
    main()
