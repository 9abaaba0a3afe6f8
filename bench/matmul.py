"""1024x1024 float32 matmul on the NPU, as a ratio against CPU eager PyTorch (target npu/CPU <= 1.05).

Each repeat runs ``--iterations`` products and synchronizes the device once at
the end, so the NPU figure includes everything until the results exist.

Usage: python bench/matmul.py [--size N] [--iterations N] [--repeats N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch
from _timing import describe_device, fmt_time, quiet_fallback_warnings, seconds_per_call, verdict, warn_if_busy

TARGET = 1.05


def matmul_case(device: torch.device, size: int) -> tuple[Callable[[], object], torch.device]:
    """``a @ b`` of two ``size`` x ``size`` float32 matrices on ``device``, as a timing case."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device)
    b = torch.randn(size, size, generator=generator).to(device)
    return (lambda: torch.matmul(a, b)), device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    quiet_fallback_warnings()
    warn_if_busy()

    npu = torch.device("npu")
    print(f"device: {describe_device(npu)}; CPU threads: {torch.get_num_threads()}")
    cpu_time = seconds_per_call(matmul_case(torch.device("cpu"), args.size), args.iterations, args.repeats)
    npu_time = seconds_per_call(matmul_case(npu, args.size), args.iterations, args.repeats)
    flops = 2 * args.size**3
    print(f"{args.size}x{args.size} float32 matmul (median of {args.repeats} x {args.iterations}):")
    print(f"  CPU eager: {fmt_time(cpu_time)} ({flops / cpu_time / 1e9:.1f} GFLOP/s)")
    print(f"  npu:       {fmt_time(npu_time)} ({flops / npu_time / 1e9:.1f} GFLOP/s)")
    print(f"  npu/CPU {verdict(npu_time / cpu_time, TARGET)}")


if __name__ == "__main__":
    main()
